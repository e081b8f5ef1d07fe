// Spec-driven configuration: defaults < YAML file (-c PATH) < environment.
// Each key is declared once in a table (KeySpec); loading validates every value against it.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

export type KeyType = 'int' | 'number' | 'string' | 'enum' | 'url';

export interface KeySpec {
  /** dotted YAML key, e.g. `service.port` */
  readonly key: string;
  /** environment variables: canonical name first, accepted aliases after */
  readonly env: readonly string[];
  readonly type: KeyType;
  readonly default: number | string;
  readonly min?: number;
  readonly max?: number;
  /** allowed values for `enum` */
  readonly values?: readonly string[];
  readonly doc: string;
}

/** The value type of one key: a number, one of an enum's values, or a string. */
type ValueOf<K extends KeySpec> = K['type'] extends 'int' | 'number'
  ? number
  : K extends { readonly type: 'enum'; readonly values: readonly (infer V extends string)[] } ? V : string;

/** Typed view of a loaded table: int/number keys are numbers, enums their values, the rest strings. */
export type ConfigOf<S extends readonly KeySpec[]> = {
  readonly [K in S[number] as K['key']]: ValueOf<K>;
};

export class ConfigError extends Error {
  readonly key: string;
  readonly expected: string;
  readonly got: string;
  constructor(key: string, expected: string, got: string) {
    super(`${key}: expected ${expected}, got ${got}`);
    this.name = 'ConfigError';
    this.key = key;
    this.expected = expected;
    this.got = got;
  }
}

/** Keys of the original exercise that asked the services to terminate TLS themselves. */
export const TLS_KEYS: readonly string[] = ['service.tlsCertificate', 'service.tlsPrivateKey', 'ponger.acceptCert'];

export const PORT_MAX = 65535;

export interface LoadOptions {
  argv?: readonly string[];
  env?: Readonly<Record<string, string | undefined>>;
  readFile?: (path: string) => string;
}

/** `-c PATH`, `--config PATH`, `--config=PATH`; anything else is an error. */
export function configPathFromArgv(argv: readonly string[]): string | undefined {
  let path: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '-c' || arg === '--config') {
      const next = argv[i + 1];
      if (next === undefined || next === '' || next.startsWith('-')) {
        throw new ConfigError('command line', `a file path after ${arg}`, next === undefined ? 'nothing' : JSON.stringify(next));
      }
      path = next;
      i++;
    } else if (arg.startsWith('--config=')) {
      path = arg.slice('--config='.length);
      if (path === '') throw new ConfigError('command line', 'a file path after --config=', 'nothing');
    } else {
      throw new ConfigError('command line', '-c PATH or --config PATH', JSON.stringify(arg));
    }
  }
  return path;
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}...` : value);
  return `${typeof value} ${String(value)}`;
}

function label(spec: KeySpec): string {
  return spec.env.length > 0 ? `${spec.key} (${spec.env.join(' or ')})` : spec.key;
}

function rangeText(spec: KeySpec): string {
  const { min, max } = spec;
  if (min !== undefined && max !== undefined) return ` in ${min}..${max}`;
  if (min !== undefined) return min === 0 ? ' >= 0' : ` >= ${min}`;
  if (max !== undefined) return ` <= ${max}`;
  return '';
}

export function expectedText(spec: KeySpec): string {
  switch (spec.type) {
    case 'int': return `an integer${rangeText(spec)}`;
    case 'number': return `a number${rangeText(spec)}`;
    case 'string': return 'a non-empty string';
    case 'enum': return `one of ${(spec.values ?? []).join(', ')}`;
    case 'url': return 'an http:// URL with host (plain HTTP; the mesh provides mTLS), no query or fragment';
  }
}

/** Validates one raw value (YAML value or env string) against its spec. */
export function coerce(spec: KeySpec, raw: unknown, source: string): number | string {
  const fail = (): never => {
    throw new ConfigError(label(spec), expectedText(spec), `${describe(raw)} (from ${source})`);
  };
  switch (spec.type) {
    case 'int':
    case 'number': {
      let n: number;
      if (typeof raw === 'number') n = raw;
      else if (typeof raw === 'string' && source.startsWith('env') && /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(raw)) n = Number(raw);
      else return fail();
      if (!Number.isFinite(n)) return fail();
      if (spec.type === 'int' && !Number.isInteger(n)) return fail();
      if (spec.min !== undefined && n < spec.min) return fail();
      if (spec.max !== undefined && n > spec.max) return fail();
      return n;
    }
    case 'string':
      if (typeof raw !== 'string' || raw.trim() === '') return fail();
      return raw;
    case 'enum':
      if (typeof raw !== 'string' || !(spec.values ?? []).includes(raw)) return fail();
      return raw;
    case 'url': {
      if (typeof raw !== 'string') return fail();
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        return fail();
      }
      if (url.protocol !== 'http:' || url.hostname === '' || url.search !== '' || url.hash !== '' || url.username !== '') return fail();
      return url.href.replace(/\/+$/, '');
    }
  }
}

/** Flattens nested YAML mappings into dotted keys; leaves (scalars, lists, null) are kept as is. */
export function flatten(value: unknown, prefix = '', out: Map<string, unknown> = new Map()): Map<string, unknown> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out.set(prefix, value);
  }
  return out;
}

export function readYamlFile(path: string, readFile: (path: string) => string): Map<string, unknown> {
  let text: string;
  try {
    text = readFile(path);
  } catch (err) {
    throw new ConfigError(`config file ${path}`, 'a readable YAML file', (err as Error).message);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text, { strict: true, uniqueKeys: true });
  } catch (err) {
    throw new ConfigError(`config file ${path}`, 'valid YAML', (err as Error).message.split('\n')[0] ?? 'a parse error');
  }
  if (doc === null || doc === undefined) return new Map();
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ConfigError(`config file ${path}`, 'a YAML mapping of keys', describe(doc));
  }
  return flatten(doc);
}

export function loadConfig<const S extends readonly KeySpec[]>(specs: S, options: LoadOptions = {}): ConfigOf<S> {
  const argv = options.argv ?? process.argv.slice(2);
  const env = options.env ?? process.env;
  const readFile = options.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  const byKey = new Map(specs.map((s) => [s.key, s]));
  const path = configPathFromArgv(argv);
  const fromFile = path === undefined ? new Map<string, unknown>() : readYamlFile(path, readFile);
  for (const key of fromFile.keys()) {
    if (TLS_KEYS.includes(key)) {
      throw new ConfigError(key, 'no TLS settings: these services speak plain HTTP and the mesh (Linkerd) provides mTLS, see ADR/0001', `a value in ${path}`);
    }
    if (!byKey.has(key)) {
      const known = [...byKey.keys()].join(', ');
      throw new ConfigError(key, `a known key (${known})`, `an unknown key in ${path}`);
    }
  }
  const out: Record<string, number | string> = {};
  for (const spec of specs) {
    let value = coerce(spec, spec.default, 'default');
    if (fromFile.has(spec.key)) value = coerce(spec, fromFile.get(spec.key), `YAML file ${path}`);
    const envName = spec.env.find((name) => env[name] !== undefined && env[name] !== '');
    if (envName !== undefined) value = coerce(spec, env[envName], `env ${envName}`);
    out[spec.key] = value;
  }
  return out as ConfigOf<S>;
}

/** Renders a key table as the Markdown rows used in docs/interfaces.md. */
export function renderMarkdown(specs: readonly KeySpec[]): string {
  const rows = specs.map((s) => {
    const [canonical, ...aliases] = s.env;
    const env = canonical === undefined ? '' : `\`${canonical}\`${aliases.length ? ` (${aliases.map((a) => `\`${a}\``).join(', ')} accepted)` : ''}`;
    return `| \`${s.key}\` | ${env} | \`${s.default}\` | ${s.doc} |`;
  });
  return ['| YAML key | env | default | meaning |', '|---|---|---|---|', ...rows].join('\n');
}
