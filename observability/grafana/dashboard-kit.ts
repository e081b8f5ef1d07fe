// Small builders for Grafana dashboard JSON (classic schema). The dashboards themselves are in
// dashboards.ts; build-dashboards.ts writes them to grafana/dashboards/*.json, and a test
// checks that the committed files are what the builders produce.

export const PROMETHEUS = { type: 'prometheus', uid: 'prometheus' } as const;
export const JAEGER = { type: 'jaeger', uid: 'jaeger' } as const;

export interface Target {
  expr: string;
  legend?: string;
}

export interface PanelSpec {
  title: string;
  description: string;
  targets: Target[];
  unit?: string;
  kind?: 'timeseries' | 'stat' | 'table';
  width?: number; // grid units of 24
  height?: number;
  min?: number;
  max?: number;
}

export interface RowSpec {
  title: string;
  panels: PanelSpec[];
}

export interface VariableSpec {
  name: string;
  label: string;
  // a Grafana Prometheus variable query: label_values(<selector>, <label>)
  query: string;
  regex?: string;
}

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  variables: VariableSpec[];
  rows: RowSpec[];
}

type Json = Record<string, unknown>;

function panel(spec: PanelSpec, id: number, x: number, y: number): Json {
  const kind = spec.kind ?? 'timeseries';
  const defaults: Json = { unit: spec.unit ?? 'short' };
  if (spec.min !== undefined) defaults['min'] = spec.min;
  if (spec.max !== undefined) defaults['max'] = spec.max;
  return {
    id,
    type: kind,
    title: spec.title,
    description: spec.description,
    datasource: PROMETHEUS,
    gridPos: { h: spec.height ?? 8, w: spec.width ?? 12, x, y },
    fieldConfig: { defaults, overrides: [] },
    options:
      kind === 'timeseries'
        ? { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'desc' } }
        : kind === 'stat'
          ? { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'value', graphMode: 'area' }
          : { showHeader: true },
    targets: spec.targets.map((t, i) => ({
      refId: String.fromCharCode(65 + i),
      datasource: PROMETHEUS,
      expr: t.expr,
      legendFormat: t.legend ?? '__auto',
      range: kind !== 'table',
      instant: kind === 'table',
      // exemplars (trace_id -> Jaeger) on latency panels
      exemplar: kind === 'timeseries' && /_bucket\b/.test(t.expr),
    })),
  };
}

function variable(v: VariableSpec): Json {
  return {
    name: v.name,
    label: v.label,
    type: 'query',
    datasource: PROMETHEUS,
    query: v.query,
    definition: v.query,
    regex: v.regex ?? '',
    refresh: 2,
    sort: 1,
    includeAll: false,
    multi: false,
    hide: 0,
  };
}

export function dashboard(spec: DashboardSpec): Json {
  const panels: Json[] = [];
  let id = 1;
  let y = 0;
  for (const row of spec.rows) {
    panels.push({ id: id++, type: 'row', title: row.title, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y }, panels: [] });
    y += 1;
    let x = 0;
    let rowHeight = 0;
    for (const p of row.panels) {
      const w = p.width ?? 12;
      if (x + w > 24) {
        x = 0;
        y += rowHeight;
        rowHeight = 0;
      }
      panels.push(panel(p, id++, x, y));
      x += w;
      rowHeight = Math.max(rowHeight, p.height ?? 8);
    }
    y += rowHeight;
  }
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: spec.tags,
    editable: false,
    graphTooltip: 1,
    schemaVersion: 41,
    version: 1,
    refresh: '10s',
    time: { from: 'now-30m', to: 'now' },
    timezone: 'browser',
    links: [],
    annotations: { list: [] },
    templating: { list: spec.variables.map(variable) },
    panels,
  };
}

/** histogram_quantile over a _bucket rate, summed by `le` plus `by`. */
export function quantile(q: number, bucket: string, selector: string, by: string[] = []): string {
  const labels = ['le', ...by].join(', ');
  return `histogram_quantile(${q}, sum by (${labels}) (rate(${bucket}{${selector}}[$__rate_interval])))`;
}

/** The three usual percentiles as targets. */
export function percentiles(bucket: string, selector: string, by: string[] = [], legendPrefix = ''): Target[] {
  const suffix = by.length > 0 ? ' ' + by.map((l) => `{{${l}}}`).join(' ') : '';
  return [0.5, 0.95, 0.99].map((q) => ({
    expr: quantile(q, bucket, selector, by),
    legend: `${legendPrefix}p${Math.round(q * 100)}${suffix}`,
  }));
}
