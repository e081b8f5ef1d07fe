// Where a connection goes on the wire once Linkerd 2.20 is in the path, so that NetworkPolicies
// (which see the wire, not what the app dialled) can be checked against the flows we promise.
// Each rule cites the upstream source it models (linkerd/linkerd2 at edge-26.6.3 unless said
// otherwise); docs/upstream-facts.md lists them with the files of ours that rely on them.
import type { K8sObject } from '../../test/support/manifests.ts';
import { allowed, type Endpoint, type Flow } from './netpol.ts';

/** `proxy.outboundTransportMode` (charts/linkerd-control-plane/values.yaml: default transport-header). */
export type TransportMode = 'transport-header' | 'transparent';

/** The proxy's ports (charts/linkerd-control-plane/values.yaml `proxy.ports`). */
export const PROXY_PORTS = { inbound: 4143, admin: 4191, control: 4190 } as const;

export interface Pod extends Endpoint {
  /** has a linkerd-proxy (the destination controller checks the pod's control-plane-ns label) */
  meshed: boolean;
  /** `config.linkerd.io/skip-inbound-ports` / `skip-outbound-ports`, as port lists */
  skipInbound?: readonly number[];
  skipOutbound?: readonly number[];
}

export interface Connection {
  from: Pod | 'outside';
  to: Pod | 'outside';
  /** the port the caller dialled */
  port: number;
  protocol?: 'TCP' | 'UDP';
  /**
   * `app`: opened by a container of the pod (through its proxy when meshed).
   * `proxy`: opened by the proxy itself (control plane, trace collector).
   */
  origin?: 'app' | 'proxy';
}

/** The destination port the packets carry. */
export function wirePort(c: Connection, mode: TransportMode): number {
  const { from, to, port } = c;
  // Connections the proxy opens itself are not redirected: the iptables rules (linkerd-cni's
  // `proxy-uid`, charts/linkerd2-cni/templates/cni-plugin.yaml) skip the proxy's own uid.
  if (c.origin === 'proxy' || c.protocol === 'UDP') return port;
  // Only meshed-to-meshed traffic is rewritten: the client proxy gets an OpaqueTransport hint
  // only for a pod with the control-plane-ns label, not on a skipped inbound port and not on the
  // proxy's admin/control ("meta") ports (controller/api/destination/endpoint_translator.go,
  // createWeightedAddr and getPodMetaPorts). Skipped outbound ports never reach the client proxy.
  if (from === 'outside' || to === 'outside' || !from.meshed || !to.meshed) return port;
  if (from.skipOutbound?.includes(port) || to.skipInbound?.includes(port)) return port;
  if (port === PROXY_PORTS.admin || port === PROXY_PORTS.control) return port;
  // forceOpaqueTransport (controller/cmd/destination/main.go: transport-header => true) sends the
  // connection to the server proxy's inbound port; transparent keeps the dialled port.
  return mode === 'transport-header' ? PROXY_PORTS.inbound : port;
}

/** NetworkPolicies of every namespace, keyed by namespace. */
export type PoliciesByNamespace = ReadonlyMap<string, K8sObject[]>;

/** Whether both ends' NetworkPolicies let the connection through, on the port it uses on the wire. */
export function reachable(policies: PoliciesByNamespace, c: Connection, mode: TransportMode): boolean {
  const flow: Flow = { from: c.from, to: c.to, port: wirePort(c, mode), protocol: c.protocol ?? 'TCP' };
  const sides = new Set<string>();
  if (c.from !== 'outside') sides.add(c.from.namespace);
  if (c.to !== 'outside') sides.add(c.to.namespace);
  return [...sides].every((ns) => allowed(policies.get(ns) ?? [], ns, flow));
}

/**
 * How Linkerd's outbound policy reads a Service port's `appProtocol`
 * (policy-controller/core/src/outbound.rs `AppProtocol::from_str`, case-insensitive). Any other
 * value is `Unknown`, which policy-controller/grpc/src/outbound.rs serves as opaque TCP: no
 * per-request metrics, retries or balancing. No `appProtocol` at all leaves the proxy to detect
 * the protocol.
 */
export function linkerdAppProtocol(appProtocol: string): 'http1' | 'http2' | 'opaque' | 'unknown' {
  switch (appProtocol.toLowerCase()) {
    case 'http':
      return 'http1';
    case 'kubernetes.io/h2c':
      return 'http2';
    case 'linkerd.io/tcp':
    case 'linkerd.io/opaque':
      return 'opaque';
    default:
      return 'unknown';
  }
}
