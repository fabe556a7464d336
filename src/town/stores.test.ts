import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NotFoundError } from '../lib/errors.js';
import { closeTown, createTownLayout, loadTown } from './town.js';

test('town.stores opens each store once per handle, routes bead ids, and closes them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'town-stores-'));
  try {
    const { town } = createTownLayout(join(dir, 'gt'));
    const [a, b] = await Promise.all([town.stores.hq(), town.stores.hq()]);
    assert.equal(a, b, 'one store per handle, even when asked twice at once');
    assert.equal(a.prefix, 'hq');
    const bead = await a.create({ title: 'town work' }, 'mayor');
    assert.equal(await town.stores.forBead(bead.id), a);
    await assert.rejects(town.stores.forBead('zz-123'), NotFoundError);
    const r = await town.stores.rig('demo', { create: true, prefix: 'de' });
    assert.equal(r.prefix, 'de');
    await town.stores.forget('demo');
    assert.notEqual(await town.stores.rig('demo'), r, 'a forgotten store is opened afresh');
    await closeTown(town);
    await assert.rejects(a.list(), /after close/);
    const again = loadTown(join(dir, 'gt'));
    assert.equal((await (await again.stores.hq()).list()).length, 1);
    await closeTown(again);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
