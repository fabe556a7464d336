// Beads sync and field-query benchmark on the real export (3003 issues) plus bookkeeping beads:
// what a pulled JSONL costs to load when one line changed, and what the town's field queries
// (agents by role, merge requests by state, messages by recipient) cost. Prints figures only.
//   node dist/bench/bd-sync.js [extra-bookkeeping-beads=2000]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSqliteStore } from '../src/beads/sqlite/store.js';
import { fmt, timeAsync } from './support/timing.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const extra = Number(process.argv[2] ?? 2000);


const dir = mkdtempSync(join(tmpdir(), 'bd-sync-bench-'));
try {
  const beadsDir = join(dir, '.beads');
  const store = await openSqliteStore(beadsDir, { create: true, prefix: 'bd' });
  const text = readFileSync(join(repo, '..', 'shared', 'data', 'beads-export.jsonl'), 'utf8');
  await store.importText(text, 'export', 'bench');
  await store.transaction(async (tx) => {
    for (let i = 0; i < extra; i++) {
      const kind = i % 3;
      if (kind === 0) await tx.create({ title: `agent ${i}`, issue_type: 'agent', fields: { role_type: i % 2 ? 'polecat' : 'crew', rig: `r${i % 7}`, agent_state: 'working' } }, 'bench');
      else if (kind === 1) await tx.create({ title: `mr ${i}`, issue_type: 'merge-request', fields: { mr_state: i % 10 === 1 ? 'queued' : 'merged', rig: `r${i % 7}` } }, 'bench');
      else await tx.create({ title: `msg ${i}`, issue_type: 'message', fields: { to: `mayor${i % 20}`, read_at: null } }, 'bench');
    }
  });
  await store.flush();
  const total = (await store.stats()).total;
  console.log(`bd-sync bench: ${total} issues (real export + ${extra} agent/merge-request/message beads)`);
  const rows: [string, string][] = [];

  // A pull that changed one line: the next command imports the file.
  const path = store.jsonlPath;
  const lines = readFileSync(path, 'utf8').split('\n');
  const target = lines.findIndex((l) => l.includes('"status":"open"'));
  rows.push(['pulled JSONL with 1 changed line: import (refresh)', fmt(await timeAsync(9, async (i) => {
    lines[target] = lines[target]!.replace(/"title":"[^"]*/, `"title":"pulled ${i}`);
    writeFileSync(path, lines.join('\n'));
    await store.refresh();
  }))]);
  rows.push(['list agents by fields {role_type, rig}', fmt(await timeAsync(50, () => store.list({ type: 'agent', fields: { role_type: 'polecat', rig: 'r3' } })))]);
  rows.push(['list merge-requests by fields {mr_state: queued}', fmt(await timeAsync(50, () => store.list({ type: 'merge-request', fields: { mr_state: 'queued' } })))]);
  rows.push(['list by fields only {to: mayor3} (no type)', fmt(await timeAsync(50, () => store.list({ fields: { to: 'mayor3' } })))]);
  rows.push(['list messages {to: mayor3}, not closed', fmt(await timeAsync(50, () => store.list({ type: 'message', includeClosed: false, fields: { to: 'mayor3' } })))]);
  await store.close();
  const w = Math.max(...rows.map((r) => r[0].length));
  for (const [name, v] of rows) console.log(`  ${name.padEnd(w)}  ${v.padStart(12)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
