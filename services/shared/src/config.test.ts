import { expect } from 'chai';
import { thrown } from '../../../test/support/thrown.ts';
import { FLUSH_TIMEOUT_MS, SHUTDOWN_MARGIN_MS } from './budgets.ts';
import { COMMON_KEYS, checkCommon } from './common-keys.ts';
import { ConfigError, configPathFromArgv, type KeySpec, loadConfig, redactUrl, renderMarkdown } from './config.ts';

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
] as const satisfies readonly KeySpec[];

function files(map: Record<string, string>): (p: string) => string {
  return (p) => {
    const text = map[p];
    if (text === undefined) throw new Error(`ENOENT: no such file ${p}`);
    return text;
  };
}

const configError = (fn: () => unknown): ConfigError => thrown(fn, ConfigError);

describe('shared/config', () => {
  it('uses the defaults when nothing is given', () => {
    const cfg = loadConfig(KEYS, { argv: [], env: {} });
    expect(cfg['metrics.port']).to.equal(2112);
    expect(cfg['log.level']).to.equal('info');
    expect(cfg['ponger.url']).to.equal('http://localhost:8080');
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
  });

  it('prefers the canonical env name over an alias and ignores empty values', () => {
    const cfg = loadConfig(KEYS, { argv: [], env: { PING_INTERVAL_MS: '300', TICK_MS: '100', METRICS_PORT: '' } });
    expect(cfg['ping.intervalMs']).to.equal(300);
    expect(cfg['metrics.port']).to.equal(2112);
  });

  it('normalises an http URL and rejects https, query strings and garbage', () => {
    expect(loadConfig(KEYS, { argv: [], env: { TARGET: 'http://ponger:8080/' } })['ponger.url']).to.equal('http://ponger:8080');
    for (const bad of ['https://ponger:8080', 'http://ponger:8080/?x=1', 'ponger:8080', 'not a url']) {
      const err = configError(() => loadConfig(KEYS, { argv: [], env: { PONGER_URL: bad } }));
      expect(err.key).to.equal('ponger.url (PONGER_URL or TARGET)');
      expect(err.message).to.include('http://');
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
    ]) {
      const err = configError(() => loadConfig(KEYS, { argv: [], env: { PONGER_URL: bad } }));
      expect(err.key, bad).to.equal('ponger.url (PONGER_URL or TARGET)');
    }
    for (const good of [
      'http://ponger',
      'http://ponger.ns.svc.cluster.local:8080/ping',
      'http://127.0.0.1:1/a/b',
      'http://[::1]:8080',
      'HTTP://Ponger',
    ]) {
      expect(() => loadConfig(KEYS, { argv: [], env: { PONGER_URL: good } }), good).not.to.throw();
    }
  });

  it('refuses credentials in a URL from env or YAML without echoing them', () => {
    const cases: [Record<string, string>, string | undefined][] = [
      [{ PONGER_URL: 'http://:s3cret@ponger:8080' }, undefined],
      [{ TARGET: 'http://user:s3cret@ponger' }, undefined],
      [{ PONGER_URL: 'http://s3cret@ponger/ping' }, undefined],
      [{ PONGER_URL: 'http://a:s3cret@b@ponger' }, undefined],
      [{}, 'ponger:\n  url: "http://:s3cret@ponger:8080"\n'],
    ];
    for (const [env, yaml] of cases) {
      const err = configError(() => loadConfig(KEYS, { argv: yaml ? ['-c', 'f'] : [], env, readFile: files({ f: yaml ?? '' }) }));
      expect(err.key).to.equal('ponger.url (PONGER_URL or TARGET)');
      expect(err.message).to.include('no credentials').and.include('a URL with credentials');
      expect(err.message).not.to.include('s3cret');
    }
    // other URL errors do not echo userinfo either
    const other = configError(() => loadConfig(KEYS, { argv: [], env: { PONGER_URL: 'ftp://u:s3cret@ponger' } }));
    expect(other.message).not.to.include('s3cret');
  });

  it('redacts userinfo in URLs and in text holding URLs', () => {
    expect(redactUrl('http://:s3cret@h:1/ping')).to.equal('http://REDACTED@h:1/ping');
    expect(redactUrl('GET http://u:p@h/ and https://x@y/z')).to.equal('GET http://REDACTED@h/ and https://REDACTED@y/z');
    expect(redactUrl('u:s3cret@host:80')).to.equal('REDACTED@host:80');
    expect(redactUrl('http://ponger:8080/a@b')).to.equal('http://ponger:8080/a@b');
  });

  it('reads a list key from YAML or comma-separated env, validating each item and the count', () => {
    expect(loadConfig(KEYS, { argv: [], env: {} }).names).to.deep.equal([]);
    expect(loadConfig(KEYS, { argv: [], env: { NAMES: 'a, b,a' } }).names).to.deep.equal(['a', 'b']);
    expect(loadConfig(KEYS, { argv: ['-c', 'f'], env: {}, readFile: files({ f: 'names: [x, y]\n' }) }).names).to.deep.equal(['x', 'y']);
    const item = configError(() => loadConfig(KEYS, { argv: [], env: { NAMES: 'a,B' } }));
    expect(item.message).to.equal(
      'names (NAMES): expected a list of at most 3 lower-case names (a YAML list, or comma-separated in env), got item 2: "B" (from env NAMES)',
    );
    expect(configError(() => loadConfig(KEYS, { argv: [], env: { NAMES: 'a,,b' } })).got).to.match(/^item 2/);
    expect(configError(() => loadConfig(KEYS, { argv: [], env: { NAMES: 'a,b,c,d' } })).got).to.match(/^a list of 4 items/);
    expect(configError(() => loadConfig(KEYS, { argv: ['-c', 'f'], env: {}, readFile: files({ f: 'names: x\n' }) })).key).to.equal(
      'names (NAMES)',
    );
  });

  it('shows a hostile unknown key quoted and cut, not as is', () => {
    const key = `${'k'.repeat(200)}\u001b[31m`;
    const err = configError(() => loadConfig(KEYS, { argv: ['-c', 'f'], env: {}, readFile: files({ f: `"${key}": 1\n` }) }));
    expect(err.key).to.equal(JSON.stringify(`${'k'.repeat(60)}...`));
  });

  it('refuses a file over the size cap even from an injected reader', () => {
    const err = configError(() => loadConfig(KEYS, { argv: ['-c', 'f'], env: {}, readFile: files({ f: `a: ${'x'.repeat(70_000)}\n` }) }));
    expect(err.key).to.equal('config file f');
    expect(err.expected).to.match(/^a regular file of at most \d+ bytes$/);
  });

  it('names key, env, expectation and given value for out-of-range and wrong-type values', () => {
    const port = configError(() => loadConfig(KEYS, { argv: [], env: { METRICS_PORT: '70000' } }));
    expect(port.message).to.equal('metrics.port (METRICS_PORT): expected an integer in 0..65535, got "70000" (from env METRICS_PORT)');
    const rate = configError(() => loadConfig(KEYS, { argv: [], env: { FAULT_ERROR_RATE: '1.5' } }));
    expect(rate.message).to.include('faults.errorRate').and.include('0..1');
    const tick = configError(() => loadConfig(KEYS, { argv: [], env: { TICK_MS: '0' } }));
    expect(tick.key).to.include('ping.intervalMs');
    const level = configError(() => loadConfig(KEYS, { argv: [], env: { LOG_LEVEL: 'loud' } }));
    expect(level.expected).to.equal('one of debug, info, warn, error');
    const yamlType = configError(() =>
      loadConfig(KEYS, { argv: ['-c', 'f'], env: {}, readFile: files({ f: 'metrics:\n  port: "2112"\n' }) }),
    );
    expect(yamlType.message).to.include('metrics.port').and.include('expected an integer').and.include('got "2112" (from YAML file f)');
    const fraction = configError(() => loadConfig(KEYS, { argv: [], env: { METRICS_PORT: '80.5' } }));
    expect(fraction.key).to.include('metrics.port');
  });

  it('rejects unknown YAML keys, the TLS keys, bad YAML and unreadable files', () => {
    const unknown = configError(() => loadConfig(KEYS, { argv: ['-c', 'f'], env: {}, readFile: files({ f: 'metrics:\n  prot: 1\n' }) }));
    expect(unknown.key).to.equal('metrics.prot');
    const tls = configError(() =>
      loadConfig(KEYS, { argv: ['-c', 'f'], env: {}, readFile: files({ f: 'service:\n  tlsCertificate: /x.pem\n' }) }),
    );
    expect(tls.key).to.equal('service.tlsCertificate');
    expect(tls.message).to.include('plain HTTP').and.include('mTLS');
    const accept = configError(() => loadConfig(KEYS, { argv: ['-c', 'f'], env: {}, readFile: files({ f: 'ponger.acceptCert: true\n' }) }));
    expect(accept.key).to.equal('ponger.acceptCert');
    const bad = configError(() => loadConfig(KEYS, { argv: ['-c', 'f'], env: {}, readFile: files({ f: 'metrics: [1,\n' }) }));
    expect(bad.key).to.equal('config file f');
    expect(bad.expected).to.equal('valid YAML');
    const missing = configError(() => loadConfig(KEYS, { argv: ['-c', '/nope.yaml'], env: {}, readFile: files({}) }));
    expect(missing.key).to.equal('config file /nope.yaml');
    const list = configError(() => loadConfig(KEYS, { argv: ['-c', 'f'], env: {}, readFile: files({ f: '- 1\n' }) }));
    expect(list.expected).to.equal('a YAML mapping of keys');
    const dup = configError(() =>
      loadConfig(KEYS, { argv: ['-c', 'f'], env: {}, readFile: files({ f: 'log:\n  level: info\nlog:\n  level: debug\n' }) }),
    );
    expect(dup.expected).to.equal('each key given once');
  });

  it('accepts an empty YAML file', () => {
    expect(loadConfig(KEYS, { argv: ['-c', 'f'], env: {}, readFile: files({ f: '' }) })['metrics.port']).to.equal(2112);
  });

  it('parses -c, --config and --config= and rejects anything else', () => {
    expect(configPathFromArgv([])).to.equal(undefined);
    expect(configPathFromArgv(['-c', 'a.yaml'])).to.equal('a.yaml');
    expect(configPathFromArgv(['--config=b.yaml'])).to.equal('b.yaml');
    expect(configError(() => configPathFromArgv(['-c'])).key).to.equal('command line');
    expect(configError(() => configPathFromArgv(['--port', '1'])).got).to.equal('"--port"');
  });

  it('requires shutdown.timeoutMs > shutdown.drainMs', () => {
    const env = { SHUTDOWN_DRAIN_MS: '5000', SHUTDOWN_TIMEOUT_MS: '5000', OTEL_SDK_DISABLED: 'true' };
    expect(configError(() => checkCommon(loadConfig(COMMON_KEYS, { argv: [], env }), env)).key).to.include('shutdown.timeoutMs');
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
    const md = renderMarkdown(KEYS);
    expect(md.split('\n')[0]).to.equal('| YAML key | env | default | meaning |');
    expect(md).to.include('| `ping.intervalMs` | `PING_INTERVAL_MS` (`TICK_MS` accepted) | `1000` | period |');
  });
});
