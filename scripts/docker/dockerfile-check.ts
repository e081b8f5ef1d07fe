// Static checks of services/Dockerfile against the image contract (docs/interfaces.md and
// ADR/0007): pinned base = the repo's Node, one target stage per service, non-root 10001,
// WORKDIR /app, the contract ports, the entrypoint, OCI labels, production dependencies only, the CA
// secret used for npm and never left in the image. A target's instructions are those of its stage
// and of the stages it is built FROM, as Docker inherits them. Each problem is one line naming the
// instruction and what was expected.

export interface Instruction {
  cmd: string;
  args: string;
  line: number;
}

export interface Stage {
  base: string;
  name: string | undefined;
  instructions: Instruction[];
}

/** Splits a Dockerfile into stages of instructions (comments dropped, continuations joined). */
export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  let pending = '';
  let startLine = 0;
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const trimmed = raw.trim();
    if (pending === '' && (trimmed === '' || trimmed.startsWith('#'))) return;
    if (pending !== '' && trimmed.startsWith('#')) return; // comment inside a continued instruction
    if (pending === '') startLine = i + 1;
    if (trimmed.endsWith('\\')) {
      pending += `${trimmed.slice(0, -1)} `;
      return;
    }
    const full = (pending + trimmed).replace(/\s+/g, ' ').trim();
    pending = '';
    const sp = full.indexOf(' ');
    const cmd = (sp < 0 ? full : full.slice(0, sp)).toUpperCase();
    const args = sp < 0 ? '' : full.slice(sp + 1);
    if (cmd === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!m || m[1] === undefined) throw new Error(`line ${startLine}: FROM ${args}: expected "FROM image[:tag] [AS name]"`);
      stages.push({ base: m[1], name: m[2], instructions: [] });
      return;
    }
    const stage = stages[stages.length - 1];
    if (!stage) {
      if (cmd === 'ARG') return; // global ARGs before the first FROM
      throw new Error(`line ${startLine}: ${cmd} before any FROM`);
    }
    stage.instructions.push({ cmd, args, line: startLine });
  });
  if (pending !== '') throw new Error('Dockerfile ends inside a continued line');
  return stages;
}

export interface Contract {
  service: string;
  nodeVersion: string;
  ports: number[];
}

/** Ports of `service` from the Ports table of docs/interfaces.md (`| ponger | 8080 | http | ...`). */
export function contractPorts(interfacesMd: string, service: string): number[] {
  const ports: number[] = [];
  for (const line of interfacesMd.split('\n')) {
    const m = /^\|\s*([a-z]+)\s*\|\s*(\d+)\s*\|\s*`[a-z]+`\s*\|/.exec(line);
    if (m && m[1] === service && m[2] !== undefined) ports.push(Number(m[2]));
  }
  if (ports.length === 0) throw new Error(`docs/interfaces.md: no row for ${service} in the Ports table`);
  return ports.sort((a, b) => a - b);
}

const OCI_LABELS = ['title', 'description', 'version', 'revision', 'licenses', 'base.name'];
const CA_MARKERS = /npm_ca|NODE_EXTRA_CA_CERTS|ca-certificates\.crt|\.pem\b/;

/** The instructions of the stage named `name` preceded by those of the stages it is built FROM. */
function chain(stages: Stage[], name: string): Instruction[] {
  const out: Instruction[][] = [];
  const seen = new Set<string>();
  for (let s = stages.find((x) => x.name === name); s; s = stages.find((x) => x.name === s?.base)) {
    if (s.name !== undefined && seen.has(s.name)) break;
    if (s.name !== undefined) seen.add(s.name);
    out.unshift(s.instructions);
  }
  return out.flat();
}

/** Every contract violation of the Dockerfile `text` for the target `c.service` (empty when it complies). */
export function checkDockerfile(text: string, c: Contract): string[] {
  const problems: string[] = [];
  const stages = parseDockerfile(text);
  const base = `node:${c.nodeVersion}-bookworm-slim`;
  const names = new Set(stages.map((s) => s.name).filter((n) => n !== undefined));
  for (const s of stages) {
    if (s.base !== base && !names.has(s.base)) problems.push(`FROM ${s.base}: expected ${base} (package.json devDependencies "node")`);
    for (const i of s.instructions) {
      if (i.cmd === 'RUN' && /\bnpm (ci|install)\b/.test(i.args)) {
        if (!/--mount=type=secret,id=npm_ca\b/.test(i.args))
          problems.push(`line ${i.line}: RUN npm ci without --mount=type=secret,id=npm_ca (the CA must reach npm as a build secret)`);
        if (/\bnpm install\b/.test(i.args)) problems.push(`line ${i.line}: npm install (expected npm ci: the lock file decides)`);
      }
      if ((i.cmd === 'COPY' || i.cmd === 'ADD' || i.cmd === 'ENV' || i.cmd === 'ARG') && CA_MARKERS.test(i.args)) {
        problems.push(`line ${i.line}: ${i.cmd} ${i.args}: the CA bundle must only be mounted as a secret, never copied or set`);
      }
    }
  }
  if (stages.length === 0) return ['no FROM: expected a multi-stage build'];
  if (stages.length < 2) problems.push('a single stage: expected a build stage and a runtime stage');
  if (!names.has(c.service))
    return [...problems, `no stage named ${c.service}: expected one target per service (docker build --target ${c.service})`];
  // The image of the target: its stage and the stages it derives from (the runtime stage, the base).
  const final = chain(stages, c.service);
  const of = (cmd: string): Instruction[] => final.filter((i) => i.cmd === cmd);
  const last = (cmd: string): string | undefined => of(cmd).at(-1)?.args;

  if (last('USER') !== '10001:10001') problems.push(`runtime USER is ${JSON.stringify(last('USER'))} (expected "10001:10001")`);
  if (last('WORKDIR') !== '/app') problems.push(`runtime WORKDIR is ${JSON.stringify(last('WORKDIR'))} (expected "/app")`);
  const entry = readEntrypoint(last('ENTRYPOINT'), c.service);
  if ('problem' in entry) problems.push(entry.problem);
  if (of('CMD').length > 0) problems.push('runtime CMD set: arguments come from the manifests (args: ["-c", ...])');
  const exposed = of('EXPOSE')
    .flatMap((i) => i.args.split(' '))
    .map((p) => Number(p.replace(/\/tcp$/, '')))
    .sort((a, b) => a - b);
  if (JSON.stringify(exposed) !== JSON.stringify(c.ports))
    problems.push(`runtime EXPOSE ${exposed.join(' ')} (expected ${c.ports.join(' ')} from docs/interfaces.md)`);

  const labels = of('LABEL')
    .map((i) => i.args)
    .join(' ');
  for (const l of OCI_LABELS) {
    if (!labels.includes(`org.opencontainers.image.${l}=`)) problems.push(`runtime LABEL org.opencontainers.image.${l} missing`);
  }
  const title = /org\.opencontainers\.image\.title="?([^"\s]+)"?/.exec(labels)?.[1];
  if (title !== undefined && title !== c.service)
    problems.push(`label org.opencontainers.image.title is "${title}" (expected "${c.service}")`);

  // Runtime contents: no npm run in the image's own stages, node_modules from a stage that omitted
  // dev deps, dist of this service and shared only.
  for (const i of of('RUN')) {
    if (/\bnpm\b/.test(i.args)) problems.push(`line ${i.line}: npm in the runtime stage (install dependencies in a separate stage)`);
    if (/--mount=type=secret/.test(i.args)) problems.push(`line ${i.line}: a secret mounted in the runtime stage`);
  }
  for (const i of of('COPY')) {
    const from = /--from=(\S+)/.exec(i.args)?.[1];
    const src = i.args.replace(/--\S+/g, '').trim().split(' ')[0] ?? '';
    if (from === undefined) {
      if (!/^package(-lock)?\.json$/.test(src))
        problems.push(`line ${i.line}: COPY ${i.args}: the runtime stage copies from build stages only (expected --from=...)`);
      continue;
    }
    if (!names.has(from)) {
      problems.push(`line ${i.line}: COPY --from=${from}: no stage named ${from}`);
      continue;
    }
    if (/node_modules/.test(src)) {
      const ci = chain(stages, from)
        .filter((x) => x.cmd === 'RUN' && /\bnpm ci\b/.test(x.args))
        .at(-1);
      if (!ci || !/--omit=dev\b/.test(ci.args))
        problems.push(
          `line ${i.line}: node_modules from stage ${from} whose npm ci lacks --omit=dev (dev dependencies, e.g. the node binary package, would ship)`,
        );
    }
    if (/dist/.test(src) && !new RegExp(`dist/(shared|${c.service})(/|$)`).test(src)) {
      problems.push(`line ${i.line}: COPY ${src}: expected only dist/shared and dist/${c.service}`);
    }
  }
  return problems;
}

/**
 * The Node flags of `entry` when it is the exec form `["node", <Node/V8 flags, each --...>,
 * "dist/<service>/src/main.js"]`, else the problem. The flags are the service's Node command-line
 * flags, for those Node refuses in NODE_OPTIONS (ADR/0015); the benchmark and `npm start` start
 * the services with them (entrypointNodeFlags).
 */
function readEntrypoint(entry: string | undefined, service: string): { flags: string[] } | { problem: string } {
  const want = `["node", <flags: --...>, "dist/${service}/src/main.js"]`;
  const argv = entry === undefined ? undefined : safeJson(entry);
  const ok =
    Array.isArray(argv) &&
    argv.length >= 2 &&
    argv.every((a) => typeof a === 'string') &&
    argv[0] === 'node' &&
    argv.at(-1) === `dist/${service}/src/main.js` &&
    argv.slice(1, -1).every((a: string) => /^--[a-z0-9][a-z0-9-]*(=\S+)?$/.test(a));
  return ok ? { flags: (argv as string[]).slice(1, -1) } : { problem: `runtime ENTRYPOINT is ${JSON.stringify(entry)} (expected ${want})` };
}

/** The Node flags of `service`'s image entrypoint (between "node" and main.js); throws when it breaks the contract. */
export function entrypointNodeFlags(dockerfile: string, service: string): string[] {
  const stages = parseDockerfile(dockerfile);
  if (!stages.some((s) => s.name === service)) throw new Error(`services/Dockerfile: no stage named ${service}`);
  const entry = readEntrypoint(
    chain(stages, service)
      .filter((i) => i.cmd === 'ENTRYPOINT')
      .at(-1)?.args,
    service,
  );
  if ('problem' in entry) throw new Error(`services/Dockerfile: ${entry.problem}`);
  return entry.flags;
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

/** Problems of .dockerignore: it must be an allow-list that keeps secrets, deps, outputs and tests out. */
export function checkDockerignore(text: string): string[] {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const problems: string[] = [];
  if (rules[0] !== '*') problems.push(`first rule is ${JSON.stringify(rules[0])} (expected "*": an allow-list)`);
  for (const forbidden of ['node_modules', 'dist', '.git', '.bin']) {
    if (rules.some((r) => r.startsWith('!') && (r === `!${forbidden}` || r.startsWith(`!${forbidden}/`))))
      problems.push(`re-includes ${forbidden}`);
  }
  if (rules.includes('!services') || rules.includes('!services/')) {
    if (!rules.some((r) => /^services\/\*\*\/\*\.test\.ts$/.test(r)))
      problems.push('re-includes services/ without excluding services/**/*.test.ts');
    if (!rules.some((r) => /^services\/\*\*\/node_modules$/.test(r)))
      problems.push('re-includes services/ without excluding services/**/node_modules');
  }
  return problems;
}
