// ponger's key table in-process: its defaults and, for each of its own keys, the refusal naming
// the key, the env name, the expected range and the value given. main.test.ts holds, once, that a
// refusal at start-up exits 78 with that one line.
import { expect } from 'chai';
import { thrown } from '../../../test/support/thrown.ts';
import { ConfigError, loadConfig } from '../../shared/src/config.ts';
import { PONGER_KEYS } from './config.ts';

const load = (env: Record<string, string>, yaml?: string) =>
  loadConfig(PONGER_KEYS, { env, argv: yaml === undefined ? [] : ['-c', 'p.yaml'], readFile: () => yaml ?? '' });

describe('ponger/config', () => {
  it('defaults: port 8080, no faults, 20 identity series, no expected identities', () => {
    expect(load({})).to.deep.include({
      'service.port': 8080,
      'faults.errorRate': 0,
      'faults.latencyMs': 0,
      'identity.maxSeries': 20,
      'identity.expected': [],
    });
  });

  it('accepts each bound and refuses one past it, naming the key, the env name and the range', () => {
    const ok = load({ PORT: '65535', FAULT_ERROR_RATE: '1', FAULT_LATENCY_MS: '20000', IDENTITY_MAX_SERIES: '1000' });
    expect(ok).to.deep.include({ 'service.port': 65535, 'faults.errorRate': 1, 'faults.latencyMs': 20000, 'identity.maxSeries': 1000 });
    const refusals: [Record<string, string>, string][] = [
      [{ PORT: '70000' }, 'service.port (PORT): expected an integer in 0..65535, got "70000" (from env PORT)'],
      [
        { FAULT_ERROR_RATE: '1.01' },
        'faults.errorRate (FAULT_ERROR_RATE): expected a number in 0..1, got "1.01" (from env FAULT_ERROR_RATE)',
      ],
      [
        { FAULT_LATENCY_MS: '20001' },
        'faults.latencyMs (FAULT_LATENCY_MS): expected an integer in 0..20000, got "20001" (from env FAULT_LATENCY_MS)',
      ],
      [
        { IDENTITY_MAX_SERIES: '1001' },
        'identity.maxSeries (IDENTITY_MAX_SERIES): expected an integer in 0..1000, got "1001" (from env IDENTITY_MAX_SERIES)',
      ],
    ];
    for (const [env, message] of refusals) expect(thrown(() => load(env), ConfigError).message).to.equal(message);
  });

  it('identity.expected takes up to 50 Linkerd identities, from YAML or env, and refuses anything else', () => {
    const id = (sa: string) => `${sa}.pingpong-mesh.serviceaccount.identity.linkerd.cluster.local`;
    expect(load({}, `identity:\n  expected: [${id('pinger')}]\n`)['identity.expected']).to.deep.equal([id('pinger')]);
    const fifty = Array.from({ length: 50 }, (_, i) => id(`sa${i}`));
    expect(load({ IDENTITY_EXPECTED: fifty.join(',') })['identity.expected']).to.deep.equal(fifty);
    const tooMany = thrown(() => load({ IDENTITY_EXPECTED: [...fifty, id('sa50')].join(',') }), ConfigError);
    expect(tooMany.key).to.equal('identity.expected (IDENTITY_EXPECTED)');
    expect(tooMany.expected).to.include(
      'a list of at most 50 Linkerd identities (<sa>.<ns>.serviceaccount.identity.linkerd.<trust-domain>)',
    );
    expect(tooMany.got).to.equal('a list of 51 items (from env IDENTITY_EXPECTED)');
    const notAnIdentity = thrown(() => load({ IDENTITY_EXPECTED: `${id('pinger')},pinger` }), ConfigError);
    expect(notAnIdentity.key).to.equal('identity.expected (IDENTITY_EXPECTED)');
    expect(notAnIdentity.got).to.equal('item 2: "pinger" (from env IDENTITY_EXPECTED)');
  });
});
