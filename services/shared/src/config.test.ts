import { expect } from 'chai';
import { ConfigError, configPathFromArgv, loadConfig, renderMarkdown, type KeySpec } from './config.ts';
import { COMMON_KEYS, checkCommon } from './common-keys.ts';

const KEYS = [
  ...COMMON_KEYS,
  { key: 'ponger.url', env: ['PONGER_URL', 'TARGET'], type: 'url', default: 'http://localhost:8080', doc: 'base URL' },
  { key: 'faults.errorRate', env: ['FAULT_ERROR_RATE'], type: 'number', min: 0, max: 1, default: 0, doc: 'rate' },
  { key: 'ping.intervalMs', env: ['PING_INTERVAL_MS', 'TICK_MS'], type: 'int', min: 1, max: 3_600_000, default: 1000, doc: 'period' },
] as const satisfies readonly KeySpec[];

function files(map: Record<string, string>): (p: string) => string {
  return (p) => {
    const text = map[p];
    if (text === undefined) throw new Error(`ENOENT: no such file ${p}`);
    return text;
  };
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

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

  it('names key, env, expectation and given value for out-of-range and wrong-type values', () => {
    const port = configError(() => loadConfig(KEYS, { argv: [], env: { METRICS_PORT: '70000' } }));
    expect(port.message).to.equal('metrics.port (METRICS_PORT): expected an integer in 0..65535, got "70000" (from env METRICS_PORT)');
    const rate = configError(() => loadConfig(KEYS, { argv: [], env: { FAULT_ERROR_RATE: '1.5' } }));
    expect(rate.message).to.include('faults.errorRate').and.include('0..1');
    const tick = configError(() => loadConfig(KEYS, { argv: [], env: { TICK_MS: '0' } }));
    expect(tick.key).to.include('ping.intervalMs');
    const level = configError(() => loadConfig(KEYS, { argv: [], env: { LOG_LEVEL: 'loud' } }));
    expect(level.expected).to.equal('one of debug, info, warn, error');
    const yamlType = configError(() => loadConfig(KEYS, { argv: ['-c', 'f'], env: {}, readFile: files({ f: 'metrics:\n  port: "2112"\n' }) }));
    expect(yamlType.message).to.include('metrics.port').and.include('expected an integer').and.include('got "2112" (from YAML file f)');
    const fraction = configError(() => loadConfig(KEYS, { argv: [], env: { METRICS_PORT: '80.5' } }));
    expect(fraction.key).to.include('metrics.port');
  });

  it('rejects unknown YAML keys, the TLS keys, bad YAML and unreadable files', () => {
    const unknown = configError(() => loadConfig(KEYS, { argv: ['-c', 'f'], env: {}, readFile: files({ f: 'metrics:\n  prot: 1\n' }) }));
    expect(unknown.key).to.equal('metrics.prot');
    const tls = configError(() => loadConfig(KEYS, { argv: ['-c', 'f'], env: {}, readFile: files({ f: 'service:\n  tlsCertificate: /x.pem\n' }) }));
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
    const dup = configError(() => loadConfig(KEYS, { argv: ['-c', 'f'], env: {}, readFile: files({ f: 'log:\n  level: info\nlog:\n  level: debug\n' }) }));
    expect(dup.expected).to.equal('valid YAML');
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
    const cfg = loadConfig(COMMON_KEYS, { argv: [], env: { SHUTDOWN_DRAIN_MS: '5000', SHUTDOWN_TIMEOUT_MS: '5000' } });
    expect(configError(() => checkCommon(cfg)).key).to.include('shutdown.timeoutMs');
    expect(() => checkCommon(loadConfig(COMMON_KEYS, { argv: [], env: {} }))).not.to.throw();
  });

  it('renders the key table as Markdown with env aliases and defaults', () => {
    const md = renderMarkdown(KEYS);
    expect(md.split('\n')[0]).to.equal('| YAML key | env | default | meaning |');
    expect(md).to.include('| `ping.intervalMs` | `PING_INTERVAL_MS` (`TICK_MS` accepted) | `1000` | period |');
  });
});
