import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { PINGER_KEYS } from '../services/pinger/src/config.ts';
import { PONGER_KEYS } from '../services/ponger/src/config.ts';
import { BEGIN, configTable, DOC_PATH, END, withConfigTable } from './docs-config.ts';

const SCRIPT = fileURLToPath(new URL('./docs-config.ts', import.meta.url));

describe('docs/interfaces.md configuration table, generated from the key tables', () => {
  const doc = readFileSync(DOC_PATH, 'utf8');

  it('is up to date (else: npm run docs:config)', () => {
    expect(withConfigTable(doc) === doc, 'docs/interfaces.md is stale: run `npm run docs:config`').to.equal(true);
  });

  it('has one row per key, with its env names, default and meaning', () => {
    const table = configTable();
    const keys = new Set([...PONGER_KEYS, ...PINGER_KEYS].map((k) => k.key));
    for (const key of keys) expect(table.split(`| \`${key}\` |`).length - 1, key).to.equal(1);
    expect(table).to.include('| `ponger.url` | `PONGER_URL` (`TARGET` accepted) | `http://localhost:8080` |');
    expect(table).to.include('| `identity.expected` | `IDENTITY_EXPECTED` | `[]` |');
    expect(table.indexOf('| **ponger** |')).to.be.lessThan(table.indexOf('| `faults.errorRate` |'));
    expect(table.indexOf('| **pinger** |')).to.be.lessThan(table.indexOf('| `ping.intervalMs` |'));
  });

  it('puts a hand-edited table back and touches nothing else; missing markers are an error; --check passes on the committed docs', () => {
    const edited = doc.replace('| `faults.latencyMs` | `FAULT_LATENCY_MS` | `0` |', '| `faults.latencyMs` | `FAULT_LATENCY_MS` | `10` |');
    expect(edited).not.to.equal(doc);
    expect(withConfigTable(edited)).to.equal(doc);
    expect(() => withConfigTable(doc.replace(END, ''))).to.throw(/generated-table markers are missing/);
    expect(() => withConfigTable(doc.replace(BEGIN, ''))).to.throw(/generated-table markers are missing/);
    const ok = spawnSync(process.execPath, [SCRIPT, '--check'], { encoding: 'utf8' });
    expect(ok.status, ok.stderr).to.equal(0);
  });
});
