// Spec-driven configuration: defaults < YAML file (-c PATH) < environment.
// Each key is declared once in a table (KeySpec); loading validates every value against it.
// The file is read and parsed with bounds (config-file.ts); config values never echo a secret.
import { ConfigFileError, keyText, parseConfigYaml, readConfigFile } from './config-file.ts';

export type KeyType = 'int' | 'number' | 'string' | 'enum' | 'url' | 'list';

/** What each item of a `list` key must be. */
export interface ItemSpec {
  /** e.g. `Linkerd identities (<sa>.<ns>.serviceaccount.identity.linkerd.<trust-domain>)` */
  readonly expected: string;
  readonly check: (item: string) => boolean;
}

export interface KeySpec {
  /** dotted YAML key, e.g. `service.port` */
  readonly key: string;
  /** environment variables: canonical name first, accepted aliases after */
  readonly env: readonly string[];
  readonly type: KeyType;
  readonly default: number | string | readonly string[];
  readonly min?: number;
  /** the largest value; for `list`, the most items */
  readonly max?: number;
  /** allowed values for `enum` */
  readonly values?: readonly string[];
  /** what each item of a `list` must be (any non-empty string when absent) */
  readonly item?: ItemSpec;
  readonly doc: string;
}

/** The value type of one key: a number, a list of strings, one of an enum's values, or a string. */
type ValueOf<K extends KeySpec> = K['type'] extends 'int' | 'number'
  ? number
  : K['type'] extends 'list'
    ? readonly string[]
    : K extends { readonly type: 'enum'; readonly values: readonly (infer V extends string)[] }
      ? V
      : string;

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
const TLS_KEY_SET: ReadonlySet<string> = new Set(TLS_KEYS);

/** Items of a `list` key when the spec sets no `max`. */
export const DEFAULT_LIST_MAX = 100;

export const PORT_MAX = 65535;

export interface LoadOptions {
  argv?: readonly string[];
  env?: Readonly<Record<string, string | undefined>>;
  /** reads the -c file; default: readConfigFile (regular file, size cap) */
  readFile?: (path: string) => string;
}

/**
 * A URL (or text holding URLs) with any userinfo replaced by `REDACTED`, for log lines, span
 * attributes and error messages: `http://u:pw@h/` -> `http://REDACTED@h/`, `u:pw@h` -> `REDACTED@h`.
 */
export function redactUrl(text: string): string {
  return text.replace(/:\/\/[^\s/?#\\]*@/g, '://REDACTED@').replace(/^[^\s/?#\\]*@/, 'REDACTED@');
}

/** `-c PATH`, `--config PATH`, `--config=PATH`; anything else is an error. */
export function configPathFromArgv(argv: readonly string[]): string | undefined {
  let path: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
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
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}...` : value);
  return `${typeof value} ${String(value)}`;
}

function label(spec: KeySpec): string {
  return spec.env.length > 0 ? `${spec.key} (${spec.env.join(' or ')})` : spec.key;
}

function rangeText(spec: KeySpec): string {
  const { min, max } = spec;
  if (min !== undefined && max !== undefined) return ` in ${min}..${max}`;
  if (min !== undefined) return ` >= ${min}`;
  if (max !== undefined) return ` <= ${max}`;
  return '';
}

export function expectedText(spec: KeySpec): string {
  switch (spec.type) {
    case 'int':
      return `an integer${rangeText(spec)}`;
    case 'number':
      return `a number${rangeText(spec)}`;
    case 'string':
      return 'a non-empty string';
    case 'enum':
      // Stryker disable next-line ArrayDeclaration: an enum spec always has values
      return `one of ${(spec.values ?? []).join(', ')}`;
    case 'url':
      return 'an http:// URL with host, optional port and path, no credentials, query or fragment (plain HTTP; the mesh provides mTLS)';
    case 'list':
      return `a list of at most ${spec.max ?? DEFAULT_LIST_MAX} ${spec.item?.expected ?? 'non-empty strings'} (a YAML list, or comma-separated in env)`;
  }
}

// http://HOST[:PORT][/PATH]: a DNS name or IPv4 (labels of letters, digits, '-', '_') or a
// bracketed IPv6; the path in RFC 3986 pchar. Checked on the raw text because WHATWG URL parsing
// forgives too much: `http:///ping` becomes host `ping`, `http:ponger` becomes `http://ponger/`,
// tabs and newlines are dropped, `\` is read as `/`.
const HTTP_URL =
  /^http:\/\/(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9])?)*\.?)(?::\d{1,5})?(?:\/[A-Za-z0-9._~!$&'()*+,;=:@%-]*)*$/i;

/** True when the authority of a URL-like text (after `scheme://`, up to `/ ? # \`) holds `@`. */
function hasUserinfo(raw: string): boolean {
  // Stryker disable next-line StringLiteral: the prefix is dropped; any text without '@', '/', '?', '#' or '\' does the same
  const rest = raw.replace(/^\s*[A-Za-z][A-Za-z0-9+.-]*:\/*/, '');
  const end = rest.search(/[/?#\\]/);
  return (end < 0 ? rest : rest.slice(0, end)).includes('@');
}

function coerceUrl(raw: string, fail: (got?: string) => never): string {
  if (hasUserinfo(raw)) return fail('a URL with credentials (user or password before "@"; not shown)');
  if (!HTTP_URL.test(raw)) return fail();
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return fail();
  }
  return url.href.replace(/\/+$/, '');
}

function coerceList(spec: KeySpec, raw: unknown, source: string, fail: (got?: string) => never): readonly string[] {
  let items: unknown[];
  if (Array.isArray(raw)) items = raw;
  else if (source.startsWith('env'))
    items = String(raw)
      .split(',')
      .map((s) => s.trim()); // env values are strings
  else return fail();
  const max = spec.max ?? DEFAULT_LIST_MAX;
  if (items.length > max) return fail(`a list of ${items.length} items`);
  const out = new Set<string>();
  for (const [i, item] of items.entries()) {
    if (typeof item !== 'string' || item.trim() === '' || !(spec.item?.check(item) ?? true))
      return fail(`item ${i + 1}: ${describe(item)}`);
    out.add(item);
  }
  return [...out];
}

/** Validates one raw value (YAML value or env string) against its spec. */
export function coerce(spec: KeySpec, raw: unknown, source: string): number | string | readonly string[] {
  const fail = (got?: string): never => {
    const shown = got ?? describe(spec.type === 'url' && typeof raw === 'string' ? redactUrl(raw) : raw);
    throw new ConfigError(label(spec), expectedText(spec), `${shown} (from ${source})`);
  };
  switch (spec.type) {
    case 'int':
    case 'number': {
      let n: number;
      if (typeof raw === 'number') n = raw;
      else if (source.startsWith('env') && /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(String(raw))) n = Number(raw);
      else return fail();
      if (!Number.isFinite(n)) return fail();
      if (spec.type === 'int' && !Number.isInteger(n)) return fail();
      if (n < (spec.min ?? -Infinity) || n > (spec.max ?? Infinity)) return fail();
      return n;
    }
    case 'string':
      if (typeof raw !== 'string' || raw.trim() === '') return fail();
      return raw;
    case 'enum': {
      // Stryker disable next-line ArrayDeclaration: an enum spec always has values
      const value = (spec.values ?? []).find((v) => v === raw);
      return value === undefined ? fail() : value;
    }
    case 'url':
      if (typeof raw !== 'string') return fail();
      return coerceUrl(raw, fail);
    case 'list':
      return coerceList(spec, raw, source, fail);
  }
}

/** Reads and parses the -c file; any problem is a ConfigError naming the file. */
export function readYamlFile(path: string, readFile: (path: string) => string): Map<string, unknown> {
  try {
    return parseConfigYaml(readFile(path));
  } catch (err) {
    // parseConfigYaml throws only ConfigFileError; anything else is the reader's (ENOENT, EACCES, ...)
    if (err instanceof ConfigFileError) throw new ConfigError(`config file ${path}`, err.expected, err.message);
    throw new ConfigError(`config file ${path}`, 'a readable YAML file', (err as Error).message.split('\n')[0] as string);
  }
}

export function loadConfig<const S extends readonly KeySpec[]>(specs: S, options: LoadOptions = {}): ConfigOf<S> {
  const argv = options.argv ?? process.argv.slice(2);
  const env = options.env ?? process.env;
  const readFile = options.readFile ?? readConfigFile;
  const byKey = new Map(specs.map((s) => [s.key, s]));
  const path = configPathFromArgv(argv);
  const fromFile = path === undefined ? new Map<string, unknown>() : readYamlFile(path, readFile);
  // One Set/Map lookup per key: linear in the file's size.
  for (const key of fromFile.keys()) {
    if (TLS_KEY_SET.has(key)) {
      throw new ConfigError(
        key,
        'no TLS settings: these services speak plain HTTP and the mesh (Linkerd) provides mTLS, see ADR/0001',
        `a value in ${path}`,
      );
    }
    if (!byKey.has(key)) {
      const known = [...byKey.keys()].join(', ');
      throw new ConfigError(keyText(key), `a known key (${known})`, `an unknown key in ${path}`);
    }
  }
  const out: Record<string, number | string | readonly string[]> = {};
  for (const spec of specs) {
    let value = coerce(spec, spec.default, 'default');
    if (fromFile.has(spec.key)) value = coerce(spec, fromFile.get(spec.key), `YAML file ${path}`);
    const envName = spec.env.find((name) => env[name] !== undefined && env[name] !== '');
    if (envName !== undefined) value = coerce(spec, env[envName], `env ${envName}`);
    out[spec.key] = value;
  }
  return out as ConfigOf<S>;
}

/** A key's default as the docs table shows it: a list as JSON (`[]`), anything else as is. */
export function defaultText(spec: KeySpec): string {
  return Array.isArray(spec.default) ? JSON.stringify(spec.default) : String(spec.default);
}

/** Renders a key table as the Markdown rows used in docs/interfaces.md. */
export function renderMarkdown(specs: readonly KeySpec[]): string {
  const rows = specs.map((s) => {
    const [canonical, ...aliases] = s.env;
    const env =
      canonical === undefined ? '' : `\`${canonical}\`${aliases.length ? ` (${aliases.map((a) => `\`${a}\``).join(', ')} accepted)` : ''}`;
    return `| \`${s.key}\` | ${env} | \`${defaultText(s)}\` | ${s.doc} |`;
  });
  return ['| YAML key | env | default | meaning |', '|---|---|---|---|', ...rows].join('\n');
}
