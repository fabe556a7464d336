// The Witness judges idleness by what the agent shows, not only by tracker writes: an agent busy
// in its session (its screen keeps changing) is left alone, a silent one is nudged. Real tmux.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTown, withStore, sweepTown } from './support/town-fixture.js';
import { closeTown, loadTown } from '../src/town/town.js';
import { loadRig } from '../src/town/rig.js';
import { witnessPatrol } from '../src/supervise/witness.js';
import { DEFAULT_POLICY } from '../src/supervise/assess.js';

const f = makeTown();
after(() => {
  sweepTown(f.town);
  f.cleanup();
});

test('a live agent whose screen keeps moving is not nudged; a silent one is', async () => {
  appendFileSync(join(f.town, 'town.toml'), [
    '', '[agents.custom.busy]', 'command = "sh"', 'args = ["-c", "while true; do date; sleep 1; done"]',
    '', '[agents.custom.quiet]', 'command = "sh"', 'args = ["-c", "echo thinking; sleep 600"]', '',
  ].join('\n'));
  const sling = async (title: string, agent: string): Promise<string> => {
    const id = await withStore(join(f.town, 'demo', '.beads'), async (s) => (await s.create({ title }, 'overseer')).id);
    return f.gtJson(['sling', id, 'demo', '--agent', agent]).hooked[0].agent as string;
  };
  const busy = await sling('keeps printing', 'busy');
  const quiet = await sling('says nothing', 'quiet');
  // Both hooked their work seconds ago and have written no bead since; only one shows work.
  await new Promise((r) => setTimeout(r, 5500));
  const town = loadTown(f.town);
  const reports = await witnessPatrol(town, loadRig(town, 'demo'), { policy: { ...DEFAULT_POLICY, nudgeAfterMs: 3000 } }).finally(() => closeTown(town));
  const actionOf = (agent: string) => reports.find((r) => r.agent === agent)?.action.kind ?? 'none';
  assert.equal(actionOf(busy), 'none', JSON.stringify(reports));
  assert.equal(actionOf(quiet), 'nudge', JSON.stringify(reports));
});
