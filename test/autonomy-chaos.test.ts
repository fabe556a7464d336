// Chaos with nobody at the wheel: a 20-bead convoy (chains included) runs under `gt up` while, for
// a while, random polecat sessions and the deacon itself are SIGKILLed; Boot runs as cron would
// run it (here every few seconds, not every 5 minutes). Restarts back off instead of giving up,
// so every bead lands exactly once and nothing is left stranded. Real tmux, git, SQLite; no model.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTown, withStore, type TownFixture, sweepTown, townId } from './support/town-fixture.js';
import { sleep, until } from './support/wait.js';
import { listSessions } from '../src/lib/tmux.js';

let f: TownFixture;
before(() => {
  f = makeTown({ testCmd: 'true', shellAgents: true });
  appendFileSync(join(f.town, 'demo', 'rig.toml'), '\nmax_polecats = 5\n');
});
after(() => {
  f.gt(['down', '--all']);
  sweepTown(f.town);
  f.cleanup();
});

/** A small seeded PRNG (mulberry32): the same kills in the same order on every run. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('a 20-bead convoy lands exactly once while polecats and the deacon are killed at random', { timeout: 900_000 }, async () => {
  const ids: string[] = [];
  // Half the parts finish only once the chaos is over, so there is always work in flight to kill
  // and the convoy cannot land before the chaos has had its way, however fast the machine; the
  // other half merge while it rages.
  const calm = join(f.root, 'calm');
  await withStore(join(f.town, 'demo', '.beads'), async (s) => {
    for (let i = 0; i < 20; i++) {
      // Every fifth bead starts a chain of two: the second waits for the first to land.
      const deps = i % 5 === 1 ? [{ type: 'blocks', id: ids[i - 1]! }] : [];
      const work = i % 2 ? `while [ ! -e ${calm} ]; do sleep 0.2; done` : 'sleep 4';
      ids.push((await s.create({ title: `part ${i}`, description: `Part ${i}.\n\n\`\`\`sh\n${work}\necho "part ${i}" > part-${i}.txt\n\`\`\`\n`, deps }, 'overseer')).id);
    }
  });
  const slung = f.gtJson(['sling', ...ids, 'demo']);
  assert.equal(f.gt(['up']).code, 0);

  const rand = prng(20261130);
  const socket = `gt-${townId(f.town)}`;
  const kills = { polecats: 0, deacon: 0 };
  const boot = () => f.gtAsync(['boot', '--stale-after', '30']);
  const landed = () => withStore(join(f.town, '.beads'), async (hq) => (await hq.get(slung.convoy))?.status === 'closed');
  // Chaos until enough has been killed, or for four minutes (a killed polecat comes back only
  // after its back-off, and later still while the deacon is dead, so kills come slower on a busy machine).
  // Past its third death the deacon is killed more rarely: each death holds back the polecats'
  // restarts until Boot brings it back, which starved the polecat kills on a loaded machine.
  const chaosUntil = Date.now() + 300_000;
  while ((kills.polecats < 10 || kills.deacon < 3) && Date.now() < chaosUntil) {
    await sleep(500 + rand() * 2000);
    if (rand() < (kills.deacon < 3 ? 0.2 : 0.05)) {
      const pid = f.gtJson(['status']).deacon.pid as number | undefined;
      if (pid) { try { process.kill(pid, 'SIGKILL'); kills.deacon++; } catch { /* gone already */ } }
    } else {
      const live = listSessions(socket).filter((x) => x.name.startsWith('gt-demo-polecat-') && !x.dead && x.panePid);
      const victim = live[Math.floor(rand() * live.length)];
      if (victim) { try { process.kill(-victim.panePid!, 'SIGKILL'); kills.polecats++; } catch { /* ended meanwhile */ } }
    }
    if (rand() < 0.4) await boot(); // cron's turn
  }
  assert.ok(kills.polecats >= 5 && kills.deacon >= 3, `chaos happened: ${JSON.stringify(kills)}`);
  assert.equal(await landed(), false, 'the convoy was still in flight');
  console.log(`chaos: ${JSON.stringify(kills)}`);
  writeFileSync(calm, '');

  // Calm again: Boot keeps running as cron would, and the town finishes on its own.
  let lastBoot = 0;
  await until('the convoy to land', () => {
    if (Date.now() - lastBoot > 5_000) { lastBoot = Date.now(); void boot(); }
    return landed();
  }, 600_000);

  await withStore(join(f.town, 'demo', '.beads'), async (st) => {
    for (const id of ids) assert.equal((await st.get(id))?.status, 'closed', `${id} closed`);
    const merged = (await st.list({ type: 'merge-request', includeClosed: true })).filter((m) => m.fields.mr_state === 'merged');
    const sources = merged.map((m) => m.fields.source_bead as string);
    assert.equal(new Set(sources).size, sources.length, 'no bead merged twice');
    assert.deepEqual([...sources].filter((x) => ids.includes(x)).sort(), [...ids].sort(), 'every bead merged');
    assert.deepEqual((await st.list({ type: 'agent', fields: { role_type: 'polecat' } })).filter((a) => a.fields.hook_bead), [], 'no polecat left holding a hook');
  });
  const repo = join(f.town, 'demo', '.repo.git');
  for (let i = 0; i < 20; i++) assert.equal(f.git(repo, ['show', `main:part-${i}.txt`]), `part ${i}`);
  assert.equal(f.gt(['convoy', 'stranded']).stdout.trim(), 'Nothing stranded.');
});
