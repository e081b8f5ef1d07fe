// The three dashboards of the showcase. Metric names: docs/interfaces.md (apps), the
// span_metrics connector (collector, see otel-collector/config.yaml) and the Linkerd proxy.
// Every query is plain PromQL that Prometheus 2.42 (Debian, used by the tests) also runs.
import { PING_OUTCOMES } from '../../services/pinger/src/metrics.ts';
import { type DashboardSpec, dashboard, percentiles, quantile } from './dashboard-kit.ts';

const R = '$__rate_interval';
const BOTH = 'namespace=~"pingpong-plain|pingpong-mesh"';
const NS = 'namespace="$namespace"';

// ---------------------------------------------------------------- (1) ping-pong overview
const overview: DashboardSpec = {
  uid: 'pingpong-overview',
  title: 'Ping-pong overview',
  description: 'Pinger (client side) and ponger (server side) RED metrics from the apps themselves, one namespace at a time.',
  tags: ['pingpong'],
  variables: [{ name: 'namespace', label: 'Namespace', query: 'label_values(up{job="pingpong-apps"}, namespace)', regex: '/pingpong-.*/' }],
  rows: [
    {
      title: 'Pinger: what the client sees',
      panels: [
        {
          title: 'Pings per second by outcome',
          description: `pinger_requests_total by outcome (${PING_OUTCOMES.join(', ')}).`,
          unit: 'reqps',
          targets: [{ expr: `sum by (outcome) (rate(pinger_requests_total{${NS}}[${R}]))`, legend: '{{outcome}}' }],
        },
        {
          title: 'Failed pings (share of attempted)',
          description: 'Every outcome but success, over all attempted pings (skipped ticks are not attempts). 0 when nothing failed.',
          unit: 'percentunit',
          min: 0,
          targets: [
            {
              expr: `(sum(rate(pinger_requests_total{${NS}, outcome!~"success|skipped"}[${R}])) or vector(0)) / sum(rate(pinger_requests_total{${NS}, outcome!="skipped"}[${R}]))`,
              legend: 'failed',
            },
          ],
        },
        {
          title: 'Ping latency (client)',
          description: 'http_client_request_duration_seconds, all outcomes that got an answer or timed out.',
          unit: 's',
          targets: percentiles('http_client_request_duration_seconds_bucket', NS),
        },
        {
          title: 'Seconds since the last successful ping',
          description: 'time() - pinger_last_success_timestamp_seconds.',
          unit: 's',
          kind: 'stat',
          width: 6,
          targets: [{ expr: `time() - max(pinger_last_success_timestamp_seconds{${NS}})`, legend: 'age' }],
        },
        {
          title: 'In flight / retries',
          description: 'pinger_requests_in_flight and the retry rate (0 unless ping.retries > 0).',
          width: 6,
          targets: [
            { expr: `sum(pinger_requests_in_flight{${NS}})`, legend: 'in flight' },
            { expr: `sum(rate(pinger_retries_total{${NS}}[${R}])) or vector(0)`, legend: 'retries/s' },
          ],
        },
      ],
    },
    {
      title: 'Ponger: what the server sees',
      panels: [
        {
          title: 'Requests per second by status',
          description: 'http_server_request_duration_seconds_count by route and status code.',
          unit: 'reqps',
          targets: [
            {
              expr: `sum by (http_route, http_response_status_code) (rate(http_server_request_duration_seconds_count{${NS}}[${R}]))`,
              legend: '{{http_route}} {{http_response_status_code}}',
            },
          ],
        },
        {
          title: 'Server errors (5xx share)',
          description: 'Share of answers with a 5xx status. 0 when there were none.',
          unit: 'percentunit',
          min: 0,
          targets: [
            {
              expr: `(sum(rate(http_server_request_duration_seconds_count{${NS}, http_response_status_code=~"5.."}[${R}])) or vector(0)) / sum(rate(http_server_request_duration_seconds_count{${NS}}[${R}]))`,
              legend: '5xx',
            },
          ],
        },
        {
          title: 'Server latency on /ping',
          description: 'http_server_request_duration_seconds for the /ping route.',
          unit: 's',
          width: 24,
          targets: percentiles('http_server_request_duration_seconds_bucket', `${NS}, http_route="/ping"`),
        },
      ],
    },
  ],
};

// ---------------------------------------------------------------- (2) plain vs mesh
const identityShare =
  `(sum by (namespace) (rate(ponger_requests_by_client_identity_total{${BOTH}, client_id!~"none|invalid|other"}[${R}]))` +
  ` or sum by (namespace) (rate(ponger_requests_by_client_identity_total{${BOTH}}[${R}])) * 0)` +
  ` / sum by (namespace) (rate(ponger_requests_by_client_identity_total{${BOTH}}[${R}]))`;

const plainVsMesh: DashboardSpec = {
  uid: 'pingpong-plain-vs-mesh',
  title: 'Ping-pong: plain vs mesh',
  description: 'The same two services without (pingpong-plain) and with Linkerd (pingpong-mesh), side by side.',
  tags: ['pingpong', 'linkerd'],
  variables: [],
  rows: [
    {
      title: 'Latency the mesh adds',
      panels: [
        {
          title: 'Client p95 by namespace',
          description: 'http_client_request_duration_seconds p95 of successful pings, both namespaces.',
          unit: 's',
          targets: [
            {
              expr: quantile(0.95, 'http_client_request_duration_seconds_bucket', `${BOTH}, outcome="success"`, ['namespace']),
              legend: 'p95 {{namespace}}',
            },
          ],
        },
        {
          title: 'Mesh minus plain (client p50 / p95)',
          description:
            'Client-side percentile in pingpong-mesh minus the same percentile in pingpong-plain: the latency the two proxies add.',
          unit: 's',
          targets: [0.5, 0.95].map((q) => ({
            expr:
              quantile(q, 'http_client_request_duration_seconds_bucket', 'namespace="pingpong-mesh", outcome="success"') +
              ' - ' +
              quantile(q, 'http_client_request_duration_seconds_bucket', 'namespace="pingpong-plain", outcome="success"'),
            legend: `p${Math.round(q * 100)} added`,
          })),
        },
        {
          title: 'Client minus server p50 by namespace',
          description: 'What the pinger waits beyond what ponger spends: network, plus both proxies in the mesh.',
          unit: 's',
          width: 24,
          targets: [
            {
              expr:
                quantile(0.5, 'http_client_request_duration_seconds_bucket', `${BOTH}, outcome="success"`, ['namespace']) +
                ' - on (namespace) ' +
                quantile(0.5, 'http_server_request_duration_seconds_bucket', `${BOTH}, http_route="/ping"`, ['namespace']),
              legend: '{{namespace}}',
            },
          ],
        },
      ],
    },
    {
      title: 'Identity',
      panels: [
        {
          title: 'Requests with a verified identity',
          description:
            'Share of /ping requests whose l5d-client-id is a Linkerd identity (not none/invalid/other). In the mesh the inbound proxy sets it after mTLS; in plain it is absent.',
          unit: 'percentunit',
          min: 0,
          max: 1,
          targets: [{ expr: identityShare, legend: '{{namespace}}' }],
        },
        {
          title: 'Requests by client identity',
          description:
            'ponger_requests_by_client_identity_total by client_id (bounded: none, invalid, other or at most identity.maxSeries identities).',
          unit: 'reqps',
          targets: [
            {
              expr: `sum by (namespace, client_id) (rate(ponger_requests_by_client_identity_total{${BOTH}}[${R}]))`,
              legend: '{{namespace}} {{client_id}}',
            },
          ],
        },
      ],
    },
    {
      title: 'Linkerd: authorization and mTLS',
      panels: [
        {
          title: 'Authorization: allowed / denied',
          description: 'inbound_http_authz_allow_total / inbound_http_authz_deny_total of the proxies in the pingpong namespaces.',
          unit: 'reqps',
          targets: [
            {
              expr: `sum by (namespace, deployment) (rate(inbound_http_authz_allow_total{namespace=~"pingpong-.*"}[${R}]))`,
              legend: 'allow {{namespace}}/{{deployment}}',
            },
            {
              expr: `sum by (namespace, deployment) (rate(inbound_http_authz_deny_total{namespace=~"pingpong-.*"}[${R}]))`,
              legend: 'deny {{namespace}}/{{deployment}}',
            },
          ],
        },
        {
          title: 'mTLS edges',
          description: 'Inbound requests over mTLS by client identity, outbound by server identity (proxy request_total, tls="true").',
          unit: 'reqps',
          targets: [
            {
              expr: `sum by (deployment, client_id) (rate(request_total{direction="inbound", tls="true", namespace=~"pingpong-.*"}[${R}]))`,
              legend: '{{client_id}} -> {{deployment}}',
            },
            {
              expr: `sum by (deployment, server_id) (rate(request_total{direction="outbound", tls="true", namespace=~"pingpong-.*"}[${R}]))`,
              legend: '{{deployment}} -> {{server_id}}',
            },
          ],
        },
        {
          title: 'Inbound requests without mTLS',
          description: 'Proxy inbound requests whose tls label is not "true" (should stay 0 in pingpong-mesh, apart from probes).',
          unit: 'reqps',
          width: 24,
          targets: [
            {
              expr: `sum by (namespace, deployment) (rate(request_total{direction="inbound", tls!="true", namespace=~"pingpong-.*"}[${R}]))`,
              legend: '{{namespace}}/{{deployment}}',
            },
          ],
        },
      ],
    },
    {
      // make resilience-demo (ADR/0012): the same fault in both namespaces; the mesh's retries,
      // request budget and failure accrual (annotations on the ponger Service) against none.
      title: 'Resilience under the same fault (make resilience-demo)',
      panels: [
        {
          title: 'Ping success rate by namespace',
          description:
            "Successful pings over attempted pings, as pinger sees them. Under an injected fault, plain gets every 500 ponger sends; in the mesh pinger's proxy retries them first.",
          unit: 'percentunit',
          min: 0,
          max: 1,
          targets: [
            {
              expr: `sum by (namespace) (rate(pinger_requests_total{${BOTH}, outcome="success"}[${R}])) / sum by (namespace) (rate(pinger_requests_total{${BOTH}, outcome!="skipped"}[${R}]))`,
              legend: '{{namespace}}',
            },
          ],
        },
        {
          title: 'Client p99 by namespace (every outcome)',
          description: 'http_client_request_duration_seconds p99 of all pings: what the retries cost in latency in the mesh.',
          unit: 's',
          targets: [
            { expr: quantile(0.99, 'http_client_request_duration_seconds_bucket', BOTH, ['namespace']), legend: 'p99 {{namespace}}' },
          ],
        },
        {
          title: "Retries by pinger's proxy (mesh)",
          description:
            'outbound_http_route_retry_*_total for pinger -> the ponger Service: retries sent, retries that got a success, and retryable failures not retried because the limit (retry.linkerd.io/limit) was reached.',
          unit: 'reqps',
          targets: [
            {
              expr: `sum(rate(outbound_http_route_retry_requests_total{namespace="pingpong-mesh", deployment="pinger", parent_name="ponger"}[${R}]))`,
              legend: 'retries',
            },
            {
              expr: `sum(rate(outbound_http_route_retry_successes_total{namespace="pingpong-mesh", deployment="pinger", parent_name="ponger"}[${R}]))`,
              legend: 'retries that succeeded',
            },
            {
              expr: `sum(rate(outbound_http_route_retry_limit_exceeded_total{namespace="pingpong-mesh", deployment="pinger", parent_name="ponger"}[${R}]))`,
              legend: 'limit reached',
            },
          ],
        },
        {
          title: "ponger endpoints in pinger's balancer (mesh)",
          description:
            'outbound_http_balancer_endpoints by endpoint_state: an endpoint whose failure-accrual breaker is shut is not ready (pending) until a probe request succeeds.',
          targets: [
            {
              expr: `sum by (endpoint_state) (outbound_http_balancer_endpoints{namespace="pingpong-mesh", deployment="pinger", backend_name="ponger"})`,
              legend: '{{endpoint_state}}',
            },
          ],
        },
      ],
    },
    {
      title: 'The same traffic, three sources',
      panels: [
        {
          title: 'ponger /ping rate: app metrics',
          description: 'http_server_request_duration_seconds_count (prom-client in ponger).',
          unit: 'reqps',
          width: 8,
          targets: [
            {
              expr: `sum by (namespace) (rate(http_server_request_duration_seconds_count{${BOTH}, http_route="/ping"}[${R}]))`,
              legend: '{{namespace}}',
            },
          ],
        },
        {
          title: 'ponger /ping rate: span metrics',
          description: 'traces_span_metrics_calls_total from the collector (server spans of ponger). Depends on sampling.',
          unit: 'reqps',
          width: 8,
          targets: [
            {
              expr: `sum by (k8s_namespace_name) (rate(traces_span_metrics_calls_total{service_name="ponger", span_kind="SPAN_KIND_SERVER", http_route="/ping"}[${R}]))`,
              legend: '{{k8s_namespace_name}}',
            },
          ],
        },
        {
          title: 'ponger /ping rate: proxy metrics',
          description: 'Linkerd proxy request_total inbound to ponger on the app port 8080 (mesh only).',
          unit: 'reqps',
          width: 8,
          targets: [
            {
              expr: `sum by (namespace) (rate(request_total{direction="inbound", deployment="ponger", target_addr=~".+:8080", namespace=~"pingpong-.*"}[${R}]))`,
              legend: '{{namespace}}',
            },
          ],
        },
      ],
    },
  ],
};

// ---------------------------------------------------------------- (3) Linkerd views
// Small equivalents of Linkerd's grafana.com dashboards 15474 (top line) and 15475
// (deployment), which cannot be downloaded here; built from the proxy metrics only.
const DEP = 'namespace="$namespace", deployment="$deployment"';
const linkerd: DashboardSpec = {
  uid: 'pingpong-linkerd',
  title: 'Linkerd: top line and deployment',
  description: "Our small equivalents of Linkerd's top-line (grafana.com 15474) and deployment (15475) dashboards, from proxy metrics.",
  tags: ['linkerd'],
  variables: [
    { name: 'namespace', label: 'Namespace', query: 'label_values(request_total{direction="inbound"}, namespace)' },
    {
      name: 'deployment',
      label: 'Deployment',
      query: 'label_values(request_total{direction="inbound", namespace="$namespace"}, deployment)',
    },
  ],
  rows: [
    {
      title: 'Top line (whole mesh)',
      panels: [
        {
          title: 'Success rate',
          description: 'Inbound responses classified success over all inbound responses, every meshed pod.',
          unit: 'percentunit',
          kind: 'stat',
          width: 8,
          targets: [
            {
              expr: `sum(rate(response_total{direction="inbound", classification="success"}[${R}])) / sum(rate(response_total{direction="inbound"}[${R}]))`,
              legend: 'success',
            },
          ],
        },
        {
          title: 'Request volume',
          description: 'Inbound requests per second, every meshed pod.',
          unit: 'reqps',
          kind: 'stat',
          width: 8,
          targets: [{ expr: `sum(rate(request_total{direction="inbound"}[${R}]))`, legend: 'rps' }],
        },
        {
          title: 'Meshed pods',
          description: 'Pods whose proxy Prometheus scrapes (job linkerd-proxy).',
          kind: 'stat',
          width: 8,
          targets: [{ expr: 'count(up{job="linkerd-proxy"} == 1)', legend: 'pods' }],
        },
        {
          title: 'Success rate by namespace',
          description: 'Inbound success rate per namespace.',
          unit: 'percentunit',
          targets: [
            {
              expr: `sum by (namespace) (rate(response_total{direction="inbound", classification="success"}[${R}])) / sum by (namespace) (rate(response_total{direction="inbound"}[${R}]))`,
              legend: '{{namespace}}',
            },
          ],
        },
        {
          title: 'p95 latency by namespace',
          description: 'Inbound response_latency_ms p95 per namespace.',
          unit: 'ms',
          targets: [{ expr: quantile(0.95, 'response_latency_ms_bucket', 'direction="inbound"', ['namespace']), legend: '{{namespace}}' }],
        },
      ],
    },
    {
      title: 'Deployment $deployment in $namespace',
      panels: [
        {
          title: 'Success rate',
          description: 'Inbound success rate of the selected deployment.',
          unit: 'percentunit',
          width: 8,
          targets: [
            {
              expr: `sum(rate(response_total{${DEP}, direction="inbound", classification="success"}[${R}])) / sum(rate(response_total{${DEP}, direction="inbound"}[${R}]))`,
              legend: 'success',
            },
          ],
        },
        {
          title: 'Requests per second (inbound / outbound)',
          description: 'request_total of the selected deployment by direction and tls.',
          unit: 'reqps',
          width: 8,
          targets: [{ expr: `sum by (direction, tls) (rate(request_total{${DEP}}[${R}]))`, legend: '{{direction}} tls={{tls}}' }],
        },
        {
          title: 'Inbound latency',
          description: 'response_latency_ms of the selected deployment, inbound.',
          unit: 'ms',
          width: 8,
          targets: percentiles('response_latency_ms_bucket', `${DEP}, direction="inbound"`),
        },
        {
          title: 'Inbound by client identity',
          description: 'Who calls the deployment (client_id of mTLS requests).',
          unit: 'reqps',
          targets: [
            { expr: `sum by (client_id) (rate(request_total{${DEP}, direction="inbound", tls="true"}[${R}]))`, legend: '{{client_id}}' },
          ],
        },
        {
          title: 'Outbound by destination',
          description: 'Whom the deployment calls (dst_deployment, server_id).',
          unit: 'reqps',
          targets: [
            {
              expr: `sum by (dst_namespace, dst_deployment, server_id) (rate(request_total{${DEP}, direction="outbound"}[${R}]))`,
              legend: '{{dst_namespace}}/{{dst_deployment}} {{server_id}}',
            },
          ],
        },
        {
          title: 'Authorization decisions',
          description: 'inbound_http_authz_allow_total / _deny_total of the selected deployment.',
          unit: 'reqps',
          targets: [
            { expr: `sum(rate(inbound_http_authz_allow_total{${DEP}}[${R}]))`, legend: 'allow' },
            { expr: `sum(rate(inbound_http_authz_deny_total{${DEP}}[${R}]))`, legend: 'deny' },
          ],
        },
        {
          title: 'TCP connections',
          description: 'Open TCP connections by direction (tcp_open_connections).',
          targets: [{ expr: `sum by (direction, tls) (tcp_open_connections{${DEP}})`, legend: '{{direction}} tls={{tls}}' }],
        },
      ],
    },
  ],
};

export const dashboards: DashboardSpec[] = [overview, plainVsMesh, linkerd];

/** The dashboards as the JSON objects written to grafana/dashboards/<uid>.json. */
export function buildDashboards(): Map<string, Record<string, unknown>> {
  return new Map(dashboards.map((d) => [`${d.uid}.json`, dashboard(d)]));
}
