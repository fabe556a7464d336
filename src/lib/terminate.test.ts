// Ending process groups, against real processes: TERM then KILL, a recorded group reaped by a
// successor (and a reused pid left alone), and groups ended when a stop signal ends their owner.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { groupAlive, killGroup, reapRecordedGroup, recordGroup, terminateGroup } from './terminate.js';
import { spawnDetached } from './proc.js';

const withDir = async (fn: (dir: string) => Promise<void>) => {
  const dir = mkdtempSync(join(tmpdir(), 'terminate-'));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

/** A detached group: a shell leader and a background sleep, both ignoring TERM when `stubborn`. */
function startGroup(dir: string, stubborn = false): number {
  const trap = stubborn ? "trap '' TERM; " : '';
  return spawnDetached('/bin/sh', ['-c', `${trap}sleep 60 & wait`], { logFile: join(dir, 'log') });
}

async function waitUntil(what: string, cond: () => boolean): Promise<void> {
  const end = Date.now() + 20_000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

test('terminateGroup: TERM ends a group that honours it; one that ignores it is KILLed; both are gone on return', async () => {
  await withDir(async (dir) => {
    const polite = startGroup(dir);
    const stubborn = startGroup(dir, true);
    try {
      assert.ok(groupAlive(polite) && groupAlive(stubborn));
      assert.equal(await terminateGroup(polite, 10_000), 'terminated');
      assert.equal(groupAlive(polite), false);
      assert.equal(await terminateGroup(stubborn, 200), 'killed');
      assert.equal(groupAlive(stubborn), false);
      assert.equal(await terminateGroup(stubborn), 'gone', 'ending a gone group is a no-op');
    } finally {
      killGroup(polite, 'SIGKILL');
      killGroup(stubborn, 'SIGKILL');
    }
  });
});

test('reapRecordedGroup: a recorded group still running is ended; a live pid that started at another time is not ours', async () => {
  await withDir(async (dir) => {
    const file = join(dir, 'test.pgid');
    const leftover = startGroup(dir);
    const stranger = startGroup(dir);
    try {
      recordGroup(file, leftover);
      assert.equal(await reapRecordedGroup(file), leftover);
      assert.equal(groupAlive(leftover), false);
      assert.equal(existsSync(file), false, 'the record is forgotten');
      // The same pid, but the record says it started at another time: the pid was reused.
      writeFileSync(file, JSON.stringify({ pgid: stranger, started: '1' }));
      assert.equal(await reapRecordedGroup(file), undefined);
      assert.equal(groupAlive(stranger), true, "someone else's process is left alone");
      assert.equal(existsSync(file), false);
      assert.equal(await reapRecordedGroup(file), undefined, 'no record: nothing to do');
    } finally {
      killGroup(leftover, 'SIGKILL');
      killGroup(stranger, 'SIGKILL');
    }
  });
});

const terminateJs = fileURLToPath(new URL('./terminate.js', import.meta.url));
const procJs = fileURLToPath(new URL('./proc.js', import.meta.url));

/**
 * A node process that runs a long command through run(), tied to it with endGroupWithProcess, and
 * writes the command's group id to `pgidFile`; with `ownHandler` it also listens for SIGTERM itself.
 */
function owner(pgidFile: string, ownHandler: boolean) {
  const script = `
    import { run } from ${JSON.stringify(procJs)};
    import { endGroupWithProcess } from ${JSON.stringify(terminateJs)};
    import { writeFileSync } from 'node:fs';
    ${ownHandler ? "process.on('SIGTERM', () => { writeFileSync(process.argv[1] + '.handled', 'yes'); setTimeout(() => process.exit(0), 10); });" : ''}
    await run('sh', ['-c', 'sleep 60 & wait'], { onSpawn: (pgid) => { endGroupWithProcess(pgid); writeFileSync(process.argv[1], String(pgid)); } });
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script, pgidFile], { stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | number | null>((r) => child.once('exit', (code, signal) => r(signal ?? code)));
  return { child, exited };
}

test('endGroupWithProcess: a stop signal that ends the owner ends its group first, and the owner still dies of it', async () => {
  await withDir(async (dir) => {
    const pgidFile = join(dir, 'pgid');
    const o = owner(pgidFile, false);
    let pgid = 0;
    try {
      await waitUntil('the command to start', () => existsSync(pgidFile));
      pgid = Number(readFileSync(pgidFile, 'utf8'));
      assert.ok(groupAlive(pgid));
      o.child.kill('SIGTERM');
      assert.equal(await o.exited, 'SIGTERM', 'the owner died of the signal, as it would have without us');
      await waitUntil('the group to end', () => !groupAlive(pgid));
    } finally {
      o.child.kill('SIGKILL');
      if (pgid) killGroup(pgid, 'SIGKILL');
    }
  });
});

test('endGroupWithProcess: an owner with its own stop handler (a graceful stop) keeps its group running', async () => {
  await withDir(async (dir) => {
    const pgidFile = join(dir, 'pgid');
    const o = owner(pgidFile, true);
    let pgid = 0;
    try {
      await waitUntil('the command to start', () => existsSync(pgidFile));
      pgid = Number(readFileSync(pgidFile, 'utf8'));
      o.child.kill('SIGTERM');
      assert.equal(await o.exited, 0, 'its own handler decided');
      assert.ok(existsSync(`${pgidFile}.handled`));
      assert.equal(groupAlive(pgid), true, 'the group was left to the owner');
    } finally {
      o.child.kill('SIGKILL');
      if (pgid) killGroup(pgid, 'SIGKILL');
    }
  });
});
