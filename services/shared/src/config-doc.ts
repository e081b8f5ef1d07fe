// Checks a key table against the "Configuration keys" table of docs/interfaces.md.
import { defaultText, type KeySpec } from './config.ts';

export interface DocRow {
  key: string;
  env: string[];
  default: string;
}

/** Rows of the first Markdown table under the `## Configuration keys` heading. */
export function parseConfigTable(markdown: string): DocRow[] {
  const start = markdown.indexOf('## Configuration keys');
  if (start < 0) throw new Error('docs: heading "## Configuration keys" not found');
  const rows: DocRow[] = [];
  for (const line of markdown.slice(start).split('\n').slice(1)) {
    if (line.startsWith('## ')) break;
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
    if (cells.length !== 4) continue;
    const [keyCell, envCell, defaultCell] = cells as [string, string, string, string];
    const key = /^`([^`]+)`$/.exec(keyCell)?.[1];
    if (key === undefined) continue;
    rows.push({
      key,
      env: [...envCell.matchAll(/`([A-Z0-9_]+)`/g)].map((m) => m[1] as string),
      default: /^`([^`]*)`$/.exec(defaultCell)?.[1] ?? defaultCell,
    });
  }
  return rows;
}

/** Problems found: each key must have one row with the same env names (canonical first) and default. */
export function checkDocTable(markdown: string, specs: readonly KeySpec[]): string[] {
  const rows = parseConfigTable(markdown);
  const problems: string[] = [];
  for (const spec of specs) {
    const found = rows.filter((r) => r.key === spec.key);
    if (found.length !== 1) {
      problems.push(`${spec.key}: expected one row in the docs table, found ${found.length}`);
      continue;
    }
    const row = found[0] as DocRow;
    if (row.default !== defaultText(spec))
      problems.push(`${spec.key}: docs default \`${row.default}\`, code default \`${defaultText(spec)}\``);
    if (row.env.join(',') !== spec.env.join(','))
      problems.push(`${spec.key}: docs env ${row.env.join(', ') || '(none)'}, code env ${spec.env.join(', ')}`);
  }
  return problems;
}
