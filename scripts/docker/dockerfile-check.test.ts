import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { repoPath } from '../../test/support/repo.ts';
import {
  type Contract,
  checkDockerfile,
  checkDockerignore,
  contractPorts,
  entrypointNodeFlags,
  parseDockerfile,
} from './dockerfile-check.ts';

const read = (p: string): string => readFileSync(repoPath(p), 'utf8');
const pkg = JSON.parse(read('package.json')) as { devDependencies: Record<string, string> };
const nodeVersion = pkg.devDependencies['node'] ?? '';
const interfaces = read('docs/interfaces.md');

function contract(service: string): Contract {
  return { service, nodeVersion, ports: contractPorts(interfaces, service) };
}

describe('scripts/docker dockerfile-check: services/Dockerfile keeps the image contract', () => {
  const dockerfile = read('services/Dockerfile');

  it('reads the contract ports from docs/interfaces.md', () => {
    expect(contractPorts(interfaces, 'ponger')).to.deep.equal([2112, 8080]);
    expect(contractPorts(interfaces, 'pinger')).to.deep.equal([2112]);
    expect(() => contractPorts(interfaces, 'pangolin')).to.throw(/no row for pangolin/);
  });

  for (const svc of ['ponger', 'pinger']) {
    it(`its target ${svc} complies`, () => {
      expect(checkDockerfile(dockerfile, contract(svc))).to.deep.equal([]);
    });
  }

  it('.dockerignore is an allow-list that keeps node_modules, dist, .git and tests out', () => {
    expect(checkDockerignore(read('.dockerignore'))).to.deep.equal([]);
  });

  it("reads each image's Node flags from its ENTRYPOINT (what the benchmark starts the services with)", () => {
    const flags = entrypointNodeFlags(dockerfile, 'ponger');
    expect(flags.every((f) => f.startsWith('--'))).to.equal(true);
    const argv = JSON.parse(/ENTRYPOINT (\[.*"dist\/pinger\/src\/main.js"\])/.exec(dockerfile)?.[1] ?? '[]') as string[];
    expect(entrypointNodeFlags(dockerfile, 'pinger')).to.deep.equal(argv.slice(1, -1));
    const extra = dockerfile.replace('["node", "', '["node", "--stack-size=900", "');
    expect(entrypointNodeFlags(extra, 'ponger')).to.deep.equal(['--stack-size=900', ...flags]);
    expect(() => entrypointNodeFlags(dockerfile.replace('["node", ', '["node", "-e", "1", '), 'ponger')).to.throw(/ENTRYPOINT/);
    expect(() => entrypointNodeFlags(dockerfile, 'pangolin')).to.throw(/no stage named pangolin/);
  });

  it('joins continued lines and drops comments inside them', () => {
    const stages = parseDockerfile('ARG X\nFROM a AS b\nRUN one \\\n  # note\n  two\nFROM b\nUSER 1\n');
    expect(stages.map((s) => [s.base, s.name])).to.deep.equal([
      ['a', 'b'],
      ['b', undefined],
    ]);
    expect(stages[0]?.instructions[0]).to.deep.include({ cmd: 'RUN', args: 'one two', line: 3 });
  });

  // Each mutation breaks one rule for the ponger target; the check must name it.
  const broken: [string, (t: string) => string, RegExp][] = [
    ['a floating base tag', (t) => t.replaceAll(`node:${nodeVersion}-bookworm-slim`, 'node:latest'), /FROM node:latest: expected node:24/],
    ['another Node than the repo pins', (t) => t.replaceAll(`node:${nodeVersion}-`, 'node:22.15.0-'), /FROM node:22.15.0-bookworm-slim/],
    ['running as root', (t) => t.replace('USER 10001:10001', 'USER root'), /runtime USER is "root"/],
    ['another entrypoint', (t) => t.replace('dist/ponger/src/main.js', 'dist/pinger/src/main.js'), /ENTRYPOINT/],
    [
      'code run before main.js',
      (t) => t.replace('["node", ', '["node", "-e", "process.exit(0)", '),
      /ENTRYPOINT .* \(expected \["node", <flags/,
    ],
    [
      'the shell form',
      (t) => t.replace(/ENTRYPOINT \[.*"dist\/ponger\/src\/main.js"\]/, 'ENTRYPOINT node dist/ponger/src/main.js'),
      /ENTRYPOINT/,
    ],
    ['a port missing', (t) => t.replace('EXPOSE 8080 2112', 'EXPOSE 8080'), /EXPOSE 8080 \(expected 2112 8080/],
    ['dev dependencies shipped', (t) => t.replace('npm ci --omit=dev', 'npm ci'), /lacks --omit=dev/],
    [
      'npm without the CA secret',
      (t) => t.replace(/RUN --mount=type=secret,id=npm_ca,target=\/run\/secrets\/npm_ca \\\n/, 'RUN \\\n'),
      /without --mount=type=secret,id=npm_ca/,
    ],
    [
      'the CA copied into the image',
      (t) => t.replace('USER 10001:10001', 'COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/\nUSER 10001:10001'),
      /never copied or set/,
    ],
    [
      'the whole build tree copied',
      (t) => t.replace('COPY --from=build /src/dist/ponger/ dist/ponger/', 'COPY --from=build /src/dist/ dist/'),
      /expected only dist\/shared and dist\/ponger/,
    ],
    [
      'sources copied from the context',
      (t) => t.replace('USER 10001:10001', 'COPY services/ services/\nUSER 10001:10001'),
      /copies from build stages only/,
    ],
    [
      'a missing OCI label',
      (t) => t.replace(/org\.opencontainers\.image\.licenses="[^"]*" \\\n\s*/, ''),
      /org.opencontainers.image.licenses missing/,
    ],
    ['a single stage', (t) => `FROM node:${nodeVersion}-bookworm-slim AS ponger\n${t.replace(/^FROM .*$/gm, '')}`, /a single stage/],
    ['no target for the service', (t) => t.replace('AS ponger', 'AS pong'), /no stage named ponger: expected one target per service/],
    [
      'the runtime stage not inherited',
      (t) => t.replace('FROM runtime AS ponger', `FROM node:${nodeVersion}-bookworm-slim AS ponger`),
      /runtime USER is undefined/,
    ],
  ];
  for (const [what, mutate, message] of broken) {
    it(`catches ${what}`, () => {
      const text = mutate(dockerfile);
      expect(text, 'the mutation applies').to.not.equal(dockerfile);
      expect(checkDockerfile(text, contract('ponger')).join('\n')).to.match(message);
    });
  }

  it('catches a .dockerignore that lets node_modules or tests in', () => {
    expect(checkDockerignore('node_modules\ndist\n')).to.include('first rule is "node_modules" (expected "*": an allow-list)');
    expect(checkDockerignore('*\n!node_modules\n')).to.include('re-includes node_modules');
    expect(checkDockerignore('*\n!services\nservices/**/node_modules\n')).to.include(
      're-includes services/ without excluding services/**/*.test.ts',
    );
  });
});
