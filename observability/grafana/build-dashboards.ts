// Writes grafana/dashboards/<uid>.json from dashboards.ts.
// Run: node observability/grafana/build-dashboards.ts  (or npm run obs:dashboards)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildDashboards } from './dashboards.ts';

export const DASHBOARD_DIR = join(import.meta.dirname, 'dashboards');

export function renderDashboard(json: Record<string, unknown>): string {
  return `${JSON.stringify(json, null, 2)}\n`;
}

if (import.meta.main) {
  mkdirSync(DASHBOARD_DIR, { recursive: true });
  for (const [file, json] of buildDashboards()) {
    writeFileSync(join(DASHBOARD_DIR, file), renderDashboard(json));
    console.log(`wrote ${join(DASHBOARD_DIR, file)}`);
  }
}
