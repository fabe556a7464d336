// Ending a process tree against real processes: a child in a group of its own that ignores TERM is
// KILLed, a marked orphan is found, and a process outside the tree (no parent link, no mark) is
// left alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnDetached, isAlive } from './proc.js';
import { SESSION_MARK, terminateTree, treeOf } from './proctree.js';

function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]$/.test(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]!);
  } catch {
    return false;
  }
}

async function pidsIn(file: string, n: number): Promise<number[]> {
  for (let i = 0; i < 400; i++) {
    try {
      const pids = readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map(Number);
      if (pids.length >= n) return pids;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${file} never held ${n} pids`);
}

test('terminateTree: a TERM-ignoring child in its own session and a marked orphan end; a stranger is left alone', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'proctree-'));
  const out = join(dir, 'pids');
  const mark = `test-${process.pid}-${Date.now()}`;
  // The root starts: a child in a session of its own that ignores TERM, and an orphan in a
  // session of its own (its subshell exits) that only the mark ties to the root.
  const script = `export ${SESSION_MARK}=${mark}; setsid sh -c 'trap "" TERM; sleep 300 & wait' & echo $! >> ${out}; ` +
    `( setsid sleep 301 & echo $! >> ${out} ); sleep 302`;
  const root = spawnDetached('/bin/sh', ['-c', script], { logFile: join(dir, 'log') });
  const stranger = spawnDetached('/bin/sh', ['-c', 'sleep 303'], { logFile: join(dir, 'log') });
  try {
    const [stubborn, orphan] = await pidsIn(out, 2);
    assert.ok(running(stubborn!) && running(orphan!));
    // spawnDetached passes no mark on: the detached stranger is not the root's, even if it had one.
    assert.equal(await terminateTree(treeOf(root, mark), mark, 300), 'killed');
    assert.deepEqual([root, stubborn, orphan].filter((p) => running(p!)), []);
    assert.ok(isAlive(stranger), 'a process outside the tree runs on');
  } finally {
    for (const p of [root, stranger]) try { process.kill(-p, 'SIGKILL'); } catch { /* gone */ }
    rmSync(dir, { recursive: true, force: true });
  }
});
