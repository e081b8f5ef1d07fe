// The per-request identity ponger reports. `l5d-client-id` is set by Linkerd's inbound proxy for
// mTLS requests (and stripped otherwise); without the mesh it is whatever the caller sent, so it is
// only ever REPORTED, never used for a decision, and its metric label is bounded.

export const IDENTITY_HEADER = 'l5d-client-id';
export const REPORT_HEADER = 'x-ponger-client-id';
/** A DNS name is at most 253 characters. */
export const MAX_IDENTITY_LENGTH = 253;

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** `<sa>.<ns>.serviceaccount.identity.linkerd.<trust-domain>`, DNS-label parts, bounded length. */
export function isLinkerdIdentity(value: string): boolean {
  if (value.length > MAX_IDENTITY_LENGTH) return false;
  const parts = value.split('.');
  if (parts.length < 6) return false;
  if (parts[2] !== 'serviceaccount' || parts[3] !== 'identity' || parts[4] !== 'linkerd') return false;
  return parts.every((p) => DNS_LABEL.test(p));
}

export type IdentityKind = 'none' | 'invalid' | 'identity';

export interface ClientIdentity {
  kind: IdentityKind;
  /** what is reported in the log, span and response header: the identity, `none` or `invalid` */
  reported: string;
  /** the metric label: the identity (first maxSeries distinct ones), `other`, `none` or `invalid` */
  label: string;
}

/**
 * Classifies header values. Expected identities (`identity.expected`) always get their own label;
 * besides them, the first `maxSeries` distinct other identities do (first come, first served), so
 * any number of forged identities cannot take the genuine caller's series.
 */
export class IdentityLabeler {
  readonly maxSeries: number;
  readonly #expected: ReadonlySet<string>;
  readonly #known = new Set<string>();
  constructor(maxSeries: number, expected?: readonly string[]) {
    this.maxSeries = maxSeries;
    this.#expected = new Set(expected);
  }

  classify(header: string | string[] | undefined): ClientIdentity {
    if (header === undefined || header === '') return { kind: 'none', reported: 'none', label: 'none' };
    if (Array.isArray(header) || !isLinkerdIdentity(header)) return { kind: 'invalid', reported: 'invalid', label: 'invalid' };
    if (this.#expected.has(header)) return { kind: 'identity', reported: header, label: header };
    if (!this.#known.has(header) && this.#known.size < this.maxSeries) this.#known.add(header);
    return { kind: 'identity', reported: header, label: this.#known.has(header) ? header : 'other' };
  }
}
