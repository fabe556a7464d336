// The deacon in the background: `gt up` starts it once (the lock allows one per town) and it lands
// slung work on its own; `gt status` shows its heartbeat; `gt down` stops it; Boot (`gt boot`)
// starts a dead deacon and restarts a hung one (SIGSTOPped: no heartbeat).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'smol-toml';
import { makeTown, createRigBead, withStore, sweepTown } from './support/town-fixture.js';
import { until } from './support/wait.js';
import { isAlive } from '../src/lib/proc.js';

const f = makeTown({ testCmd: 'true' });
after(() => {
  f.gt(['down']);
  sweepTown(f.town);
  f.cleanup();
});

test('gt up / status / down, and Boot bringing back a dead or hung deacon', { timeout: 120_000 }, async () => {
  const path = join(f.town, 'town.toml');
  writeFileSync(path, stringify({ ...parse(readFileSync(path, 'utf8')), runtime: { mode: 'headless' }, agents: { default: 'shell' } }));
  const bead = await createRigBead(f.town, 'note it', 'Write a note.\n\n```sh\necho landed > note.txt\n```\n');
  f.gtJson(['sling', bead, 'demo']);

  const up = f.gtJson(['up']);
  assert.equal(up.started, true);
  assert.ok(isAlive(up.pid));
  assert.equal(f.gtJson(['up']).pid, up.pid, 'a second gt up finds the running deacon');
  const second = f.gt(['daemon']);
  assert.equal(second.code, 1);
  assert.match(second.stderr, /a deacon already runs for this town \(pid \d+\)/);
  assert.equal(second.stderr.trim().split('\n').length, 1);

  // It lands the slung work with nobody else running anything.
  await until('the deacon to merge the bead', () => withStore(join(f.town, 'demo', '.beads'), async (st) => (await st.mustGet(bead)).status === 'closed'), 60_000);
  // The bead closes inside the first patrol; the heartbeat counts the patrol when it ends.
  const status = await until('the heartbeat to count a patrol', () => {
    const st = f.gtJson(['status']);
    return st.deacon.patrols >= 1 && st;
  }, 30_000);
  assert.equal(status.deacon.running, true);
  assert.equal(status.deacon.pid, up.pid);
  assert.ok(status.deacon.heartbeatAgeMs < 30_000);

  assert.deepEqual(f.gtJson(['down']), { pid: up.pid, stopped: true });
  assert.equal(isAlive(up.pid), false);
  assert.equal(f.gtJson(['status']).deacon.running, false);
  assert.equal(f.gtJson(['down']).stopped, false, 'down is idempotent');

  // Boot: none running -> start; running and beating -> ok; SIGSTOPped (hung) -> restart.
  const started = f.gtJson(['boot']);
  assert.equal(started.kind, 'start');
  assert.equal(f.gtJson(['boot']).kind, 'ok');
  process.kill(started.pid, 'SIGSTOP');
  await new Promise((r) => setTimeout(r, 2500));
  const restarted = f.gtJson(['boot', '--stale-after', '1']);
  assert.equal(restarted.kind, 'restart');
  assert.match(restarted.reason, /no heartbeat/);
  assert.notEqual(restarted.pid, started.pid);
  assert.equal(isAlive(started.pid), false, 'the hung deacon is gone');
  assert.equal(f.gtJson(['status']).deacon.pid, restarted.pid);
});
