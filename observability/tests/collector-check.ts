// Consistency checks of an OpenTelemetry Collector config against its Service, its pod, the
// Jaeger Service and the apps' exporter endpoint; each problem is one line naming the key and
// what was expected. No collector binary runs here (`otelcol-contrib validate` would be the real
// tool), so the rules the collector itself enforces are modelled on its source,
// open-telemetry/opentelemetry-collector at v0.159.0:
// - a pipeline, extension or component reference must name a configured component
//   (otelcol/config.go `Config.Validate`: "references ... which is not configured");
// - at least one pipeline, each with a receiver and an exporter (service/pipelines/config.go);
// - a connector is an exporter of one pipeline and a receiver of another
//   (service/internal/graph/graph.go: "used as exporter in ... but not used in any supported
//   receiver pipeline").
// The rest are project rules, stricter than the collector: memory_limiter first (the best
// practice of processor/memorylimiterprocessor/README.md), batch last, nothing defined and
// unused, current component names, endpoints that other pods reach, ports and endpoints that
// agree with the Services, no client-controlled span-metrics dimension, and an instance id for
// every sender before span metrics.
import { containerPort, get, isObj, type K8sObject, type Obj, type PodTemplate, servicePort } from '../../test/support/manifests.ts';

const KINDS = ['receivers', 'processors', 'exporters', 'connectors', 'extensions'] as const;
// Old spellings, refused here with the current name (docs/upstream-facts.md). Core v0.159.0 keeps
// `otlp` and `otlphttp` as deprecated aliases (exporter/otlp*exporter/metadata.yaml
// `deprecated_type`); contrib renamed `k8sattributes` and `spanmetrics`, keeping them as aliases
// (pull requests #45901, #47963, both before v0.159.0).
const DEPRECATED: Record<string, string> = {
  otlphttp: 'otlp_http',
  spanmetrics: 'span_metrics',
  k8sattributes: 'k8s_attributes',
};
// The component types this check knows, by kind: the ones the showcase's config uses and the ones
// the alias messages above suggest (add a type here with its source in docs/upstream-facts.md
// first). Any other type is refused as unknown, as the collector refuses a type its build lacks
// (a misspelling such as `healthcheck` would otherwise show only as a crash-looping pod).
const KNOWN: Record<(typeof KINDS)[number], readonly string[]> = {
  receivers: ['otlp'],
  processors: ['memory_limiter', 'batch', 'k8s_attributes', 'resource'],
  exporters: ['otlp_grpc', 'otlp_http', 'prometheus'],
  connectors: ['span_metrics'],
  extensions: ['health_check'],
};
// span attributes a client controls (or that grow without bound): never metric dimensions
export const UNTRUSTED_DIMENSIONS = [
  'linkerd.client_id',
  'url.full',
  'url.path',
  'url.query',
  'http.target',
  'http.url',
  'user_agent.original',
  'client.address',
  'network.peer.address',
  'http.request.header.l5d-client-id',
];

export interface CollectorContext {
  collectorService: K8sObject;
  collectorPod: PodTemplate;
  jaegerService: K8sObject;
  /** OTEL_EXPORTER_OTLP_ENDPOINT values the apps use (contract and manifests). */
  appEndpoints: string[];
}

const typeOf = (id: string): string => id.split('/')[0] ?? id;

/**
 * Problems unless `pipeline` gives every resource a service.instance.id and keeps a sender's own:
 * a `resource` processor inserting it from k8s.pod.uid, after k8s_attributes (which may supply
 * the uid). The Prometheus exporter keys series by service.name and service.instance.id
 * (docs/upstream-facts.md), and Linkerd's proxies send no instance id.
 */
function instanceIdProblems(cfg: Obj, pipeline: string, procs: string[]): string[] {
  const key = `service.pipelines.${pipeline}.processors`;
  const at = procs.findIndex((id) => {
    if (typeOf(id) !== 'resource') return false;
    const proc = (cfg['processors'] as Obj | undefined)?.[id];
    const actions = isObj(proc) && Array.isArray(proc['attributes']) ? proc['attributes'].filter(isObj) : [];
    return actions.some((a) => a['key'] === 'service.instance.id' && a['from_attribute'] === 'k8s.pod.uid' && a['action'] === 'insert');
  });
  if (at === -1)
    return [
      `${key}: the pipeline feeding span metrics needs a resource processor inserting service.instance.id from k8s.pod.uid (action insert): without it every proxy of a namespace writes the same series`,
    ];
  const k8s = procs.findIndex((id) => typeOf(id) === 'k8s_attributes');
  return k8s > at ? [`${key}: expected the service.instance.id insert after k8s_attributes, got [${procs.join(', ')}]`] : [];
}

function portOf(endpoint: unknown, key: string, problems: string[]): number | null {
  if (typeof endpoint !== 'string') {
    problems.push(`${key}: expected an endpoint string host:port, got ${JSON.stringify(endpoint)}`);
    return null;
  }
  const m = /^(.*):(\d+)$/.exec(endpoint);
  if (!m) {
    problems.push(`${key}: expected host:port, got "${endpoint}"`);
    return null;
  }
  const host = m[1] ?? '';
  if (host === '' || host === 'localhost' || host.startsWith('127.')) {
    problems.push(`${key}: binds "${host || '(default)'}", which other pods cannot reach; expected \${env:MY_POD_IP} or 0.0.0.0`);
  }
  return Number(m[2]);
}

export function collectorProblems(cfg: Obj, ctx: CollectorContext): string[] {
  const problems: string[] = [];
  const defined: Record<string, Set<string>> = {};
  for (const kind of KINDS) {
    const section = cfg[kind];
    defined[kind] = new Set(isObj(section) ? Object.keys(section) : []);
    for (const id of defined[kind]) {
      const t = typeOf(id);
      if (DEPRECATED[t]) problems.push(`${kind}.${id}: "${t}" is a deprecated alias, expected "${DEPRECATED[t]}"`);
      else if (kind === 'exporters' && t === 'otlp') problems.push(`exporters.${id}: "otlp" is a deprecated alias, expected "otlp_grpc"`);
      else if (!KNOWN[kind].includes(t)) problems.push(`${kind}.${id}: unknown type "${t}", expected one of ${KNOWN[kind].join(', ')}`);
    }
  }
  const used: Record<string, Set<string>> = Object.fromEntries(KINDS.map((k) => [k, new Set<string>()]));
  const connectorAsExporter = new Set<string>();
  const connectorAsReceiver = new Set<string>();

  const service = cfg['service'];
  if (!isObj(service)) return [...problems, 'service: missing (expected extensions and pipelines)'];
  const exts = Array.isArray(service['extensions']) ? service['extensions'].map(String) : [];
  for (const e of exts) {
    used['extensions']?.add(e);
    if (!defined['extensions']?.has(e)) problems.push(`service.extensions: "${e}" is not defined under extensions`);
  }
  const pipelines = service['pipelines'];
  if (!isObj(pipelines) || Object.keys(pipelines).length === 0) problems.push('service.pipelines: expected at least one pipeline');
  for (const [name, p] of Object.entries(isObj(pipelines) ? pipelines : {})) {
    const ptype = typeOf(name);
    if (!['traces', 'metrics', 'logs'].includes(ptype))
      problems.push(`service.pipelines.${name}: type "${ptype}" is not traces, metrics or logs`);
    if (!isObj(p)) {
      problems.push(`service.pipelines.${name}: expected receivers, processors, exporters`);
      continue;
    }
    for (const role of ['receivers', 'processors', 'exporters'] as const) {
      const list = p[role];
      if (list === undefined && role === 'processors') continue;
      if (!Array.isArray(list) || list.length === 0) {
        problems.push(`service.pipelines.${name}.${role}: expected a non-empty list`);
        continue;
      }
      for (const raw of list) {
        const id = String(raw);
        if (role !== 'processors' && defined['connectors']?.has(id)) {
          used['connectors']?.add(id);
          (role === 'exporters' ? connectorAsExporter : connectorAsReceiver).add(id);
          continue;
        }
        used[role]?.add(id);
        if (!defined[role]?.has(id)) problems.push(`service.pipelines.${name}.${role}: "${id}" is not defined under ${role}`);
      }
    }
    const procs = Array.isArray(p['processors']) ? p['processors'].map(String) : [];
    const ml = procs.findIndex((x) => typeOf(x) === 'memory_limiter');
    if (ml !== 0) problems.push(`service.pipelines.${name}.processors: expected memory_limiter first, got [${procs.join(', ')}]`);
    const exporters = Array.isArray(p['exporters']) ? p['exporters'].map(String) : [];
    if (exporters.some((id) => typeOf(id) === 'span_metrics')) problems.push(...instanceIdProblems(cfg, name, procs));
    const batch = procs.findIndex((x) => typeOf(x) === 'batch');
    if (batch !== -1 && batch !== procs.length - 1)
      problems.push(`service.pipelines.${name}.processors: expected batch last, got [${procs.join(', ')}]`);
  }
  for (const kind of KINDS) {
    for (const id of defined[kind] ?? []) {
      if (!used[kind]?.has(id)) problems.push(`${kind}.${id}: defined but used by no pipeline`);
    }
  }
  for (const c of defined['connectors'] ?? []) {
    if (connectorAsExporter.has(c) !== connectorAsReceiver.has(c))
      problems.push(`connectors.${c}: must be an exporter of one pipeline and a receiver of another`);
  }

  // ports: config <-> container ports <-> Service ports
  const checkPort = (key: string, endpoint: unknown, portName: string): void => {
    const port = portOf(endpoint, key, problems);
    if (port === null) return;
    try {
      const cport = containerPort(ctx.collectorPod, portName);
      if (cport !== port) problems.push(`${key}: port ${port}, but the container port named ${portName} is ${cport}`);
      const sport = servicePort(ctx.collectorService, portName);
      if (sport !== port) problems.push(`${key}: port ${port}, but Service port ${portName} is ${sport}`);
    } catch (e) {
      problems.push(`${key}: ${(e as Error).message}`);
    }
  };
  const safeGet = (path: string, what: string): unknown => {
    try {
      return get(cfg, path, what);
    } catch (e) {
      problems.push((e as Error).message);
      return undefined;
    }
  };
  checkPort('receivers.otlp.protocols.grpc.endpoint', safeGet('receivers.otlp.protocols.grpc.endpoint', 'host:4317'), 'otlp-grpc');
  checkPort('receivers.otlp.protocols.http.endpoint', safeGet('receivers.otlp.protocols.http.endpoint', 'host:4318'), 'otlp-http');
  checkPort('exporters.prometheus.endpoint', safeGet('exporters.prometheus.endpoint', 'host:8889'), 'metrics');
  checkPort('extensions.health_check.endpoint', safeGet('extensions.health_check.endpoint', 'host:13133'), 'health');

  // ${env:VAR} used in the config must be set on the container
  const envNames = new Set<string>();
  for (const c of ctx.collectorPod.spec.containers) for (const e of c.env ?? []) envNames.add(e.name);
  for (const m of JSON.stringify(cfg).matchAll(/\$\{env:(\w+)\}/g)) {
    if (!envNames.has(m[1] ?? '')) problems.push(`\${env:${m[1] ?? ''}} is used in the config but not set on the collector container`);
  }

  // the apps send OTLP/HTTP to the collector Service's otlp-http port
  const svcName = ctx.collectorService.metadata.name;
  const httpPort = (() => {
    try {
      return servicePort(ctx.collectorService, 'otlp-http');
    } catch {
      return -1;
    }
  })();
  for (const ep of ctx.appEndpoints) {
    let url: URL;
    try {
      url = new URL(ep);
    } catch {
      problems.push(`app OTEL_EXPORTER_OTLP_ENDPOINT "${ep}": not a URL`);
      continue;
    }
    const host = url.hostname;
    if (host !== `${svcName}.observability.svc.cluster.local` && host !== `${svcName}.observability`) {
      problems.push(`app OTEL_EXPORTER_OTLP_ENDPOINT "${ep}": host ${host}, expected the collector Service ${svcName}.observability`);
    }
    if (Number(url.port) !== httpPort)
      problems.push(`app OTEL_EXPORTER_OTLP_ENDPOINT "${ep}": port ${url.port}, expected the Service's otlp-http port ${httpPort}`);
  }

  // traces go to the Jaeger Service's otlp-grpc port
  const jaegerName = ctx.jaegerService.metadata.name;
  const jaegerExporters = [...(defined['exporters'] ?? [])].filter((id) => typeOf(id) === 'otlp_grpc');
  if (jaegerExporters.length === 0) problems.push('exporters: expected an otlp_grpc exporter to Jaeger');
  for (const id of jaegerExporters) {
    const ep = safeGet(`exporters.${id}.endpoint`, 'jaeger host:port');
    const expected = `${jaegerName}.observability.svc.cluster.local:${servicePort(ctx.jaegerService, 'otlp-grpc')}`;
    if (ep !== expected) problems.push(`exporters.${id}.endpoint: "${String(ep)}", expected the Jaeger Service "${expected}"`);
  }

  // span metrics: no client-controlled dimension
  for (const id of defined['connectors'] ?? []) {
    if (typeOf(id) !== 'span_metrics' && typeOf(id) !== 'spanmetrics') continue;
    const conn = (cfg['connectors'] as Obj)[id];
    const dims = isObj(conn) && Array.isArray(conn['dimensions']) ? conn['dimensions'].filter(isObj) : [];
    for (const d of dims) {
      const name = String(d['name']);
      if (UNTRUSTED_DIMENSIONS.includes(name))
        problems.push(`connectors.${id}.dimensions: "${name}" is client-controlled or unbounded; it must not become a metric dimension`);
    }
    if (!isObj(conn) || typeof conn['aggregation_cardinality_limit'] !== 'number')
      problems.push(`connectors.${id}.aggregation_cardinality_limit: expected a number (cardinality backstop)`);
    const unit = isObj(conn) && isObj(conn['histogram']) ? conn['histogram']['unit'] : undefined;
    if (unit !== 's')
      problems.push(`connectors.${id}.histogram.unit: expected "s" (buckets in seconds, like the apps), got ${JSON.stringify(unit)}`);
  }
  return problems;
}
