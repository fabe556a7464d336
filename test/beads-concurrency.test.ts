// Many processes, one database. Claim races: 32 worker processes (each its own process and store
// handle) go through the same 200 ready beads in the same order after a common start signal, so
// every bead is contested by all 32 at about the same moment; exactly one may win each. Then the
// real CLI races 32 `bd update --claim` processes for one bead. Mixed writes: 8 processes x 300.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bd, bdBin, runAsync, repoRoot, tempDir, testEnv } from './support/cli.js';
import Database from 'better-sqlite3';
import { openStore } from '../src/beads/open.js';

const worker = join(repoRoot, 'dist', 'test', 'support', 'beads-worker.js');

/**
 * The JSONL exactly as the last writer left it, and the ids still waiting for export, read
 * before any store opens (opening one would flush, hiding a writer that failed to).
 */
function leftBehind(beadsDir: string): { jsonl: string; dirty: string[] } {
  const db = new Database(join(beadsDir, 'beads.db'), { readonly: true });
  try {
    const dirty = (db.prepare('SELECT id FROM dirty').all() as { id: string }[]).map((r) => r.id);
    return { jsonl: readFileSync(join(beadsDir, 'issues.jsonl'), 'utf8'), dirty };
  } finally {
    db.close();
  }
}

test('32 processes race to claim each of 200 beads: exactly one winner per bead', async () => {
  const { dir, cleanup } = tempDir('beads-claim-');
  try {
    const beadsDir = join(dir, '.beads');
    const s = await openStore({ kind: 'sqlite', beadsDir, create: true, prefix: 'cc' });
    const ids = await s.transaction(async (tx) => {
      const made: string[] = [];
      for (let i = 0; i < 200; i++) made.push((await tx.create({ title: `bead ${i}` }, 'setup')).id);
      return made;
    });
    await s.close();
    const idsFile = join(dir, 'ids.json');
    writeFileSync(idsFile, JSON.stringify(ids));
    const go = join(dir, 'go');
    const runs = Array.from({ length: 32 }, (_, w) => runAsync(worker, ['claim', beadsDir, `w${w}`, idsFile, go], { cwd: dir }));
    setTimeout(() => writeFileSync(go, ''), 300);
    const results = await Promise.all(runs);
    const left = leftBehind(beadsDir);
    assert.deepEqual(left.dirty, []);
    const winners = new Map<string, string[]>();
    let lost = 0;
    results.forEach((r, w) => {
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout) as { won: string[]; lost: number; errors: string[] };
      assert.deepEqual(out.errors, []);
      lost += out.lost;
      for (const id of out.won) winners.set(id, [...(winners.get(id) ?? []), `w${w}`]);
    });
    assert.equal(lost, 200 * 31);
    const check = await openStore({ kind: 'sqlite', beadsDir });
    for (const id of ids) {
      const w = winners.get(id) ?? [];
      assert.equal(w.length, 1, `${id} winners: ${w.join(',')}`);
      const issue = await check.mustGet(id);
      assert.equal(issue.assignee, w[0]);
      assert.equal(issue.status, 'in_progress');
      assert.equal((await check.events(id)).filter((e) => e.event_type === 'claimed').length, 1);
    }
    assert.equal(await check.exportText(), left.jsonl);
    await check.close();

    // The real CLI: 32 `bd update <id> --claim` at once, one winner, 31 clear refusals.
    const env = testEnv();
    const id = JSON.parse(bd(['create', 'contested', '--json'], { cwd: dir, env }).stdout).id as string;
    const cli = await Promise.all(Array.from({ length: 32 }, (_, w) => runAsync(bdBin, ['update', id, '--claim', '--actor', `agent${w}`], { cwd: dir, env })));
    const ok = cli.filter((r) => r.code === 0);
    assert.equal(ok.length, 1, cli.map((r) => r.stderr).join(''));
    const afterCli = leftBehind(beadsDir);
    assert.deepEqual(afterCli.dirty, []);
    assert.ok(afterCli.jsonl.includes(`"assignee":"agent${cli.findIndex((r) => r.code === 0)}"`), 'the winning claim is in the JSONL');
    const holder = JSON.parse(bd(['show', id, '--json'], { cwd: dir, env }).stdout)[0].assignee;
    for (const r of cli.filter((x) => x.code !== 0)) {
      assert.equal(r.code, 1);
      assert.equal(r.stderr.split('\n')[0], `bd: ${id} already claimed by ${holder}`);
    }
  } finally {
    cleanup();
  }
});

test('8 processes x 300 mixed writes at once: no errors, nothing lost, JSONL equals the db', async () => {
  const { dir, cleanup } = tempDir('beads-mixed-');
  try {
    const beadsDir = join(dir, '.beads');
    await (await openStore({ kind: 'sqlite', beadsDir, create: true, prefix: 'mx' })).close();
    const results = await Promise.all(Array.from({ length: 8 }, (_, w) => runAsync(worker, ['mixed', beadsDir, `p${w}`, '300'], { cwd: dir })));
    const left = leftBehind(beadsDir);
    assert.deepEqual(left.dirty, []);
    const s = await openStore({ kind: 'sqlite', beadsDir });
    let total = 0;
    for (const [w, r] of results.entries()) {
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout) as { created: string[]; errors: string[] };
      assert.deepEqual(out.errors, []);
      total += out.created.length;
      for (const id of out.created) assert.ok((await s.mustGet(id)).labels.includes(`p${w}`));
      // Nothing lost: every comment and every notes update of this process is there.
      const issues = await Promise.all(out.created.map((id) => s.mustGet(id)));
      assert.equal(issues.flatMap((i) => i.comments).filter((c) => c.author === `p${w}`).length, 50);
      const updates = (await Promise.all(out.created.map((id) => s.events(id)))).flat().filter((e) => e.actor === `p${w}` && e.event_type === 'updated');
      assert.equal(updates.length, 49); // i % 6 === 1 for i < 300, except i = 1 (still creating)
    }
    assert.equal((await s.list({ includeEphemeral: true })).length, total);
    assert.equal(await s.exportText(), left.jsonl);
    assert.deepEqual((await s.doctor()).problems, []);
    await s.close();
  } finally {
    cleanup();
  }
});
