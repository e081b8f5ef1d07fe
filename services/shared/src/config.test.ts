import { expect } from 'chai';
import { thrown } from '../../../test/support/thrown.ts';
import { FLUSH_TIMEOUT_MS, SHUTDOWN_MARGIN_MS } from './budgets.ts';
import { COMMON_KEYS, checkCommon } from './common-keys.ts';
import { ConfigError, coerce, configPathFromArgv, type KeySpec, loadConfig, redactUrl, renderMarkdown } from './config.ts';

const KEYS = [
  ...COMMON_KEYS,
  { key: 'ponger.url', env: ['PONGER_URL', 'TARGET'], type: 'url', default: 'http://localhost:8080', doc: 'base URL' },
  { key: 'faults.errorRate', env: ['FAULT_ERROR_RATE'], type: 'number', min: 0, max: 1, default: 0, doc: 'rate' },
  { key: 'ping.intervalMs', env: ['PING_INTERVAL_MS', 'TICK_MS'], type: 'int', min: 1, max: 3_600_000, default: 1000, doc: 'period' },
  {
    key: 'names',
    env: ['NAMES'],
    type: 'list',
    max: 3,
    default: [],
    item: { expected: 'lower-case names', check: (s) => /^[a-z]+$/.test(s) },
    doc: 'names',
  },
  { key: 'tags', env: [], type: 'list', default: [], doc: 'tags' },
] as const satisfies readonly KeySpec[];

const URL_EXPECTED =
  'an http:// URL with host, optional port and path, no credentials, query or fragment (plain HTTP; the mesh provides mTLS)';
const CREDENTIALS = 'a URL with credentials (user or password before "@"; not shown)';

function files(map: Record<string, string>): (p: string) => string {
  return (p) => {
    const text = map[p];
    if (text === undefined) throw new Error(`ENOENT: no such file ${p}\n    at open`);
    return text;
  };
}

const configError = (fn: () => unknown): ConfigError => thrown(fn, ConfigError);
const fromEnv = (env: Record<string, string>) => loadConfig(KEYS, { argv: [], env });
const fromYaml = (yaml: string) => loadConfig(KEYS, { argv: ['-c', 'f'], env: {}, readFile: files({ f: yaml }) });

describe('shared/config', () => {
  it('uses the defaults when nothing is given', () => {
    const cfg = fromEnv({});
    expect(cfg).to.deep.equal({
      'log.level': 'info',
      'metrics.port': 2112,
      'service.host': '0.0.0.0',
      'shutdown.drainMs': 5000,
      'shutdown.timeoutMs': 10000,
      'ponger.url': 'http://localhost:8080',
      'faults.errorRate': 0,
      'ping.intervalMs': 1000,
      names: [],
      tags: [],
    });
  });

  it('applies defaults < YAML < env, nested or dotted YAML keys', () => {
    const readFile = files({ '/c.yaml': 'metrics:\n  port: 9000\nlog.level: debug\nping:\n  intervalMs: 250\n' });
    const fromFile = loadConfig(KEYS, { argv: ['-c', '/c.yaml'], env: {}, readFile });
    expect(fromFile['metrics.port']).to.equal(9000);
    expect(fromFile['log.level']).to.equal('debug');
    expect(fromFile['ping.intervalMs']).to.equal(250);
    const withEnv = loadConfig(KEYS, { argv: ['--config', '/c.yaml'], env: { METRICS_PORT: '9100', TICK_MS: '100' }, readFile });
    expect(withEnv['metrics.port']).to.equal(9100);
    expect(withEnv['ping.intervalMs']).to.equal(100);
    expect(withEnv['log.level']).to.equal('debug');
  });

  it('reads -c from the process command line when no argv is given', () => {
    const saved = process.argv;
    process.argv = ['node', 'main.ts', '-c', 'f'];
    try {
      expect(loadConfig(KEYS, { env: {}, readFile: files({ f: 'metrics.port: 9000\n' }) })['metrics.port']).to.equal(9000);
    } finally {
      process.argv = saved;
    }
  });

  it('prefers the canonical env name over an alias and ignores empty values', () => {
    const cfg = fromEnv({ PING_INTERVAL_MS: '300', TICK_MS: '100', METRICS_PORT: '', HOST: '::' });
    expect(cfg['ping.intervalMs']).to.equal(300);
    expect(cfg['metrics.port']).to.equal(2112);
    expect(cfg['service.host']).to.equal('::');
  });

  it('reads numbers from env as decimal text only, with their range', () => {
    const ratio: KeySpec = { key: 'ratio', env: ['RATIO'], type: 'number', min: 0, default: 0, doc: '' };
    const accepted = { ' 42 ': 42, '+5': 5, '7': 7, '12.5': 12.5, '.25': 0.25, '5.': 5, '1e3': 1000, '1E+2': 100, '25e-02': 0.25 };
    for (const [raw, n] of Object.entries(accepted)) expect(coerce(ratio, raw, 'env RATIO'), raw).to.equal(n);
    for (const raw of ['0x10', '0b1', '1_000', '5ms', 'Infinity', '1e999', '-1']) {
      expect(configError(() => coerce(ratio, raw, 'env RATIO')).message, raw).to.equal(
        `ratio (RATIO): expected a number >= 0, got ${JSON.stringify(raw)} (from env RATIO)`,
      );
    }
    expect(coerce(ratio, 0, 'YAML file f')).to.equal(0);
    expect(configError(() => coerce(ratio, undefined, 'YAML file f')).got).to.equal('nothing (null) (from YAML file f)');
    expect(fromEnv({ METRICS_PORT: '65535', FAULT_ERROR_RATE: '1' })).to.include({ 'metrics.port': 65535, 'faults.errorRate': 1 });
    const ranges: [Partial<KeySpec>, string][] = [
      [{ min: 1 }, 'an integer >= 1'],
      [{ max: 10 }, 'an integer <= 10'],
      [{}, 'an integer'],
    ];
    for (const [range, expected] of ranges) {
      const spec: KeySpec = { key: 'n', env: ['N'], type: 'int', default: 1, doc: '', ...range };
      expect(configError(() => coerce(spec, '0.5', 'env N')).message).to.equal(`n (N): expected ${expected}, got "0.5" (from env N)`);
    }
    expect(coerce({ key: 'n', env: ['N'], type: 'int', max: 10, default: 1, doc: '' }, '-3', 'env N')).to.equal(-3);
  });

  it('names key, env, expectation, given value and source in every refusal', () => {
    const PORT = 'metrics.port (METRICS_PORT): expected an integer in 0..65535, got';
    const RATE = 'faults.errorRate (FAULT_ERROR_RATE): expected a number in 0..1, got';
    const LEVEL = 'log.level (LOG_LEVEL): expected one of debug, info, warn, error, got';
    const HOST = 'service.host (HOST): expected a non-empty string, got';
    const x80 = 'x'.repeat(80);
    const cases: [Record<string, string> | string, string][] = [
      [{ METRICS_PORT: '70000' }, `${PORT} "70000" (from env METRICS_PORT)`],
      [{ METRICS_PORT: '80.5' }, `${PORT} "80.5" (from env METRICS_PORT)`],
      [{ FAULT_ERROR_RATE: '1.5' }, `${RATE} "1.5" (from env FAULT_ERROR_RATE)`],
      [{ TICK_MS: '0' }, 'ping.intervalMs (PING_INTERVAL_MS or TICK_MS): expected an integer in 1..3600000, got "0" (from env TICK_MS)'],
      [{ LOG_LEVEL: 'loud' }, `${LEVEL} "loud" (from env LOG_LEVEL)`],
      [{ LOG_LEVEL: 'ops@example' }, `${LEVEL} "ops@example" (from env LOG_LEVEL)`],
      [{ LOG_LEVEL: `${x80}x` }, `${LEVEL} "${x80}..." (from env LOG_LEVEL)`],
      [{ LOG_LEVEL: x80 }, `${LEVEL} "${x80}" (from env LOG_LEVEL)`],
      [{ HOST: '  ' }, `${HOST} "  " (from env HOST)`],
      ['metrics:\n  port: "2112"\n', `${PORT} "2112" (from YAML file f)`],
      ['metrics:\n  port:\n', `${PORT} nothing (null) (from YAML file f)`],
      ['metrics.port: [1]\n', `${PORT} a list (from YAML file f)`],
      ['faults.errorRate: .nan\n', `${RATE} number NaN (from YAML file f)`],
      ['log.level: true\n', `${LEVEL} boolean true (from YAML file f)`],
      ['service.host: 5\n', `${HOST} number 5 (from YAML file f)`],
      ['ponger.url: 5\n', `ponger.url (PONGER_URL or TARGET): expected ${URL_EXPECTED}, got number 5 (from YAML file f)`],
    ];
    for (const [from, message] of cases) {
      expect(configError(() => (typeof from === 'string' ? fromYaml(from) : fromEnv(from))).message).to.equal(message);
    }
    const badDefault = [{ key: 'mode', env: ['MODE'], type: 'enum', values: ['a'], default: 'b', doc: '' }] as const;
    expect(configError(() => loadConfig(badDefault, { argv: [], env: {} })).message).to.equal(
      'mode (MODE): expected one of a, got "b" (from default)',
    );
    const err = configError(() => fromEnv({ METRICS_PORT: 'x' }));
    expect([err.name, err.key, err.expected, err.got]).to.deep.equal([
      'ConfigError',
      'metrics.port (METRICS_PORT)',
      'an integer in 0..65535',
      '"x" (from env METRICS_PORT)',
    ]);
  });

  it('normalises an http URL and rejects https, query strings and garbage', () => {
    expect(fromEnv({ TARGET: 'http://ponger:8080/' })['ponger.url']).to.equal('http://ponger:8080');
    expect(fromEnv({ TARGET: 'http://ponger:8080//' })['ponger.url']).to.equal('http://ponger:8080');
    expect(fromEnv({ TARGET: 'http://ponger:8080/a@b' })['ponger.url']).to.equal('http://ponger:8080/a@b');
    for (const bad of ['https://ponger:8080', 'http://ponger:8080/?x=1', 'http://ponger#x', 'ponger:8080', 'not a url', 'http://?a@b']) {
      expect(configError(() => fromEnv({ PONGER_URL: bad })).message).to.equal(
        `ponger.url (PONGER_URL or TARGET): expected ${URL_EXPECTED}, got ${JSON.stringify(bad)} (from env PONGER_URL)`,
      );
    }
  });

  it('rejects URLs that WHATWG parsing would forgive: no authority, no slashes, whitespace, backslashes', () => {
    for (const bad of [
      'http:///ping',
      'http:ponger',
      'http:/ponger',
      'http://pon\tger',
      'http://ponger:8080/a b',
      'http:\\\\ponger',
      'http://ponger:99999',
      ' http://ponger',
      'http://',
      'http://-x/',
      'http://[:::]/',
    ]) {
      const err = configError(() => fromEnv({ PONGER_URL: bad }));
      expect(err.key, bad).to.equal('ponger.url (PONGER_URL or TARGET)');
    }
    for (const good of [
      'http://ponger',
      'http://p',
      'http://ponger.ns.svc.cluster.local:8080/ping',
      'http://127.0.0.1:1/a/b',
      'http://[::1]:8080',
      'HTTP://Ponger',
    ]) {
      expect(() => fromEnv({ PONGER_URL: good }), good).not.to.throw();
    }
  });

  it('refuses credentials in a URL from env or YAML without echoing them', () => {
    const cases: [Record<string, string>, string | undefined, string][] = [
      [{ PONGER_URL: 'http://:s3cret@ponger:8080' }, undefined, 'env PONGER_URL'],
      [{ TARGET: 'http://user:s3cret@ponger' }, undefined, 'env TARGET'],
      [{ PONGER_URL: 'http://s3cret@ponger/ping' }, undefined, 'env PONGER_URL'],
      [{ PONGER_URL: 'http://a:s3cret@b@ponger' }, undefined, 'env PONGER_URL'],
      [{ PONGER_URL: 'http://s3cret@' }, undefined, 'env PONGER_URL'],
      [{ PONGER_URL: 's3cret@ponger' }, undefined, 'env PONGER_URL'],
      [{ PONGER_URL: 'ftp://u:s3cret@ponger' }, undefined, 'env PONGER_URL'],
      [{}, 'ponger:\n  url: "http://:s3cret@ponger:8080"\n', 'YAML file f'],
    ];
    for (const [env, yaml, source] of cases) {
      const err = configError(() => loadConfig(KEYS, { argv: yaml ? ['-c', 'f'] : [], env, readFile: files({ f: yaml ?? '' }) }));
      expect(err.message).to.equal(`ponger.url (PONGER_URL or TARGET): expected ${URL_EXPECTED}, got ${CREDENTIALS} (from ${source})`);
    }
    // other URL errors do not echo userinfo either
    expect(configError(() => fromEnv({ PONGER_URL: 'x http://u:s3cret@h' })).got).to.equal('"x http://REDACTED@h" (from env PONGER_URL)');
  });

  it('redacts userinfo in URLs and in text holding URLs', () => {
    expect(redactUrl('http://:s3cret@h:1/ping')).to.equal('http://REDACTED@h:1/ping');
    expect(redactUrl('GET http://u:p@h/ and https://x@y/z')).to.equal('GET http://REDACTED@h/ and https://REDACTED@y/z');
    expect(redactUrl('u:s3cret@host:80')).to.equal('REDACTED@host:80');
    expect(redactUrl('http://ponger:8080/a@b')).to.equal('http://ponger:8080/a@b');
    expect(redactUrl('ponger:8080/a@b')).to.equal('ponger:8080/a@b');
  });

  it('reads a list key from YAML or comma-separated env, validating each item and the count', () => {
    expect(fromEnv({ NAMES: 'a, b,a' }).names).to.deep.equal(['a', 'b']);
    const both = fromYaml('names: [x, y]\ntags: [A-1, "b c"]\n');
    expect([both.names, both.tags]).to.deep.equal([
      ['x', 'y'],
      ['A-1', 'b c'],
    ]);
    const names = 'names (NAMES): expected a list of at most 3 lower-case names (a YAML list, or comma-separated in env), got';
    const tags = 'tags: expected a list of at most 100 non-empty strings (a YAML list, or comma-separated in env), got';
    const cases: [() => unknown, string][] = [
      [() => fromEnv({ NAMES: 'a,B' }), `${names} item 2: "B" (from env NAMES)`],
      [() => fromEnv({ NAMES: 'a,,b' }), `${names} item 2: "" (from env NAMES)`],
      [() => fromEnv({ NAMES: 'a,b,c,d' }), `${names} a list of 4 items (from env NAMES)`],
      [() => fromYaml('names: x\n'), `${names} "x" (from YAML file f)`],
      [() => fromYaml('names: "a,b"\n'), `${names} "a,b" (from YAML file f)`],
      [() => fromYaml('names: [a, 1]\n'), `${names} item 2: number 1 (from YAML file f)`],
      [() => fromYaml('tags: [a, " "]\n'), `${tags} item 2: " " (from YAML file f)`],
      [() => fromYaml('tags: [a, null]\n'), `${tags} item 2: nothing (null) (from YAML file f)`],
      [
        () => fromYaml(`tags: [${Array.from({ length: 101 }, (_, i) => `t${i}`).join(', ')}]\n`),
        `${tags} a list of 101 items (from YAML file f)`,
      ],
    ];
    for (const [load, message] of cases) expect(configError(load).message).to.equal(message);
  });

  it('shows a hostile unknown key quoted and cut, not as is', () => {
    const key = `${'k'.repeat(200)}\u001b[31m`;
    const err = configError(() => fromYaml(`"${key}": 1\n`));
    expect(err.key).to.equal(JSON.stringify(`${'k'.repeat(60)}...`));
  });

  it('rejects unknown YAML keys, the TLS keys, bad YAML and unreadable files', () => {
    const known = KEYS.map((k) => k.key).join(', ');
    expect(configError(() => fromYaml('metrics:\n  prot: 1\n')).message).to.equal(
      `metrics.prot: expected a known key (${known}), got an unknown key in f`,
    );
    for (const tls of ['service.tlsCertificate', 'service.tlsPrivateKey', 'ponger.acceptCert']) {
      expect(configError(() => fromYaml(`${tls}: /x.pem\n`)).message).to.equal(
        `${tls}: expected no TLS settings: these services speak plain HTTP and the mesh (Linkerd) provides mTLS, see ADR/0001, got a value in f`,
      );
    }
    const bad = configError(() => fromYaml('metrics: [1,\n'));
    expect([bad.key, bad.expected]).to.deep.equal(['config file f', 'valid YAML']);
    expect(configError(() => loadConfig(KEYS, { argv: ['-c', '/nope.yaml'], env: {}, readFile: files({}) })).message).to.equal(
      'config file /nope.yaml: expected a readable YAML file, got ENOENT: no such file /nope.yaml',
    );
    expect(configError(() => fromYaml('- 1\n')).expected).to.equal('a YAML mapping of keys');
    expect(configError(() => fromYaml('log:\n  level: info\nlog:\n  level: debug\n')).expected).to.equal('each key given once');
  });

  it('parses -c, --config and --config= and rejects anything else', () => {
    expect(configPathFromArgv([])).to.equal(undefined);
    expect(configPathFromArgv(['-c', 'a.yaml'])).to.equal('a.yaml');
    expect(configPathFromArgv(['--config', 'a-b.yaml'])).to.equal('a-b.yaml');
    expect(configPathFromArgv(['--config=b.yaml'])).to.equal('b.yaml');
    const cases: [string[], string][] = [
      [['-c'], 'command line: expected a file path after -c, got nothing'],
      [['--config', ''], 'command line: expected a file path after --config, got ""'],
      [['-c', '-x'], 'command line: expected a file path after -c, got "-x"'],
      [['--config='], 'command line: expected a file path after --config=, got nothing'],
      [['--port', '1'], 'command line: expected -c PATH or --config PATH, got "--port"'],
    ];
    for (const [argv, message] of cases) expect(configError(() => configPathFromArgv(argv)).message).to.equal(message);
  });

  it('requires shutdown.timeoutMs > shutdown.drainMs', () => {
    const env = { SHUTDOWN_DRAIN_MS: '5000', SHUTDOWN_TIMEOUT_MS: '5000', OTEL_SDK_DISABLED: 'true' };
    expect(configError(() => checkCommon(loadConfig(COMMON_KEYS, { argv: [], env }), env)).message).to.equal(
      'shutdown.timeoutMs (SHUTDOWN_TIMEOUT_MS): expected a deadline greater than shutdown.drainMs (5000), got 5000',
    );
    const just = { ...env, SHUTDOWN_TIMEOUT_MS: '5001' };
    expect(() => checkCommon(loadConfig(COMMON_KEYS, { argv: [], env: just }), just)).not.to.throw();
    expect(() => checkCommon(loadConfig(COMMON_KEYS, { argv: [], env: {} }), {})).not.to.throw();
  });

  it('while tracing exports, requires a deadline that holds drain + flush + margin', () => {
    const need = 8000 + FLUSH_TIMEOUT_MS + SHUTDOWN_MARGIN_MS;
    const at = (timeout: number, otel: Record<string, string> = {}) => {
      const env = { SHUTDOWN_DRAIN_MS: '8000', SHUTDOWN_TIMEOUT_MS: String(timeout), ...otel };
      return () => checkCommon(loadConfig(COMMON_KEYS, { argv: [], env }), env);
    };
    const err = configError(at(10_000));
    expect(err.message).to.equal(
      `shutdown.timeoutMs (SHUTDOWN_TIMEOUT_MS): expected at least ${need} ms while tracing exports: shutdown.drainMs (8000) + telemetry flush (${FLUSH_TIMEOUT_MS}) + margin (${SHUTDOWN_MARGIN_MS}); or lower shutdown.drainMs, got 10000`,
    );
    expect(at(need)).not.to.throw();
    expect(at(10_000, { OTEL_SDK_DISABLED: 'true' })).not.to.throw();
    expect(at(10_000, { OTEL_TRACES_EXPORTER: 'none' })).not.to.throw();
  });

  it('checks the OTEL_* variables it is given, naming the variable', () => {
    const cfg = loadConfig(COMMON_KEYS, { argv: [], env: {} });
    const err = configError(() => checkCommon(cfg, { OTEL_PROPAGATORS: 'tracecontext,w3c' }));
    expect(err.key).to.equal('OTEL_PROPAGATORS');
    expect(err.message).to.include('(from env OTEL_PROPAGATORS)');
  });

  it('renders the key table as Markdown with env aliases and defaults', () => {
    const table: KeySpec[] = [KEYS[0], KEYS[7], KEYS[9], { key: 'x', env: ['A', 'B', 'C'], type: 'int', default: 0, doc: 'x' }];
    expect(renderMarkdown(table)).to.equal(
      [
        '| YAML key | env | default | meaning |',
        '|---|---|---|---|',
        '| `log.level` | `LOG_LEVEL` | `info` | `debug`, `info`, `warn`, `error` |',
        '| `ping.intervalMs` | `PING_INTERVAL_MS` (`TICK_MS` accepted) | `1000` | period |',
        '| `tags` |  | `[]` | tags |',
        '| `x` | `A` (`B`, `C` accepted) | `0` | x |',
      ].join('\n'),
    );
  });
});
