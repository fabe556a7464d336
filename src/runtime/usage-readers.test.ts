// The usage readers for codex, gemini and opencode, on files shaped as the real CLIs write them
// (lines and rows copied from runs of codex-cli 0.169.0, gemini-cli 0.61.0 and opencode 1.18.33
// against the stub models, cut to the fields that matter).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { codexUsage, summarizeCodexRollout } from './usage-codex.js';
import { geminiUsage, summarizeGeminiChat } from './usage-gemini.js';
import { opencodeUsage, summarizeOpencodeMessages } from './usage-opencode.js';
import { sessionUsage } from './costs.js';
import { costOf, priceFor } from './usage.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'gt-usage-'));
const J = JSON.stringify;

const codexLines = (cwd: string, at: string, totals: Array<[number, number, number]>) => [
  J({ timestamp: at, type: 'session_meta', payload: { id: 'x', timestamp: at, cwd, originator: 'codex_exec', base_instructions: { text: 'y'.repeat(100_000) } } }),
  J({ timestamp: at, type: 'turn_context', payload: { turn_id: 't', cwd, model: 'gpt-6.1-sol' } }),
  ...totals.map(([input, cached, output]) => J({ timestamp: at, type: 'event_msg', payload: { type: 'token_count', info: { total_token_usage: { input_tokens: input, cached_input_tokens: cached, output_tokens: output, reasoning_output_tokens: 0, total_tokens: input + output } } } })),
  '{"not json',
];

test('codex: the last running total of a rollout counts, cached input apart, priced as its model', () => {
  const u = summarizeCodexRollout(codexLines('/w', '2026-11-30T07:04:18.669Z', [[13833, 0, 107], [27841, 1000, 143]]))!;
  assert.equal(u.inputTokens, 26841);
  assert.equal(u.cacheReadTokens, 1000);
  assert.equal(u.outputTokens, 143);
  assert.deepEqual(u.models, ['gpt-6.1-sol']);
  assert.ok(Math.abs(u.costUsd - costOf('gpt-6.1-sol', { input_tokens: 26841, cache_read_input_tokens: 1000, output_tokens: 143 })) < 1e-12);
  assert.equal(summarizeCodexRollout([J({ type: 'event_msg', payload: { type: 'token_count', info: null } })]), undefined);
});

test('codex: a session is found by its cwd and start time among the rollouts of every day', () => {
  const dir = tmp();
  try {
    const put = (day: string, name: string, lines: string[]) => { mkdirSync(join(dir, day), { recursive: true }); writeFileSync(join(dir, day, name), lines.join('\n')); };
    put('2026/11/30', 'rollout-a.jsonl', codexLines('/town/demo/polecats/ace', '2026-11-30T07:00:02Z', [[100, 0, 10]]));
    put('2026/11/30', 'rollout-b.jsonl', codexLines('/town/demo/polecats/ace', '2026-11-30T09:00:00Z', [[500, 0, 50]])); // a later session
    put('2026/11/30', 'rollout-c.jsonl', codexLines('/town/demo/polecats/bob', '2026-11-30T07:00:03Z', [[700, 0, 70]])); // another polecat
    put('2026/12/01', 'rollout-d.jsonl', codexLines('/town/demo/polecats/ace', '2026-11-30T07:30:00Z', [[1, 0, 1]])); // same session window, next day's dir
    const from = Date.parse('2026-11-30T07:00:00Z');
    const u = codexUsage(dir, '/town/demo/polecats/ace', from, Date.parse('2026-11-30T08:00:00Z'))!;
    assert.equal(u.inputTokens, 101);
    assert.equal(u.outputTokens, 11);
    assert.equal(codexUsage(dir, '/town/demo/polecats/ace', from)!.inputTokens, 601, 'open-ended: the later one too');
    assert.equal(codexUsage(dir, '/elsewhere', from), undefined);
    assert.equal(codexUsage(join(dir, 'missing'), '/town/demo/polecats/ace', from), undefined);
    // Through the session record: the next session's start bounds one with no end.
    const rec = { session_name: 's', adapter: 'codex', mode: 'headless' as const, started_at: '2026-11-30T07:00:00Z', cwd: '/town/demo/polecats/ace', usage_source: dir };
    assert.equal(sessionUsage(rec, '2026-11-30T08:59:00Z')!.inputTokens, 101);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const geminiTurn = (id: string, tokens: Record<string, number>, extra: Record<string, unknown> = {}) => J({ id, timestamp: 't', type: 'gemini', content: 'run', tokens, model: 'gemini-3.8-flash', ...extra });

test('gemini: each model turn counts once (the rewrite after its tool call is the same turn), thoughts as output', () => {
  const u = summarizeGeminiChat([
    J({ sessionId: 's', kind: 'main' }),
    J({ id: 'u1', type: 'user', content: [{ text: 'hi' }] }),
    geminiTurn('g1', { input: 11996, output: 31, cached: 0, thoughts: 0, tool: 0, total: 12027 }),
    geminiTurn('g1', { input: 11996, output: 31, cached: 0, thoughts: 0, tool: 0, total: 12027 }, { toolCalls: [] }),
    geminiTurn('g2', { input: 12112, output: 5, cached: 2000, thoughts: 7, tool: 3, total: 12127 }),
    J({ $set: { lastUpdated: 'x' } }),
  ])!;
  assert.equal(u.messages, 2);
  assert.equal(u.inputTokens, 11996 + 10112 + 3);
  assert.equal(u.cacheReadTokens, 2000);
  assert.equal(u.outputTokens, 31 + 5 + 7);
  assert.deepEqual(priceFor('gemini-3.8-flash'), { input: 0.3, output: 2.5 });
});

test('gemini: a session is found by its full id under any project directory', () => {
  const home = tmp();
  try {
    const id = '11111111-2222-4333-8444-555555555555';
    const chats = join(home, 'tmp', 'work', 'chats');
    mkdirSync(chats, { recursive: true });
    writeFileSync(join(chats, 'session-2026-11-30T07-04-11111111.jsonl'), [J({ sessionId: id }), geminiTurn('g', { input: 10, output: 2 })].join('\n'));
    writeFileSync(join(chats, 'session-2026-11-30T08-00-11111111.jsonl'), [J({ sessionId: '11111111-ffff-4333-8444-555555555555' }), geminiTurn('g', { input: 99, output: 9 })].join('\n'));
    assert.equal(geminiUsage(home, id)!.inputTokens, 10);
    assert.equal(geminiUsage(home, '22222222-2222-4333-8444-555555555555'), undefined);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('opencode: assistant messages of the sessions started in the directory, with opencode\'s own cost', () => {
  const dir = tmp();
  try {
    const path = join(dir, 'opencode.db');
    const db = new Database(path);
    db.exec('CREATE TABLE session (id text PRIMARY KEY, directory text NOT NULL, time_created integer NOT NULL); CREATE TABLE message (id text PRIMARY KEY, session_id text NOT NULL, time_created integer NOT NULL, data text NOT NULL)');
    const msg = (role: string, input: number, output: number, cost: number, read = 0) => J({ role, cost, modelID: 'claude-sonnet-4-5', tokens: { total: input + output, input, output, reasoning: 0, cache: { write: 0, read } } });
    db.prepare('INSERT INTO session VALUES (?, ?, ?)').run('ses_a', '/w/ace', 1_000_000);
    db.prepare('INSERT INTO session VALUES (?, ?, ?)').run('ses_b', '/w/bob', 1_000_000);
    db.prepare('INSERT INTO session VALUES (?, ?, ?)').run('ses_c', '/w/ace', 9_000_000);
    const put = db.prepare('INSERT INTO message VALUES (?, ?, ?, ?)');
    put.run('m1', 'ses_a', 1, J({ role: 'user' }));
    put.run('m2', 'ses_a', 2, msg('assistant', 7621, 33, 0.023358));
    put.run('m3', 'ses_a', 3, msg('assistant', 7695, 8, 0.023205, 100));
    put.run('m4', 'ses_b', 4, msg('assistant', 5, 5, 1));
    put.run('m5', 'ses_c', 5, msg('assistant', 9, 9, 2));
    db.close();
    const u = opencodeUsage(path, '/w/ace', 1_000_000, 2_000_000)!;
    assert.equal(u.inputTokens, 7621 + 7695);
    assert.equal(u.outputTokens, 41);
    assert.equal(u.cacheReadTokens, 100);
    assert.ok(Math.abs(u.costUsd - 0.046563) < 1e-9);
    assert.equal(opencodeUsage(path, '/w/ace', 1_000_000)!.costUsd.toFixed(6), '2.046563');
    assert.equal(opencodeUsage(join(dir, 'none.db'), '/w/ace', 0), undefined);
    assert.equal(summarizeOpencodeMessages(['{', J({ role: 'user' })]), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a session is read again only when what it was read from can have changed', () => {
  const dir = tmp();
  try {
    const transcript = join(dir, 'session.jsonl');
    const turn = (id: string, input: number) => J({ type: 'assistant', message: { id, model: 'claude-sonnet-4-5', usage: { input_tokens: input, output_tokens: 1 } } });
    writeFileSync(transcript, turn('a', 100) + '\n');
    const then = new Date('2026-11-30T07:05:00Z');
    utimesSync(transcript, then, then);
    const rec = { session_name: 'c', adapter: 'claude', mode: 'tmux' as const, started_at: '2026-11-30T07:00:00Z', transcript };
    assert.equal(sessionUsage(rec)!.inputTokens, 100);
    // Same size and mtime: not read again (the dashboard asks on every store change).
    writeFileSync(transcript, turn('a', 200) + '\n');
    utimesSync(transcript, then, then);
    assert.equal(sessionUsage(rec)!.inputTokens, 100, 'remembered');
    // The live session writes on: read again.
    appendFileSync(transcript, turn('b', 5) + '\n');
    assert.equal(sessionUsage(rec)!.inputTokens, 205);
    // Other CLIs keep many sessions in one place: a session is read afresh while it runs, and
    // remembered once it ended over a minute ago.
    const rollouts = join(dir, 'codex');
    const day = join(rollouts, '2026', '11', '30');
    mkdirSync(day, { recursive: true });
    const started = new Date(Date.now() - 600_000).toISOString();
    writeFileSync(join(day, 'rollout-x.jsonl'), codexLines('/w', started, [[100, 0, 10]]).join('\n'));
    const codex = { session_name: 'x', adapter: 'codex', mode: 'headless' as const, started_at: started, cwd: '/w', usage_source: rollouts };
    assert.equal(sessionUsage(codex)!.inputTokens, 100);
    writeFileSync(join(day, 'rollout-x.jsonl'), codexLines('/w', started, [[300, 0, 10]]).join('\n'));
    assert.equal(sessionUsage(codex)!.inputTokens, 300, 'running: read again');
    const ended = { ...codex, ended_at: new Date(Date.now() - 120_000).toISOString() };
    assert.equal(sessionUsage(ended)!.inputTokens, 300);
    writeFileSync(join(day, 'rollout-x.jsonl'), codexLines('/w', started, [[999, 0, 10]]).join('\n'));
    assert.equal(sessionUsage(ended)!.inputTokens, 300, 'ended two minutes ago: remembered');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
