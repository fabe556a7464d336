// Ending a session ends the agent's whole process tree, on real processes and real tmux: a shell
// agent's script (run in a process group of its own) starts children four ways, and after
// `gt session kill` none of them runs. Before the fix the script and all its children outlived
// the session: only the session's own process group was signalled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTown, createRigBead, mrForBead, sessionGone, withHeadlessRig, type TownFixture, sweepTown } from './support/town-fixture.js';
import { until } from './support/wait.js';

/** Running = exists and is not a zombie (an orphan killed in a container may wait for a reaper). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]$/.test(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]!);
  } catch {
    return false;
  }
}

// Each child writes its pid: one in the script's group, one in a session of its own, one orphaned
// (its parent subshell exits: init adopts it) and one both orphaned and in its own session, which
// only the session's mark in its environment still ties to the agent.
const children = ['plain', 'setsid', 'orphan', 'escaped'] as const;
const script = (dir: string) => [
  `sleep 1001 & echo $! > ${dir}/plain.pid`,
  `setsid sleep 1002 & echo $! > ${dir}/setsid.pid`,
  `( sleep 1003 & echo $! > ${dir}/orphan.pid )`,
  `( setsid sleep 1004 & echo $! > ${dir}/escaped.pid )`,
  `echo $$ > ${dir}/script.pid`,
  'wait',
].join('\n');

async function killSessionEndsTree(f: TownFixture): Promise<void> {
  const dir = join(f.root, 'pids');
  mkdirSync(dir);
  const id = await createRigBead(f.town, 'long worker', `Starts children and waits.\n\n\`\`\`sh\n${script(dir)}\n\`\`\`\n`);
  const pids: number[] = [];
  try {
    const agent = f.gtJson(['sling', id, 'demo', '--agent', 'shell']).hooked[0].agent as string;
    await until('the script and its children to start', () => ['script', ...children].every((c) => existsSync(join(dir, `${c}.pid`)) && readFileSync(join(dir, `${c}.pid`), 'utf8').trim()), 60_000);
    for (const c of ['script', ...children]) pids.push(Number(readFileSync(join(dir, `${c}.pid`), 'utf8')));
    assert.ok(pids.every(running), 'all of them run while the session does');
    const kill = f.gt(['session', 'kill', agent]);
    assert.equal(kill.code, 0, kill.stderr);
    const left = ['script', ...children].filter((_, i) => running(pids[i]!));
    assert.deepEqual(left, [], 'nothing of the agent runs once the session is killed');
  } finally {
    for (const p of pids) try { process.kill(p, 'SIGKILL'); } catch { /* gone */ }
  }
}

test('gt session kill (tmux): the shell agent\'s script and every child it started are gone', { timeout: 120_000 }, async () => {
  const f = makeTown({ shellAgents: true });
  try {
    await killSessionEndsTree(f);
  } finally {
    sweepTown(f.town);
    f.cleanup();
  }
});

test('gt session kill (headless): the shell agent\'s script and every child it started are gone', { timeout: 120_000 }, async () => {
  const f = makeTown({ shellAgents: true });
  try {
    await withHeadlessRig(f.town, () => killSessionEndsTree(f));
  } finally {
    sweepTown(f.town);
    f.cleanup();
  }
});

/** The agent hands in (gt done) after a script that left children running: they end with the session. */
async function doneEndsLeftovers(f: TownFixture): Promise<void> {
  const dir = join(f.root, 'left');
  mkdirSync(dir);
  const left = [
    `sleep 1011 >/dev/null 2>&1 & echo $! > ${dir}/plain.pid`,
    `setsid sleep 1012 >/dev/null 2>&1 & echo $! > ${dir}/setsid.pid`,
    'echo done > work.txt',
  ].join('\n');
  const id = await createRigBead(f.town, 'work that leaves children', `Leaves two children behind.\n\n\`\`\`sh\n${left}\n\`\`\`\n`);
  const pids: number[] = [];
  try {
    const agent = f.gtJson(['sling', id, 'demo', '--agent', 'shell']).hooked[0].agent as string;
    await until('the MR', () => mrForBead(f.town, id), 60_000);
    for (const c of ['plain', 'setsid']) pids.push(Number(readFileSync(join(dir, `${c}.pid`), 'utf8')));
    await until('the session to end', sessionGone(f, agent), 60_000);
    await until('the children the script left to end with it', () => !pids.some(running), 30_000);
  } finally {
    for (const p of pids) try { process.kill(p, 'SIGKILL'); } catch { /* gone */ }
  }
}

for (const mode of ['tmux', 'headless'] as const) {
  test(`gt done (${mode}): children the shell agent's script left running end with its session`, { timeout: 180_000 }, async () => {
    const f = makeTown({ shellAgents: true });
    try {
      if (mode === 'headless') await withHeadlessRig(f.town, () => doneEndsLeftovers(f));
      else await doneEndsLeftovers(f);
    } finally {
      sweepTown(f.town);
      f.cleanup();
    }
  });
}
