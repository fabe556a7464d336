// Health from evidence, the convoy list, actions' bodies and the token's carriers: pure, no disk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { observedState, type LiveEvidence } from './health.js';
import { convoyViews, costSummary, humanGates, mailbox } from './snapshot.js';
import { EMPTY_USAGE } from '../runtime/usage.js';
import { parseAction } from './actions.js';
import { requestToken, sameOrigin, sameToken } from './token.js';
import { parseBeadQuery, progressOverTime } from './detail.js';
import { UserError } from '../lib/errors.js';
import type { ConvoyStatus } from '../work/convoy.js';

const NOW = Date.parse('2026-01-01T00:10:00Z');
const live = (sessions: [string, boolean][], deacon: LiveEvidence['deacon'] = { running: true, heartbeatAgeMs: 1000 }): LiveEvidence =>
  ({ sessions: new Map(sessions.map(([n, alive]) => [n, { alive, activityAt: NOW - 5000 }])), deacon });
const session = (name: string, ended?: string) => ({ session_name: name, adapter: 'shell', mode: 'tmux' as const, started_at: '2026-01-01T00:00:00Z', ended_at: ended });

test('a polecat recorded working whose session is gone (or ended) is shown dead, with why; alive it stays working', () => {
  const a = { role: 'polecat' as const, state: 'working' as const, sessions: [session('gt-demo-polecat-ace')], last_activity: '2026-01-01T00:00:00Z' };
  assert.equal(observedState(a, live([['gt-demo-polecat-ace', true]]), NOW).state, 'working');
  const dead = observedState(a, live([]), NOW);
  assert.equal(dead.state, 'dead');
  assert.match(dead.reason!, /gt-demo-polecat-ace is not running/);
  assert.equal(observedState(a, live([['gt-demo-polecat-ace', false]]), NOW).state, 'dead', 'a dead pane kept by remain-on-exit');
  assert.equal(observedState({ ...a, sessions: [session('gt-demo-polecat-ace', '2026-01-01T00:01:00Z')] }, live([['gt-demo-polecat-ace', true]]), NOW).state, 'dead');
  assert.equal(observedState({ ...a, state: 'done' }, live([]), NOW).state, 'done', 'handed in: no session expected');
  assert.equal(observedState({ ...a, state: 'spawning', last_activity: '2026-01-01T00:09:50Z' }, live([]), NOW).state, 'spawning', 'a sling is still starting it');
});

test('the deacon is dead when it does not run, stuck when its heartbeat is stale, working otherwise', () => {
  const d = { role: 'deacon' as const, state: 'idle' as const, sessions: [] };
  assert.deepEqual(observedState(d, live([], { running: false }), NOW).state, 'dead');
  assert.match(observedState(d, live([], { running: false }), NOW).reason!, /gt up/);
  assert.equal(observedState(d, live([], { running: true, heartbeatAgeMs: 10 * 60_000 }), NOW).state, 'stuck');
  assert.equal(observedState(d, live([], { running: true, heartbeatAgeMs: 2000 }), NOW).state, 'working');
});

test('a rig\'s witness and refinery follow the deacon that patrols for them: never a stale label', () => {
  for (const role of ['witness', 'refinery'] as const) {
    const w = { role, state: 'idle' as const, sessions: [], last_activity: '2026-01-01T00:00:00Z' };
    const stopped = observedState(w, live([], { running: false }), NOW);
    assert.equal(stopped.state, 'dead', role);
    assert.match(stopped.reason!, /stopped: the deacon .* is not running .*gt up/);
    assert.equal(observedState(w, live([], { running: true, heartbeatAgeMs: 10 * 60_000 }), NOW).state, 'stuck');
    const ok = observedState(w, live([], { running: true, heartbeatAgeMs: 2000 }), NOW);
    assert.deepEqual([ok.state, ok.activityAt], ['working', NOW - 2000]);
    // Given a session of its own, its session is the evidence.
    const own = { ...w, state: 'working' as const, sessions: [session(`gt-demo-${role}`)] };
    assert.equal(observedState(own, live([[`gt-demo-${role}`, true]], { running: false }), NOW).state, 'working');
  }
});

test('convoys: open newest first, then the latest landed (they do not vanish); progress counts active beads too', () => {
  const c = (id: string, status: string, tracked: string[]): ConvoyStatus =>
    ({ id, title: id, status, total: tracked.length, closed: tracked.filter((t) => t === 'closed').length, landed: false, staged: [], tracked: tracked.map((s, i) => ({ id: `${id}.${i}`, title: '', status: s })) });
  const dates = new Map([
    ['old', { created_at: '2026-01-01T00:00:00Z' }], ['new', { created_at: '2026-01-02T00:00:00Z' }],
    ['l1', { created_at: '2025-12-01T00:00:00Z', closed_at: '2026-01-01T01:00:00Z' }], ['l2', { created_at: '2025-12-01T00:00:00Z', closed_at: '2026-01-01T02:00:00Z' }],
  ]);
  const v = convoyViews([c('l1', 'closed', ['closed']), c('old', 'open', ['closed', 'hooked', 'in_progress', 'open']), c('l2', 'closed', ['closed']), c('new', 'open', [])], dates, 1);
  assert.deepEqual(v.map((x) => x.id), ['new', 'old', 'l2']);
  assert.deepEqual(v[1]!.counts, { closed: 1, active: 2, open: 1 });
});

test('action bodies: each kind parsed, ids split from text, mistakes are user errors naming the field', () => {
  assert.deepEqual(parseAction('sling', { beads: 'de-a, de-b', target: 'demo' }), { kind: 'sling', beads: ['de-a', 'de-b'], target: 'demo' });
  assert.deepEqual(parseAction('convoy-create', { title: ' Ship ', beads: ['de-a'] }), { kind: 'convoy-create', title: 'Ship', beads: ['de-a'] });
  assert.equal((parseAction('nudge', { agent: 'demo/polecats/ace' }) as { message: string }).message.length > 0, true);
  assert.throws(() => parseAction('sling', { beads: '', target: 'demo' }), (e) => e instanceof UserError && /beads/.test(e.message));
  assert.throws(() => parseAction('stop', {}), (e) => e instanceof UserError && /'agent' is required/.test(e.message));
  assert.throws(() => parseAction('explode', {}), (e) => e instanceof UserError && /no such action/.test(e.message));
  assert.throws(() => parseAction('stop', [1]), UserError);
  assert.deepEqual(parseAction('gate-approve', { id: 'de-mol.7', reason: ' ' }), { kind: 'gate-approve', id: 'de-mol.7', reason: undefined });
  assert.throws(() => parseAction('gate-approve', {}), (e) => e instanceof UserError && /'id' is required/.test(e.message));
});

test('convoy progress over time: one point per moment a count changed, from created, claimed, status and close events', () => {
  const e = (issue_id: string, event_type: string, at: string, new_value?: string) => ({ issue_id, event_type, new_value, created_at: `2026-01-01T00:0${at}Z` });
  const points = progressOverTime([
    e('b', 'created', '0:00'), e('a', 'created', '0:00'),
    e('a', 'status_changed', '1:00', 'hooked'), e('a', 'updated', '1:30'),
    e('b', 'claimed', '2:00'), e('a', 'closed', '3:00', 'closed'),
    e('b', 'closed', '4:00', 'closed'), e('b', 'reopened', '4:00', 'open'), // closed and reopened at once: one point
  ]);
  assert.deepEqual(points.map((p) => [p.at.slice(14, 19), p.closed, p.active]), [['00:00', 0, 0], ['01:00', 0, 1], ['02:00', 0, 2], ['03:00', 1, 1], ['04:00', 1, 0]]);
  assert.deepEqual(progressOverTime([]), []);
});

test('mail threads: a reply joins its parent\'s thread; threads the mailbox sent in count; newest activity first', () => {
  const m = (id: string, from: string, to: string, thread: string, at: string, read = true) =>
    ({ id, from, to, thread, subject: `s-${thread}`, body: `body of ${id}\nmore`, read, archived: false, created_at: `2026-01-01T00:0${at}Z` });
  const box = mailbox('overseer', [
    m('hq-1', 'mayor', 'overseer', 'hq-1', '1:00'), m('hq-2', 'overseer', 'mayor', 'hq-1', '2:00'), m('hq-3', 'mayor', 'overseer', 'hq-1', '3:00', false),
    m('hq-4', 'deacon', 'overseer', 'hq-4', '4:00'), m('hq-5', 'overseer', 'demo/witness', 'hq-5', '5:00'), m('hq-6', 'deacon', 'mayor', 'hq-6', '6:00'),
  ]);
  assert.deepEqual(box.threads.map((t) => [t.thread, t.messages, t.unread, t.last_from, t.preview]), [
    ['hq-5', 1, 0, 'overseer', 'body of hq-5'], ['hq-4', 1, 0, 'deacon', 'body of hq-4'], ['hq-1', 3, 1, 'mayor', 'body of hq-3'],
  ]);
  assert.equal(box.unread, 1);
  assert.deepEqual(box.messages.map((x) => x.id), ['hq-4', 'hq-3', 'hq-1'], 'the messages it received');
});

test('gates shown: open human gates only, oldest first', () => {
  const g = (id: string, type: string, status = 'open', at = '1') => ({ rig: 'demo', bead: { id, title: `Gate ${id}`, status: status as 'open', issue_type: 'gate', created_at: `2026-01-0${at}T00:00:00Z`, fields: { gate: { type }, gate_step: 'ship' } } });
  assert.deepEqual(humanGates([g('b', 'human', 'open', '2'), g('a', 'human'), g('t', 'timer'), g('c', 'human', 'closed'), { ...g('x', 'human'), bead: { ...g('x', 'human').bead, issue_type: 'task' } }]).map((v) => [v.id, v.step]), [['a', 'ship'], ['b', 'ship']]);
});

test('the token comes as a bearer header or the cookie; compared in full; a POST must come from the page itself', () => {
  assert.equal(requestToken({ authorization: 'Bearer abc' }), 'abc');
  assert.equal(requestToken({ cookie: 'x=1; gt_dashboard=tok=en; y=2' }), 'tok=en');
  assert.equal(requestToken({}), undefined);
  assert.ok(sameToken('abc', 'abc'));
  for (const t of [undefined, '', 'ab', 'abd', 'abcd']) assert.ok(!sameToken(t, 'abc'), String(t));
  assert.ok(sameOrigin(undefined, '127.0.0.1:7777'), 'scripts send no Origin; the token proves them');
  assert.ok(sameOrigin('http://127.0.0.1:7777', '127.0.0.1:7777'));
  for (const o of ['http://evil.example', 'http://127.0.0.1:8888', 'null']) assert.ok(!sameOrigin(o, '127.0.0.1:7777'), o);
});

test('bead queries: filters from the query string; a bad limit is a user error', () => {
  assert.deepEqual(parseBeadQuery(new URLSearchParams('q=flag&status=open&rig=demo')), { q: 'flag', status: 'open', type: undefined, rig: 'demo', assignee: undefined, limit: 200 });
  assert.throws(() => parseBeadQuery(new URLSearchParams('limit=0')), UserError);
});

test('costs: each session adds to its agent, its rig, every convoy tracking its bead, and its day', () => {
  const use = (costUsd: number, inputTokens: number) => ({ ...EMPTY_USAGE, costUsd, inputTokens, outputTokens: 10 });
  const c = costSummary([
    { agent: 'demo/polecats/ace', adapter: 'codex', bead: 'de-1', started_at: '2026-01-01T10:00:00Z', usage: use(1, 90) },
    { agent: 'demo/polecats/bex', adapter: 'gemini', bead: 'de-2', started_at: '2026-01-02T10:00:00Z', usage: use(2, 190) },
    { agent: 'mayor', started_at: '2026-01-02T11:00:00Z', usage: use(0.5, 40) },
  ], [{ id: 'hq-a', tracked: [{ id: 'de-1', title: '', status: 'closed' }, { id: 'de-2', title: '', status: 'open' }] }, { id: 'hq-b', tracked: [{ id: 'de-2', title: '', status: 'open' }] }]);
  assert.deepEqual(c.total, { usd: 3.5, tokens: 350 });
  assert.deepEqual(c.byRig, { demo: { usd: 3, tokens: 300 } }, 'town-level agents belong to no rig');
  assert.deepEqual(c.byConvoy, { 'hq-a': { usd: 3, tokens: 300 }, 'hq-b': { usd: 2, tokens: 200 } });
  assert.deepEqual(c.byDay, { '2026-01-01': { usd: 1, tokens: 100 }, '2026-01-02': { usd: 2.5, tokens: 250 } });
  assert.deepEqual(c.byAgent.mayor, { usd: 0.5, tokens: 50 });
  assert.deepEqual(c.byAdapter, { codex: { usd: 1, tokens: 100 }, gemini: { usd: 2, tokens: 200 } });
});
