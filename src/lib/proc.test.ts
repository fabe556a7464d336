// The spawning module against real processes (sh, node): output decoding, early-exiting readers,
// background processes left holding the pipes, timeouts, and failed starts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive, killGroup, run, spawnDetached } from './proc.js';
import { UserError } from './errors.js';

test('run: input to a child that exits without reading it is not a crash (EPIPE)', async () => {
  const r = await run('sh', ['-c', 'exit 3'], { input: 'x'.repeat(4 * 1024 * 1024) });
  assert.equal(r.code, 3);
});

test('run: a multi-byte character split across chunks arrives whole', async () => {
  // The euro sign's three bytes in two writes, with a pause so they arrive as two chunks.
  const script = "process.stdout.write(Buffer.from([0xe2, 0x82])); setTimeout(() => process.stdout.write(Buffer.from([0xac, 0x0a])), 50)";
  const r = await run(process.execPath, ['-e', script]);
  assert.equal(r.stdout, '€\n');
});

test('run: returns when the command exits, not when a background process it left ends', async () => {
  const r = await run('sh', ['-c', 'sleep 60 & echo $!; echo started >&2'], { timeoutMs: 120_000 });
  const bg = Number(r.stdout.trim());
  try {
    assert.equal(r.code, 0);
    assert.equal(r.stderr, 'started\n');
    assert.ok(isAlive(bg), 'the background sleep is still running when run() returns');
  } finally {
    killGroup(bg, 'SIGKILL');
  }
});

test('run: a timeout kills the whole process group and says so', async () => {
  const r = await run('sh', ['-c', 'sleep 60 & sleep 60; echo never'], { timeoutMs: 300 });
  assert.equal(r.timedOut, true);
  assert.equal(r.signal, 'SIGTERM');
  assert.equal(r.stdout, '');
});

test('spawnDetached: a missing command is one clear error, and no crash after it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'proc-'));
  try {
    assert.throws(() => spawnDetached('/nonexistent/gt-no-such-binary', [], { logFile: join(dir, 'log') }),
      (e: unknown) => e instanceof UserError && /cannot start \/nonexistent\/gt-no-such-binary/.test(e.message));
    await new Promise((r) => setTimeout(r, 50)); // the child's late 'error' event must find a listener
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
