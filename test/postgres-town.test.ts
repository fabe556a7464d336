// A town whose beads live in PostgreSQL: `gt install --store` records the URL in town.toml and the
// town handle's stores open from it (the HQ as namespace hq, each rig as its own namespace).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeTown, createTownLayout, loadTown } from '../src/town/town.js';
import { UserError } from '../src/lib/errors.js';
import { bd, gt } from './support/cli.js';
import { postgresServer } from './support/postgres.js';

const db = await postgresServer();
const skip = db.skip;
after(() => db.server?.stop());

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'gt-pg-town-'));
}

test('gt install --store: town.toml records the URL; the HQ and rigs open as namespaces of that database', { skip }, async () => {
  const url = await db.server!.createDatabase();
  const dir = tempDir();
  try {
    const r = gt(['install', join(dir, 'town'), '--store', url, '--json'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(readFileSync(join(dir, 'town', 'town.toml'), 'utf8'), /\[store\]\nurl = "postgres:\/\//);
    const town = loadTown(join(dir, 'town'));
    try {
      const hq = await town.stores.hq();
      assert.equal(hq.kind, 'postgres');
      assert.equal(hq.prefix, 'hq');
      assert.match(hq.location, /namespace hq/);
      const rig = await town.stores.rig('gadget', { create: true, prefix: 'gd' });
      assert.equal(rig.kind, 'postgres');
      const bead = await rig.create({ title: 'in the rig' }, 'x');
      assert.match(bead.id, /^gd-/);
      assert.deepEqual((await hq.list()).filter((i) => i.title === 'in the rig'), [], 'namespaces do not mix');
      // bd, as agents run it in the rig's directories, finds the namespace through the pointer the
      // town wrote (owner-only: the URL may hold a password), and writes where gt reads.
      const pointer = join(dir, 'town', 'gadget', '.beads', 'store.json');
      assert.equal(statSync(pointer).mode & 0o777, 0o600);
      const made = bd(['create', 'filed by bd', '--json'], { cwd: join(dir, 'town', 'gadget') });
      assert.equal(made.code, 0, made.stderr);
      const id = (JSON.parse(made.stdout) as { id: string }).id;
      assert.match(id, /^gd-/);
      assert.equal((await rig.getExact(id))?.title, 'filed by bd');
      const ready = bd(['ready', '--json'], { cwd: join(dir, 'town', 'gadget') });
      assert.equal(ready.code, 0, ready.stderr);
      assert.ok((JSON.parse(ready.stdout) as { id: string }[]).some((i) => i.id === bead.id), ready.stdout);
      assert.equal(existsSync(join(dir, 'town', 'gadget', '.beads', 'beads.db')), false, 'no SQLite database beside the pointer');
      // Installing again with the same URL is a no-op; with another it is refused.
      assert.equal(gt(['install', join(dir, 'town'), '--store', url], { cwd: dir }).code, 0);
      const other = gt(['install', join(dir, 'town'), '--store', url.replace(/\/[^/]*$/, '/elsewhere')], { cwd: dir });
      assert.equal(other.code, 1);
      assert.match(other.stderr, /already keeps its beads at postgres:\/\/postgres:\*\*\*@/);
    } finally {
      await closeTown(town);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('gt install --store refuses what is not a PostgreSQL URL, creating nothing', () => {
  const dir = tempDir();
  try {
    const r = gt(['install', join(dir, 'town'), '--store', 'mysql://x/y'], { cwd: dir });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /store URL must start with postgres:\/\//);
    assert.throws(() => createTownLayout(join(dir, 'town2'), 'x', { store: 'postgres://[bad' }), UserError);
    assert.throws(() => loadTown(join(dir, 'town')), UserError, 'no town was made');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
