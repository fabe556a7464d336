// The dashboard's pure parts: shaping the snapshot, routing, the Host check, the page's escaping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Message } from '../work/mail.js';
import type { MergeRequest } from '../work/merge-request.js';
import { attemptReason, groupAgentsByRig, mailbox, rigQueue, snapshotKey, type AgentView, type DashboardSnapshot } from './snapshot.js';
import { dashboardUrl, hostAllowed, route } from './server.js';
import { escapeHtml, pageHtml, PAGE_CSP } from './page.js';

const agent = (address: string, role: AgentView['role'], rig?: string, state: AgentView['state'] = 'idle'): AgentView =>
  ({ address, role, rig, state, restarts: 0, gaveUp: false });

test('agents: town roles first, then every rig (even an empty one), roles in a fixed order; the overseer is no agent', () => {
  const groups = groupAgentsByRig([
    agent('demo/polecats/b', 'polecat', 'demo', 'working'),
    agent('overseer', 'overseer'),
    agent('demo/witness', 'witness', 'demo'),
    agent('demo/polecats/a', 'polecat', 'demo', 'dead'),
    agent('deacon', 'deacon'),
    agent('mayor', 'mayor'),
  ], ['demo', 'quiet']);
  assert.deepEqual(groups.map((g) => [g.rig, g.agents.map((a) => a.address)]), [
    [undefined, ['mayor', 'deacon']],
    ['demo', ['demo/witness', 'demo/polecats/a', 'demo/polecats/b']],
    ['quiet', []],
  ]);
  assert.deepEqual(groupAgentsByRig([], []), [], 'no town group when there are no town agents');
});

const mr = (id: string, state: MergeRequest['state'], extra: Partial<MergeRequest> = {}): MergeRequest => ({
  id, rig: 'demo', branch: `polecat/x/${id}`, target: 'main', source_bead: `src-${id}`, state, priority: 2,
  created_at: `2025-01-01T00:00:0${id.slice(-1)}Z`, attempts: [], ...extra,
});

test('a rig queue: queued by priority then age, testing, and the latest landed or bounced with why', () => {
  const q = rigQueue('demo', [
    mr('m1', 'queued'),
    mr('m2', 'queued', { priority: 0 }),
    mr('m3', 'testing'),
    mr('m4', 'merged', { merge_commit: 'abcdef1234567890', attempts: [{ attempt: 1, at: '2025-01-02T00:00:00Z', outcome: 'merged', commit: 'abcdef1234567890' }] }),
    mr('m5', 'bounced', { attempts: [{ attempt: 1, at: '2025-01-03T00:00:00Z', outcome: 'conflict', conflict_files: ['a.ts', 'b.ts'], detail: 'CONFLICT\nreturned as de-fix1' }] }),
    mr('m6', 'merged'),
  ], 2);
  assert.deepEqual(q.queued.map((m) => m.id), ['m2', 'm1']);
  assert.deepEqual(q.testing.map((m) => m.id), ['m3']);
  assert.deepEqual(q.recent.map((m) => [m.id, m.reason, m.fix]), [['m5', 'conflict in a.ts, b.ts', 'de-fix1'], ['m4', 'merged abcdef1234', undefined]], 'newest first, cut to the limit');
});

test('attempt reasons read like the refinery\'s bounce reasons', () => {
  const at = '2025-01-01T00:00:00Z';
  assert.equal(attemptReason({ attempt: 1, at, outcome: 'red', test_output_tail: 'x' }), 'failing tests');
  assert.equal(attemptReason({ attempt: 1, at, outcome: 'error', detail: 'push rejected\nmore' }), 'push rejected');
  assert.equal(attemptReason({ attempt: 1, at, outcome: 'conflict', conflict_files: ['a', 'b', 'c', 'd', 'e'] }), 'conflict in a, b, c and 2 more');
  assert.equal(attemptReason({ attempt: 1, at, outcome: 'conflict' }), 'conflict');
});

test('a mailbox: newest first, unread counted over unarchived mail, bodies cut to one line', () => {
  const m = (id: string, created_at: string, extra: Partial<Message> = {}): Message =>
    ({ id, from: 'deacon', to: 'mayor', subject: `s${id}`, body: `\n  first line of ${id}\nsecond`, thread: id, read: false, archived: false, created_at, ...extra });
  const box = mailbox('mayor', [m('1', '2025-01-01'), m('2', '2025-01-03', { read: true }), m('3', '2025-01-02', { archived: true }), m('4', '2025-01-04', { body: 'x'.repeat(300) })], 3);
  assert.equal(box.unread, 2);
  assert.deepEqual(box.messages.map((x) => x.id), ['4', '2', '3']);
  assert.equal(box.messages[1]!.preview, 'first line of 2');
  assert.equal(box.messages[0]!.preview.length, 140);
});

test('the snapshot key ignores only the time it was built', () => {
  const s = { town: { name: 't', root: '/t', id: 'x' }, generated_at: 'a', rigs: [], byState: {}, agents: [], queues: [], convoys: [], mail: [] } as unknown as DashboardSnapshot;
  assert.equal(snapshotKey(s), snapshotKey({ ...s, generated_at: 'b' }));
  assert.notEqual(snapshotKey(s), snapshotKey({ ...s, byState: { working: 1 } }));
});

test('routes: the page (GET and HEAD), the API, details by id, actions by POST; anything else 404 or 405', () => {
  assert.deepEqual(route('GET', '/'), { kind: 'page' });
  assert.deepEqual(route('HEAD', '/'), { kind: 'page' });
  assert.deepEqual(route('GET', '/worker.js'), { kind: 'worker' });
  assert.deepEqual(route('GET', '/api/mr/de-m1'), { kind: 'mr', id: 'de-m1' });
  assert.deepEqual(route('GET', `/api/agent/${encodeURIComponent('demo/polecats/ace')}/pane`), { kind: 'pane', agent: 'demo/polecats/ace' });
  assert.equal(route('GET', '/api/beads?q=x&status=open').kind, 'beads');
  assert.deepEqual(route('POST', '/api/action/sling'), { kind: 'action', action: 'sling' });
  assert.deepEqual(route('GET', '/api/action/sling'), { kind: 'method-not-allowed', allow: 'POST' });
  assert.deepEqual(route('GET', '/?x=1'), { kind: 'page' });
  assert.deepEqual(route('GET', '/api/status'), { kind: 'status' });
  assert.deepEqual(route('GET', '/api/events'), { kind: 'events' });
  assert.deepEqual(route('GET', '/api/bead/de-abc.1'), { kind: 'bead', id: 'de-abc.1' });
  assert.deepEqual(route('GET', '/api/bead/hq%2Dx'), { kind: 'bead', id: 'hq-x' });
  for (const path of ['/api/bead/', '/api/bead/a/b', '/api/bead/%E0%A4%A', '/api/status/', '/index.html', '/api']) assert.deepEqual(route('GET', path), { kind: 'not-found' }, path);
  for (const method of ['POST', 'PUT', 'DELETE']) assert.deepEqual(route(method, '/api/status'), { kind: 'method-not-allowed', allow: 'GET, HEAD' }, method);
});

test('bound to loopback, only loopback Host names are answered (no DNS rebinding); bound elsewhere, any', () => {
  for (const h of ['127.0.0.1:7777', 'localhost:7777', 'LOCALHOST', '[::1]:80', '127.0.0.1', undefined]) assert.ok(hostAllowed(h, '127.0.0.1'), String(h));
  for (const h of ['evil.example:7777', 'evil.example', '10.0.0.5:7777', '127.0.0.1.evil.example']) assert.ok(!hostAllowed(h, '127.0.0.1'), h);
  assert.ok(hostAllowed('box.lan:7777', '0.0.0.0'));
  assert.equal(dashboardUrl('127.0.0.1', 7777), 'http://127.0.0.1:7777/');
  assert.equal(dashboardUrl('::1', 80), 'http://[::1]:80/');
});

test('the page escapes the town name and allows only its own inline script', () => {
  assert.equal(escapeHtml(`<a href="x">'&`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;');
  const html = pageHtml('<script>alert(1)</script>');
  assert.ok(!html.includes('<script>alert(1)'));
  assert.equal(html.match(/<script>/g)?.length, 1);
  assert.match(PAGE_CSP, /script-src 'sha256-[A-Za-z0-9+/=]+'/);
  assert.match(PAGE_CSP, /default-src 'none'/);
});
