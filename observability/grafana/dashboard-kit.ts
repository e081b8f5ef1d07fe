// The dashboards' layout, built with Grafana's own builders (@grafana/grafana-foundation-sdk,
// schema v42, the classic dashboard JSON Grafana 13 provisions). dashboards.ts says what each
// dashboard shows as plain data; this file turns that into panels. build-dashboards.ts writes
// grafana/dashboards/*.json, and a test checks that the committed files are what this produces.

import {
  BigValueColorMode,
  BigValueGraphMode,
  LegendDisplayMode,
  LegendPlacement,
  ReduceDataOptionsBuilder,
  SortOrder,
  TooltipDisplayMode,
  VizLegendOptionsBuilder,
  VizTooltipOptionsBuilder,
} from '@grafana/grafana-foundation-sdk/common';
import {
  DashboardBuilder,
  DashboardCursorSync,
  QueryVariableBuilder,
  RowBuilder,
  VariableHide,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TimeseriesPanel } from '@grafana/grafana-foundation-sdk/timeseries';

export const PROMETHEUS = { type: 'prometheus', uid: 'prometheus' };

export interface Target {
  expr: string;
  legend?: string;
}

export interface PanelSpec {
  title: string;
  description: string;
  targets: Target[];
  unit?: string;
  kind?: 'timeseries' | 'stat';
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

function panel(spec: PanelSpec): TimeseriesPanel | StatPanel {
  const kind = spec.kind ?? 'timeseries';
  const p =
    kind === 'stat'
      ? new StatPanel()
          .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
          .colorMode(BigValueColorMode.Value)
          .graphMode(BigValueGraphMode.Area)
      : new TimeseriesPanel()
          .legend(new VizLegendOptionsBuilder().displayMode(LegendDisplayMode.List).placement(LegendPlacement.Bottom).showLegend(true))
          .tooltip(new VizTooltipOptionsBuilder().mode(TooltipDisplayMode.Multi).sort(SortOrder.Descending));
  p.title(spec.title)
    .description(spec.description)
    .datasource(PROMETHEUS)
    .unit(spec.unit ?? 'short')
    .height(spec.height ?? 8)
    .span(spec.width ?? 12);
  if (spec.min !== undefined) p.min(spec.min);
  if (spec.max !== undefined) p.max(spec.max);
  for (const [i, t] of spec.targets.entries()) {
    p.withTarget(
      new DataqueryBuilder()
        .refId(String.fromCharCode(65 + i))
        .datasource(PROMETHEUS)
        .expr(t.expr)
        .legendFormat(t.legend ?? '__auto')
        .range()
        // exemplars (trace_id -> Jaeger) on latency panels
        .exemplar(kind === 'timeseries' && /_bucket\b/.test(t.expr)),
    );
  }
  return p;
}

export function dashboard(spec: DashboardSpec): Record<string, unknown> {
  const b = new DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags(spec.tags)
    .readonly()
    .tooltip(DashboardCursorSync.Crosshair)
    .refresh('10s')
    .time({ from: 'now-30m', to: 'now' })
    .timezone('browser');
  for (const v of spec.variables) {
    b.withVariable(
      new QueryVariableBuilder(v.name)
        .label(v.label)
        .datasource(PROMETHEUS)
        .query(v.query)
        .definition(v.query)
        .regex(v.regex ?? '')
        .refresh(VariableRefresh.OnTimeRangeChanged)
        .sort(VariableSort.AlphabeticalAsc)
        .includeAll(false)
        .multi(false)
        .hide(VariableHide.DontHide),
    );
  }
  for (const row of spec.rows) {
    b.withRow(new RowBuilder(row.title));
    for (const p of row.panels) b.withPanel(panel(p));
  }
  // Grafana numbers panels itself when they have no id; ours are numbered in order for stable links.
  const json = b.build() as unknown as { panels: Array<Record<string, unknown>> };
  json.panels.forEach((p, i) => {
    p['id'] = i + 1;
  });
  return json as unknown as Record<string, unknown>;
}

/** histogram_quantile over a _bucket rate, summed by `le` plus `by`. */
export function quantile(q: number, bucket: string, selector: string, by: string[] = []): string {
  const labels = ['le', ...by].join(', ');
  return `histogram_quantile(${q}, sum by (${labels}) (rate(${bucket}{${selector}}[$__rate_interval])))`;
}

/** The three usual percentiles as targets. */
export function percentiles(bucket: string, selector: string, by: string[] = [], legendPrefix = ''): Target[] {
  const suffix = by.length > 0 ? ` ${by.map((l) => `{{${l}}}`).join(' ')}` : '';
  return [0.5, 0.95, 0.99].map((q) => ({
    expr: quantile(q, bucket, selector, by),
    legend: `${legendPrefix}p${Math.round(q * 100)}${suffix}`,
  }));
}
