import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { parse } from 'yaml';
import { REPO_ROOT } from './support/repo.ts';

interface Step {
  uses?: string;
  run?: string;
  name?: string;
}
interface Workflow {
  jobs?: Record<string, { 'runs-on'?: string; steps?: Step[] }>;
}

/** One problem per step whose action is not pinned to a full commit. */
function unpinnedActions(steps: Step[]): string[] {
  return steps
    .filter((s) => s.uses !== undefined && !/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/.test(s.uses))
    .map((s) => `uses: ${s.uses}: expected owner/repo@<40-hex commit>`);
}

/** Problems of a workflow: actions not pinned to a full commit, and the e2e steps out of order. */
function workflowProblems(text: string): string[] {
  const wf = parse(text) as Workflow;
  const steps = wf.jobs?.['e2e']?.steps;
  if (!Array.isArray(steps)) return ['jobs.e2e.steps: expected a list of steps'];
  const problems: string[] = [];
  if (wf.jobs?.['e2e']?.['runs-on'] !== 'ubuntu-latest') problems.push('jobs.e2e.runs-on: expected ubuntu-latest');
  problems.push(...unpinnedActions(steps));
  const at = (re: RegExp) => steps.findIndex((s) => re.test(s.run ?? ''));
  const order = [at(/^npm ci\b/), at(/^make tools$/), at(/^make plain-up$/), at(/^make mesh-up$/), at(/^npm run test:e2e$/)];
  if (order.some((i) => i < 0) || order.join() !== [...order].sort((a, b) => a - b).join()) {
    problems.push('steps: expected npm ci, make tools, make plain-up, make mesh-up, then npm run test:e2e');
  }
  const e2e = steps.find((s) => /^npm run test:e2e$/.test(s.run ?? '')) as (Step & { env?: Record<string, string> }) | undefined;
  if (e2e?.env?.['E2E_REQUIRE_CLUSTER'] !== '1')
    problems.push('npm run test:e2e: expected env E2E_REQUIRE_CLUSTER: "1" (a skipped suite must fail there)');
  return problems;
}

/** Problems of the mutation workflow: unpinned actions, or no step running the mutation score (which fails below the break threshold). */
function mutationProblems(text: string): string[] {
  const steps = (parse(text) as Workflow).jobs?.['mutation']?.steps ?? [];
  const problems = unpinnedActions(steps);
  if (!steps.some((s) => /^npm run test:mutation\b/.test(s.run ?? '')))
    problems.push('jobs.mutation: expected a step running npm run test:mutation');
  return problems;
}

describe('.github/workflows/mutation.yml', () => {
  const text = readFileSync(path.join(REPO_ROOT, '.github/workflows/mutation.yml'), 'utf8');

  it('pins actions by commit and runs npm run test:mutation, whose score breaks below 85%', () => {
    expect(mutationProblems(text)).to.deep.equal([]);
    const config = JSON.parse(readFileSync(path.join(REPO_ROOT, 'stryker.config.json'), 'utf8')) as { thresholds: { break: number } };
    expect(config.thresholds.break).to.equal(85);
    expect(mutationProblems(text.replace(/actions\/checkout@[0-9a-f]{40}/, 'actions/checkout@v4'))).to.deep.equal([
      'uses: actions/checkout@v4: expected owner/repo@<40-hex commit>',
    ]);
    expect(mutationProblems(text.replace(/run: npm run test:mutation.*/, 'run: npm test'))).to.deep.equal([
      'jobs.mutation: expected a step running npm run test:mutation',
    ]);
  });
});

describe('.github/workflows/e2e.yml', () => {
  const text = readFileSync(path.join(REPO_ROOT, '.github/workflows/e2e.yml'), 'utf8');

  it('pins actions by commit and walks make tools, plain-up, mesh-up before a cluster-required npm run test:e2e', () => {
    expect(workflowProblems(text)).to.deep.equal([]);
  });

  it('the check catches a floating action tag and a wrong order', () => {
    const floating = text.replace(/actions\/checkout@[0-9a-f]{40}/, 'actions/checkout@v4');
    expect(workflowProblems(floating)).to.deep.equal(['uses: actions/checkout@v4: expected owner/repo@<40-hex commit>']);
    const swapped = text
      .replace('run: npm run test:e2e', 'run: TMP')
      .replace('run: make plain-up', 'run: npm run test:e2e')
      .replace('run: TMP', 'run: make plain-up');
    expect(workflowProblems(swapped)).to.include('steps: expected npm ci, make tools, make plain-up, make mesh-up, then npm run test:e2e');
    expect(workflowProblems(text.replace('E2E_REQUIRE_CLUSTER: "1"', 'E2E_REQUIRE_CLUSTER: "0"'))).to.deep.equal([
      'npm run test:e2e: expected env E2E_REQUIRE_CLUSTER: "1" (a skipped suite must fail there)',
    ]);
  });
});

/** Problems of the macOS workflow: unpinned actions, a runner that is not macOS, or stock bash not first on PATH before the tests. */
function macosProblems(text: string): string[] {
  const job = (parse(text) as Workflow).jobs?.['host-scripts'];
  const steps = job?.steps ?? [];
  const problems = unpinnedActions(steps);
  if (!/^macos-/.test(job?.['runs-on'] ?? '')) problems.push('jobs.host-scripts.runs-on: expected a macos- runner');
  const stock = steps.findIndex((s) => /ln -sf \/bin\/bash /.test(s.run ?? '') && /GITHUB_PATH/.test(s.run ?? ''));
  const check = steps.findIndex((s) => /grep -F 'version 3\.2\.'/.test(s.run ?? ''));
  const tests = steps.findIndex((s) => /^npx mocha 'test\/\*\*\/\*\.test\.ts'$/.test(s.run ?? ''));
  if (stock < 0 || check < 0 || tests < 0 || !(stock < check && check < tests))
    problems.push('steps: expected /bin/bash first on PATH, a check that it is 3.2, then the script tests');
  return problems;
}

describe('.github/workflows/macos.yml', () => {
  const text = readFileSync(path.join(REPO_ROOT, '.github/workflows/macos.yml'), 'utf8');

  it('runs the script tests on macOS with its own bash 3.2 first on PATH, actions pinned by commit', () => {
    expect(macosProblems(text)).to.deep.equal([]);
  });

  it('the check catches a floating action tag, a Linux runner and no check that bash is 3.2', () => {
    expect(macosProblems(text.replace(/actions\/checkout@[0-9a-f]{40}/, 'actions/checkout@v4'))).to.deep.equal([
      'uses: actions/checkout@v4: expected owner/repo@<40-hex commit>',
    ]);
    expect(macosProblems(text.replace('runs-on: macos-latest', 'runs-on: ubuntu-latest'))).to.deep.equal([
      'jobs.host-scripts.runs-on: expected a macos- runner',
    ]);
    expect(macosProblems(text.replace("grep -F 'version 3.2.'", "grep -F 'version'"))).to.deep.equal([
      'steps: expected /bin/bash first on PATH, a check that it is 3.2, then the script tests',
    ]);
  });
});
