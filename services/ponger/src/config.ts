// ponger's configuration keys (docs/interfaces.md "Configuration keys").

import { COMMON_KEYS } from '../../shared/src/common-keys.ts';
import { type ConfigOf, type KeySpec, PORT_MAX } from '../../shared/src/config.ts';
import { isLinkerdIdentity } from './identity.ts';

/** Upper bound of faults.latencyMs; stays below the app server's requestTimeout. */
export const MAX_LATENCY_MS = 20_000;

export const PONGER_KEYS = [
  ...COMMON_KEYS,
  { key: 'service.port', env: ['PORT'], type: 'int', min: 0, max: PORT_MAX, default: 8080, doc: 'app port' },
  {
    key: 'faults.errorRate',
    env: ['FAULT_ERROR_RATE'],
    type: 'number',
    min: 0,
    max: 1,
    default: 0,
    doc: 'share of `/ping` answered 500 (0..1)',
  },
  {
    key: 'faults.latencyMs',
    env: ['FAULT_LATENCY_MS'],
    type: 'int',
    min: 0,
    max: MAX_LATENCY_MS,
    default: 0,
    doc: 'delay added to `/ping`',
  },
  {
    key: 'identity.maxSeries',
    env: ['IDENTITY_MAX_SERIES'],
    type: 'int',
    min: 0,
    max: 1000,
    default: 20,
    doc: 'distinct identities given their own metric label, first come first served, besides `identity.expected`',
  },
  {
    key: 'identity.expected',
    env: ['IDENTITY_EXPECTED'],
    type: 'list',
    max: 50,
    default: [],
    item: { expected: 'Linkerd identities (<sa>.<ns>.serviceaccount.identity.linkerd.<trust-domain>)', check: isLinkerdIdentity },
    doc: 'identities always given their own metric label (YAML list, or comma-separated in env); up to 50',
  },
] as const satisfies readonly KeySpec[];

export type PongerConfig = ConfigOf<typeof PONGER_KEYS>;
