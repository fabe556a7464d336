// The real Claude Code binary against the stub model: headless (-p, a Bash tool call executed for
// real) and interactive in a private tmux server (seeded config gets past every first-run dialog;
// typed input drives it; the idle detector reads its screen; the transcript carries usage).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync, realpathSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startStubModel } from './support/stub-model.js';
import { claudeEnv, claudeBin } from './support/claude.js';
import { sleep, until } from './support/wait.js';
import { tempDir } from './support/cli.js';
import { run } from '../src/lib/proc.js';
import { killServer } from '../src/lib/tmux.js';
import { tmuxProvider } from '../src/runtime/session.js';
import { claude, seedClaudeHome } from '../src/runtime/adapters/claude.js';
import { readTranscriptUsage } from '../src/runtime/usage.js';

const tmp = tempDir('gt-claude-');
const socket = `gt-test-claude-${process.pid}`;
after(async () => {
  killServer(socket);
  await sleep(300); // let the killed claude finish its last transcript write
  rmSync(tmp.dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
});

function workspace(name: string) {
  const home = join(realpathSync(tmp.dir), name, 'home');
  const work = join(realpathSync(tmp.dir), name, 'work');
  mkdirSync(home, { recursive: true });
  mkdirSync(work, { recursive: true });
  return { home, work };
}

test('headless: claude -p runs a Bash tool call for real and reports the stub answer', async () => {
  const stub = await startStubModel([
    { text: 'Writing the file.', tool: { name: 'Bash', input: { command: 'echo from-real-bash > proof.txt && cat proof.txt', description: 'write proof' } } },
    { branches: [{ when: /from-real-bash/, turn: { text: 'SAW THE TOOL RESULT' } }], otherwise: { text: 'MISSED IT' } },
  ]);
  try {
    const { home, work } = workspace('headless');
    seedClaudeHome(home, work);
    const r = await run(claudeBin, ['-p', 'make the proof', '--output-format', 'json', '--dangerously-skip-permissions'], {
      cwd: work, env: { HOME: home, TERM: 'dumb', ...claudeEnv(stub.url) }, timeoutMs: 60_000,
    });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { result: string; session_id: string };
    assert.equal(out.result, 'SAW THE TOOL RESULT');
    assert.equal(readFileSync(join(work, 'proof.txt'), 'utf8'), 'from-real-bash\n');
    assert.deepEqual(stub.mainRequests().map((q) => q.step), [0, 1]);
    const usage = readTranscriptUsage(claude.transcriptPath!({ address: 'x', role: 'crew', workdir: work, mode: 'headless', sessionId: out.session_id, home, townRoot: work, gtBin: 'gt' }));
    assert.ok(usage && usage.messages === 2 && usage.inputTokens > 0 && usage.costUsd > 0, 'usage read from the transcript');
  } finally {
    await stub.close();
  }
});

test('interactive in tmux: no first-run dialog, typed prompt drives a tool call, idle detected', async () => {
  const stub = await startStubModel([
    { text: 'Waiting for instructions.' },
    { text: 'On it.', tool: { name: 'Bash', input: { command: 'echo typed > typed.txt', description: 'write' } } },
    { text: 'Finished the typed task.' },
  ]);
  try {
    const { home, work } = workspace('interactive');
    const ctx = { address: 'r/crew/t', role: 'crew', workdir: work, mode: 'tmux' as const, sessionId: crypto.randomUUID(), home, townRoot: work, gtBin: '/bin/true', prompt: 'hello' };
    claude.prepare!(ctx);
    const p = tmuxProvider(socket, join(work, '..', 'launch'));
    const argv = claude.command(ctx);
    argv[0] = claudeBin;
    p.start({ name: 'claude-i', cwd: work, env: { HOME: home, TERM: 'xterm-256color', LANG: 'C.UTF-8', ...claudeEnv(stub.url) }, argv });
    await until('the opening answer on screen', () => p.capture('claude-i').includes('Waiting for instructions.'));
    await until('idle prompt', () => claude.isIdle(p.capture('claude-i')));
    p.send('claude-i', 'please write typed.txt');
    await until('the file written by the typed turn', () => existsSync(join(work, 'typed.txt')));
    await until('the final answer on screen', () => p.capture('claude-i').includes('Finished the typed task.'));
    assert.ok(stub.mainRequests().some((q) => q.step === 1 && JSON.stringify(q.body?.messages).includes('please write typed.txt')));
    const usage = await until('3 assistant messages in the transcript', () => { const u = readTranscriptUsage(claude.transcriptPath!(ctx)); return u?.messages === 3 && u; });
    assert.ok(usage.outputTokens > 0);
    await p.stop('claude-i');
  } finally {
    await stub.close();
  }
});
