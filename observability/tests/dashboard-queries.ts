// Loads the committed dashboards and lists every PromQL expression in them, with Grafana
// template variables substituted.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const DASHBOARD_DIR = join(import.meta.dirname, '..', 'grafana', 'dashboards');

export interface DashboardFile {
  file: string;
  json: Record<string, unknown>;
}

export interface Query {
  where: string; // file / panel / refId, for messages
  raw: string;
  expr: string; // variables substituted
}

// Grafana's built-in interval variables, replaced by a fixed range for parsing and querying.
export const BUILTIN_VARS: Record<string, string> = {
  __rate_interval: '1m',
  __interval: '15s',
  __range: '1h',
};

export function loadDashboards(dir = DASHBOARD_DIR): DashboardFile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const text = readFileSync(join(dir, file), 'utf8');
      try {
        return { file, json: JSON.parse(text) as Record<string, unknown> };
      } catch (e) {
        throw new Error(`${file}: not valid JSON: ${(e as Error).message}`);
      }
    });
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function variables(json: Obj): Obj[] {
  const templating = json['templating'];
  if (!isObj(templating)) return [];
  const list = templating['list'];
  return Array.isArray(list) ? list.filter(isObj) : [];
}

/** Every panel, rows' nested panels included. */
export function panels(json: Obj): Obj[] {
  const out: Obj[] = [];
  const walk = (list: unknown): void => {
    if (!Array.isArray(list)) return;
    for (const p of list) {
      if (!isObj(p)) continue;
      out.push(p);
      walk(p['panels']);
    }
  };
  walk(json['panels']);
  return out;
}

/**
 * Replaces $var, ${var} and [[var]] by the value given for it. Throws on a variable that is
 * neither defined by the dashboard nor one of Grafana's built-ins.
 */
export function substitute(expr: string, values: Record<string, string>, where: string): string {
  const all = { ...BUILTIN_VARS, ...values };
  return expr.replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]/g, (_m, a?: string, b?: string, c?: string) => {
    const name = a ?? b ?? c ?? '';
    const v = all[name];
    if (v === undefined) throw new Error(`${where}: unknown template variable $${name} in: ${expr}`);
    return v;
  });
}

/** The PromQL inside a Grafana Prometheus variable query, or null if it has none. */
export function variableQueryExpr(query: string): string | null {
  const q = query.trim();
  let m = /^label_values\((.*),\s*([a-zA-Z_]\w*)\s*\)$/s.exec(q);
  if (m) return m[1] ?? null;
  if (/^label_values\(\s*[a-zA-Z_]\w*\s*\)$/.test(q) || /^label_names\(.*\)$/.test(q) || /^metrics\(.*\)$/.test(q)) return null;
  m = /^query_result\((.*)\)$/s.exec(q);
  if (m) return m[1] ?? null;
  return q; // a plain expression
}

/** All queries of a dashboard: panel targets and variable queries. */
export function dashboardQueries(d: DashboardFile, values: Record<string, string>): Query[] {
  const out: Query[] = [];
  for (const v of variables(d.json)) {
    const raw = typeof v['query'] === 'string' ? v['query'] : isObj(v['query']) ? String(v['query']['query'] ?? '') : '';
    if (v['type'] !== 'query' || raw === '') continue;
    const inner = variableQueryExpr(raw);
    const where = `${d.file} variable ${String(v['name'])}`;
    if (inner !== null) out.push({ where, raw: inner, expr: substitute(inner, values, where) });
  }
  for (const p of panels(d.json)) {
    const targets = p['targets'];
    if (!Array.isArray(targets)) continue;
    for (const t of targets) {
      if (!isObj(t) || typeof t['expr'] !== 'string') continue;
      const where = `${d.file} panel "${String(p['title'])}" ${String(t['refId'])}`;
      out.push({ where, raw: t['expr'], expr: substitute(t['expr'], values, where) });
    }
  }
  return out;
}

/** Every datasource uid a dashboard refers to (panels, targets, variables). */
export function datasourceUids(json: Obj): string[] {
  const uids: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (isObj(v)) {
      for (const [k, val] of Object.entries(v)) {
        if (k === 'datasource') {
          if (isObj(val) && typeof val['uid'] === 'string') uids.push(val['uid']);
          else uids.push(`(not by uid: ${JSON.stringify(val)})`);
        } else walk(val);
      }
    }
  };
  walk(json);
  return uids;
}
