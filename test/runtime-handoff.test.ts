// gt handoff from inside a live session: the note is left, the session is restarted, and the
// successor's `gt prime` shows the note (real headless processes, a custom agent script).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'smol-toml';
import { makeTown, createRigBead, withStore, type TownFixture, sweepTown } from './support/town-fixture.js';
import { sleep, until } from './support/wait.js';

let f: TownFixture;
before(() => {
  f = makeTown();
  const path = join(f.town, 'town.toml');
  writeFileSync(path, stringify({ ...parse(readFileSync(path, 'utf8')), runtime: { mode: 'headless' } }));
  // An agent that primes, hands off once, and then idles: what a context-full session would do.
  const script = [
    'n=$(ls prime-*.txt 2>/dev/null | wc -l)',
    'gt prime > prime-$n.txt',
    'if [ "$n" = 0 ]; then gt handoff -m "pick up at step 2"; fi',
    'sleep 30',
  ].join('\n');
  appendFileSync(path, `\n[agents.custom.handoffer]\ncommand = "sh"\nargs = ["-c", ${JSON.stringify(script)}]\n`);
});
after(async () => {
  sweepTown(f.town);
  // A killed agent's last gt/bd writes may still land for a moment: retry the removal.
  await sleep(200);
  rmSync(f.root, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  f.cleanup();
});

test('handoff restarts the session and the successor primes with the note', async () => {
  f.gtJson(['crew', 'add', 'ann', '--rig', 'demo']);
  const id = await createRigBead(f.town, 'long task', 'Several steps.');
  const slung = f.gtJson(['sling', id, 'demo/crew/ann', '--agent', 'handoffer']);
  assert.equal(slung.hooked[0].session, 'started', JSON.stringify(slung));
  const dir = slung.hooked[0].workdir as string;

  const second = await until('the successor\'s prime', () => existsSync(join(dir, 'prime-1.txt')) && readFileSync(join(dir, 'prime-1.txt'), 'utf8').includes('Mail') && readFileSync(join(dir, 'prime-1.txt'), 'utf8'), 20_000);
  assert.match(second, /Handoff from your predecessor[\s\S]*pick up at step 2/);
  assert.match(second, new RegExp(`On your hook: ${id}`), 'same hook after the restart');
  assert.doesNotMatch(readFileSync(join(dir, 'prime-0.txt'), 'utf8'), /Handoff from your predecessor/);
  const hook = f.gtJson(['hook', 'demo/crew/ann']);
  assert.equal(hook.hook, id);
  const sessions = await withStore(join(f.town, 'demo', '.beads'), async (store) =>
    (await store.list({ type: 'agent' })).find((b) => b.title === 'demo/crew/ann')!.fields.sessions as { ended_at?: string }[]);
  assert.equal(sessions.length, 2, 'the predecessor and its successor');
  assert.ok(sessions[0]!.ended_at, 'the predecessor was ended');
  const agent = f.gtJson(['status']).agents.find((a: any) => a.address === 'demo/crew/ann');
  assert.equal(agent.state, 'working');
});
