import { expect } from 'chai';
import { thrown } from '../../../test/support/thrown.ts';
import { ConfigError } from '../../shared/src/config.ts';
import { budgetWarning, loadPingerConfig } from './config.ts';

const load = (env: Record<string, string> = {}, yaml?: string) =>
  loadPingerConfig({ env, argv: yaml === undefined ? [] : ['-c', 'pinger.yaml'], readFile: () => yaml ?? '' });

const configError = (fn: () => unknown): ConfigError => thrown(fn, ConfigError);

describe('pinger config', () => {
  it('has the documented defaults', () => {
    const cfg = load();
    expect(cfg['ponger.url']).to.equal('http://localhost:8080');
    expect(cfg['ping.intervalMs']).to.equal(1000);
    expect(cfg['ping.timeoutMs']).to.equal(800);
    expect(cfg['ping.maxInFlight']).to.equal(1);
    expect(cfg['ping.retries']).to.equal(0);
    expect(cfg['metrics.port']).to.equal(2112);
    expect(budgetWarning(cfg)).to.equal(undefined);
  });

  it('reads YAML, and env beats YAML', () => {
    const yaml = 'ponger:\n  url: http://ponger:8080\nping:\n  intervalMs: 250\n  retries: 1\n';
    const cfg = load({ PING_INTERVAL_MS: '100' }, yaml);
    expect(cfg['ponger.url']).to.equal('http://ponger:8080');
    expect(cfg['ping.intervalMs']).to.equal(100);
    expect(cfg['ping.retries']).to.equal(1);
  });

  it('accepts the exercise aliases TARGET and TICK_MS', () => {
    const cfg = load({ TARGET: 'http://other:9000/ping', TICK_MS: '100' });
    expect(cfg['ponger.url']).to.equal('http://other:9000/ping');
    expect(cfg['ping.intervalMs']).to.equal(100);
  });

  it('prefers the canonical env name over the alias', () => {
    expect(load({ PONGER_URL: 'http://a:1', TARGET: 'http://b:2' })['ponger.url']).to.equal('http://a:1');
  });

  for (const [env, key] of [
    [{ PING_INTERVAL_MS: '0' }, 'ping.intervalMs'],
    [{ TICK_MS: '-5' }, 'ping.intervalMs'],
    [{ PING_INTERVAL_MS: 'soon' }, 'ping.intervalMs'],
    [{ PING_TIMEOUT_MS: '0' }, 'ping.timeoutMs'],
    [{ PING_MAX_IN_FLIGHT: '0' }, 'ping.maxInFlight'],
    [{ PING_RETRIES: '-1' }, 'ping.retries'],
    [{ PONGER_URL: 'ftp://ponger' }, 'ponger.url'],
    [{ TARGET: 'ponger:8080' }, 'ponger.url'],
    [{ PONGER_URL: 'https://ponger:8443' }, 'ponger.url'],
  ] as const) {
    it(`rejects ${JSON.stringify(env)} naming ${key}`, () => {
      const err = configError(() => load(env));
      expect(err.key).to.contain(key);
      expect(err.message).to.match(/expected/);
    });
  }

  it('rejects an unknown YAML key, naming it', () => {
    const err = configError(() => load({}, 'ping:\n  intervalMS: 100\n'));
    expect(err.key).to.equal('ping.intervalMS');
    expect(err.expected).to.contain('ping.intervalMs');
  });

  it('checks the OTEL_* variables of the env it is given', () => {
    const err = configError(() => load({ OTEL_TRACES_SAMPLER: 'sometimes' }));
    expect(err.key).to.equal('OTEL_TRACES_SAMPLER');
  });

  it('rejects the TLS keys of the exercise', () => {
    expect(configError(() => load({}, 'ponger:\n  acceptCert: x\n')).key).to.equal('ponger.acceptCert');
  });

  it('warns when one ping can outlast the in-flight budget', () => {
    expect(budgetWarning(load({ TICK_MS: '100' }))).to.match(/800 ms.*100 ms/);
    expect(budgetWarning(load({ TICK_MS: '100', PING_TIMEOUT_MS: '100' }))).to.equal(undefined);
    expect(budgetWarning(load({ TICK_MS: '100', PING_TIMEOUT_MS: '100', PING_RETRIES: '1' }))).to.match(/200 ms/);
    expect(budgetWarning(load({ TICK_MS: '100', PING_TIMEOUT_MS: '200', PING_MAX_IN_FLIGHT: '2' }))).to.equal(undefined);
  });
});
