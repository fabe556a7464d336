// Command lines and idle detection of the non-Claude adapters, as checked against the real CLIs
// (versions in each adapter's header). Screens are trimmed captures from tmux.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { codex } from './codex.js';
import { gemini, seedGeminiAuth, geminiAuthFromEnv } from './gemini.js';
import { opencode } from './opencode.js';
import { amp } from './amp.js';
import type { LaunchContext } from './types.js';

const ctx: LaunchContext = { address: 'r/polecats/a', role: 'polecat', workdir: '/t/r/polecats/a', mode: 'tmux', sessionId: 'uuid-1', home: '/h', townRoot: '/t', gtBin: '/bin/gt', prompt: 'hi' };
const headless = { ...ctx, mode: 'headless' as const };
const DEFAULT = 'Run `gt prime` and work your hook.';

test('codex: tmux and headless command lines, idle screen', () => {
  const noLogin = ['-c', 'allow_login_shell=false'];
  const noPasteBurst = ['-c', 'tui.disable_paste_burst=true'];
  const trust = ['-c', 'projects={"/t/r/polecats/a"={trust_level="trusted"}}'];
  assert.deepEqual(codex.command(ctx), ['codex', '--no-daemon', '--dangerously-bypass-approvals-and-sandbox', ...noLogin, ...noPasteBurst, ...trust, 'hi']);
  assert.deepEqual(codex.command({ ...ctx, prompt: undefined }), ['codex', '--no-daemon', '--dangerously-bypass-approvals-and-sandbox', ...noLogin, ...noPasteBurst, ...trust]);
  assert.deepEqual(codex.command(headless), ['codex', 'exec', '--dangerously-bypass-approvals-and-sandbox', ...noLogin, 'hi']);
  assert.deepEqual(codex.command({ ...headless, prompt: undefined }), ['codex', 'exec', '--dangerously-bypass-approvals-and-sandbox', ...noLogin, DEFAULT]);
  assert.deepEqual(codex.askArgv!('s-1', 'why?', ctx), ['codex', 'exec', 'fork', 's-1', 'why?']);
  assert.equal(codex.ownsSessionId, false);
  const idle = '  >_ OpenAI Codex (v0.169.0)\n  permissions: YOLO mode\n› Ask Codex to do anything\n  GPT-6.1-Sol default · ~/wt\n  ← for agents · ? for shortcuts';
  const busy = '› say hi\n• Working (7s • esc to interrupt)\n› Ask Codex to do anything\n  ← for agents · ? for shortcuts';
  const trustDialog = '  Folder access\n  Trust this folder? Codex can read...\n› 1. Trust and continue\n  2. Back to Agent Command Center\n  enter continue · esc back';
  assert.equal(codex.isIdle(idle), true);
  assert.equal(codex.isIdle(busy), false);
  assert.equal(codex.isIdle(trustDialog), false);
});

test('gemini: tmux and headless command lines, session ids, idle screen', () => {
  assert.deepEqual(gemini.command(ctx), ['gemini', '--yolo', '--skip-trust', '--session-id', 'uuid-1', '-i', 'hi']);
  assert.deepEqual(gemini.command({ ...ctx, prompt: undefined }), ['gemini', '--yolo', '--skip-trust', '--session-id', 'uuid-1']);
  assert.deepEqual(gemini.command(headless), ['gemini', '--yolo', '--skip-trust', '--session-id', 'uuid-1', '-p', 'hi']);
  assert.deepEqual(gemini.command({ ...headless, prompt: undefined }), ['gemini', '--yolo', '--skip-trust', '--session-id', 'uuid-1', '-p', DEFAULT]);
  assert.deepEqual(gemini.askArgv!('uuid-1', 'why?', ctx), ['gemini', '--resume', 'uuid-1', '--skip-trust', '-p', 'why?']);
  assert.equal(gemini.ownsSessionId, true);
  assert.equal(gemini.promptFile, 'GEMINI.md');
  const idle = ' YOLO Ctrl+Y\n *   Type your message or @path/to/file\n workspace (/directory)   sandbox   /model';
  const busy = ' > say hi\n ⠼ Thinking... (esc to cancel, 1s)      ? for shortcuts\n *   Type your message or @path/to/file';
  const authDialog = '│ ? Get started\n│   How would you like to authenticate for this project?\n│   ● 2. Use Gemini API Key';
  assert.equal(gemini.isIdle(idle), true);
  assert.equal(gemini.isIdle(busy), false);
  assert.equal(gemini.isIdle(authDialog), false);
  // Its TUI takes an Enter within 30 ms of typed text for a pasted newline: nudges wait longer.
  assert.ok((gemini.submitDelayMs ?? 0) > 30);
});

test('gemini: auth type seeded from the env, only when missing', () => {
  assert.equal(geminiAuthFromEnv({ GEMINI_API_KEY: 'k' }), 'gemini-api-key');
  assert.equal(geminiAuthFromEnv({ GOOGLE_GENAI_USE_VERTEXAI: 'true', GEMINI_API_KEY: 'k' }), 'vertex-ai');
  assert.equal(geminiAuthFromEnv({}), undefined);
  const home = mkdtempSync(join(tmpdir(), 'gt-gemini-'));
  try {
    const path = join(home, '.gemini', 'settings.json');
    seedGeminiAuth(home, {});
    assert.throws(() => readFileSync(path));
    mkdirSync(join(home, '.gemini'));
    writeFileSync(path, JSON.stringify({ ui: { theme: 'x' }, security: { folderTrust: { enabled: true } } }));
    seedGeminiAuth(home, { GEMINI_API_KEY: 'k' });
    assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), { ui: { theme: 'x' }, security: { folderTrust: { enabled: true }, auth: { selectedType: 'gemini-api-key' } } });
    seedGeminiAuth(home, { GOOGLE_GENAI_USE_VERTEXAI: 'true' });
    assert.equal(JSON.parse(readFileSync(path, 'utf8')).security.auth.selectedType, 'gemini-api-key');
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('opencode: tmux and headless command lines, idle screen', () => {
  assert.deepEqual(opencode.command(ctx), ['opencode', '--auto', '--prompt', 'hi']);
  assert.deepEqual(opencode.command({ ...ctx, prompt: undefined }), ['opencode', '--auto']);
  assert.deepEqual(opencode.command(headless), ['opencode', 'run', '--auto', 'hi']);
  assert.deepEqual(opencode.command({ ...headless, prompt: undefined }), ['opencode', 'run', '--auto', DEFAULT]);
  assert.deepEqual(opencode.askArgv!('ses_1', 'why?', ctx), ['opencode', 'run', '--session', 'ses_1', '--fork', 'why?']);
  const idle = '  ┃  Ask anything… "Fix broken tests"\n  ┃  Build · Big Pickle OpenCode Zen\n        tab agents  ctrl+p commands';
  const busy = '  ┃  Build · Claude Sonnet 4.5 (latest) Anthropic\n   ⬝⬝⬝⬝⬝⬝⬝⬝  esc interrupt          tab agents  ctrl+p commands    • OpenCode 1.18.33';
  const retrying = '   ⬝⬝■■■■■■ Cannot connect to API [retrying in 5s attempt #3]      esc interrupt    • OpenCode 1.18.33';
  assert.equal(opencode.isIdle(idle), true);
  assert.equal(opencode.isIdle(busy), false);
  assert.equal(opencode.isIdle(retrying), false);
  assert.equal(opencode.isIdle(busy.replace('esc interrupt', 'esc again to interrupt')), false);
});

test('amp: tmux and headless command lines', () => {
  assert.deepEqual(amp.command(ctx), ['amp', '--dangerously-allow-all']);
  assert.deepEqual(amp.command(headless), ['amp', '--dangerously-allow-all', '-x', 'hi']);
  assert.deepEqual(amp.command({ ...headless, prompt: undefined }), ['amp', '--dangerously-allow-all', '-x', DEFAULT]);
  assert.deepEqual(amp.askArgv!('T-1', 'why?', ctx), ['amp', 'threads', 'continue', 'T-1', '-x', 'why?']);
});
