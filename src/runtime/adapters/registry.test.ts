import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseAdapterName, chooseMode, resolveAdapter } from './registry.js';
import { expandArgs } from './custom.js';
import { claude, escapeProjectDir } from './claude.js';
import { agentEnv } from '../env.js';

test('adapter choice: sling > rig role > rig default > town role > town default > claude', () => {
  const town = { default: 'codex', roles: { witness: 'gemini' } };
  const rig = { default: 'shell', roles: { refinery: 'amp' } };
  assert.equal(chooseAdapterName('polecat', rig, town, 'opencode'), 'opencode');
  assert.equal(chooseAdapterName('refinery', rig, town), 'amp');
  assert.equal(chooseAdapterName('polecat', rig, town), 'shell');
  assert.equal(chooseAdapterName('witness', undefined, town), 'gemini');
  assert.equal(chooseAdapterName('polecat', undefined, town), 'codex');
  assert.equal(chooseAdapterName('polecat', undefined, undefined), 'claude');
  assert.equal(chooseMode({ mode: 'headless' }, { mode: 'tmux' }), 'headless');
  assert.equal(chooseMode(undefined, undefined), 'tmux');
});

test('resolveAdapter: built-ins, custom shadowing, unknown names', () => {
  assert.equal(resolveAdapter('claude').name, 'claude');
  const custom = resolveAdapter('aider', undefined, { custom: { aider: { command: 'aider', args: ['--yes', '{prompt}'], idle_pattern: '^> $' } } });
  assert.deepEqual(custom.command({ address: 'r/polecats/a', role: 'polecat', workdir: '/w', mode: 'tmux', sessionId: 's', home: '/h', townRoot: '/t', gtBin: 'gt' }), ['aider', '--yes']);
  assert.equal(custom.isIdle('> \n'), true);
  assert.throws(() => resolveAdapter('nope'), /unknown agent 'nope'/);
  assert.throws(() => resolveAdapter('bad', { custom: { bad: { command: 'x', idle_pattern: '(' } } }), /idle_pattern/);
});

test('custom arg templates', () => {
  assert.deepEqual(expandArgs(['-m', '{prompt}', '--id={session_id}', '{workdir}'], { prompt: 'go', sessionId: 'abc', workdir: '/w', address: 'a' }), ['-m', 'go', '--id=abc', '/w']);
});

test('claude: command lines, idle detection, project dir escaping', () => {
  const ctx = { address: 'r/polecats/a', role: 'polecat', workdir: '/t/r/polecats/a', mode: 'tmux' as const, sessionId: 'uuid-1', home: '/h', townRoot: '/t', gtBin: '/bin/gt', prompt: 'hi' };
  const argv = claude.command(ctx);
  assert.equal(argv[0], 'claude');
  assert.ok(argv.includes('--session-id') && argv.includes('uuid-1') && argv.at(-1) === 'hi');
  assert.ok(claude.command({ ...ctx, mode: 'headless' }).includes('-p'));
  assert.equal(claude.isIdle('● I am waiting.\n────\n❯ \n────\n  ⏵⏵ bypass permissions on'), true);
  assert.equal(claude.isIdle('✻ Thinking… (esc to interrupt)\n❯ \n'), false);
  assert.equal(claude.isIdle('❯ 1. No, exit\n  2. Yes, I accept\nEnter to confirm · Esc to cancel'), false);
  assert.equal(escapeProjectDir('/tmp/explore/work-CU0Bz3'), '-tmp-explore-work-CU0Bz3');
  assert.equal(escapeProjectDir('/a/b.c_d'), '-a-b-c-d');
});

test('agent env: minimal, adapter pass-through, Gas Town vars, bin dir first', () => {
  const env = agentEnv({
    parent: { PATH: '/usr/bin:/bin', HOME: '/h', ANTHROPIC_BASE_URL: 'http://x', AWS_SECRET: 'no', GITHUB_TOKEN: 'secret', GIT_AUTHOR_NAME: 'T' },
    passEnv: claude.passEnv.filter((p) => p !== 'AWS_'),
    binDir: '/gt/bin', town: '/town', rig: 'r', role: 'polecat', address: 'r/polecats/a', session: 'gt-r-polecat-a',
  });
  assert.equal(env.PATH, '/gt/bin:/usr/bin:/bin');
  assert.equal(env.ANTHROPIC_BASE_URL, 'http://x');
  assert.equal(env.GIT_AUTHOR_NAME, 'T');
  assert.equal(env.GITHUB_TOKEN, undefined);
  assert.equal(env.AWS_SECRET, undefined);
  assert.deepEqual([env.GT_TOWN, env.GT_RIG, env.GT_ROLE, env.GT_AGENT, env.BD_ACTOR], ['/town', 'r', 'polecat', 'r/polecats/a', 'r/polecats/a']);
});
