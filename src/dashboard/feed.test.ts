// The feed's pure parts: what changed between two snapshots, filters, and the problems view.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffSnapshots, matchesFeed, townProblems, type FeedItem } from './feed.js';
import type { AgentView, ConvoyView, DashboardSnapshot, MrView } from './snapshot.js';

const agent = (address: string, state: AgentView['state'], extra: Partial<AgentView> = {}): AgentView =>
  ({ address, role: 'polecat', rig: address.split('/')[0], state, restarts: 0, gaveUp: false, ...extra });
const mr = (id: string, state: MrView['state'], extra: Partial<MrView> = {}): MrView =>
  ({ id, state, branch: `polecat/x/${id}`, source_bead: `src-${id}`, priority: 2, attempts: 1, at: '2026-01-01T00:00:00Z', ...extra });
const convoy = (id: string, status: string, closed: number, total: number, extra: Partial<ConvoyView> = {}): ConvoyView =>
  ({ id, title: id, status, closed, total, landed: closed === total, tracked: [], staged: [], created_at: '', counts: { closed, active: 0, open: total - closed }, ...extra });
const snap = (o: Partial<DashboardSnapshot>): DashboardSnapshot => ({
  town: { name: 't', root: '/t', id: 'x' }, generated_at: '2026-01-01T00:01:00Z', rigs: [], byState: {}, agents: [], queues: [], convoys: [], mail: [], gates: [], costs: { total: { usd: 0, tokens: 0 }, byAgent: {}, byRig: {}, byConvoy: {}, byDay: {}, byAdapter: {} }, ...o,
});

test('the diff names each change once: agent states, MR outcomes, convoy progress and landing, new mail', () => {
  const prev = snap({
    agents: [{ rig: 'demo', agents: [agent('demo/polecats/ace', 'working', { hook: 'de-1' }), agent('demo/polecats/gone', 'done')] }],
    queues: [{ rig: 'demo', queued: [mr('m1', 'queued')], testing: [], recent: [] }],
    convoys: [convoy('hq-c', 'open', 0, 2)],
    mail: [{ address: 'mayor', unread: 0, messages: [], threads: [] }],
  });
  const next = snap({
    agents: [{ rig: 'demo', agents: [agent('demo/polecats/ace', 'dead', { hook: 'de-1', reason: 'session gone' })] }],
    queues: [{ rig: 'demo', queued: [], testing: [], recent: [mr('m1', 'merged', { title: 'Add x', reason: 'merged abc' })] }],
    convoys: [convoy('hq-c', 'closed', 2, 2)],
    mail: [{ address: 'mayor', unread: 1, messages: [{ id: 'hq-m', from: 'deacon', subject: 'Convoy landed', preview: '', read: false, archived: false, created_at: '2026-01-01T00:00:30Z', thread: 'hq-m' }], threads: [] }],
  });
  assert.deepEqual(diffSnapshots(prev, next).map((i) => [i.type, i.text]), [
    ['agent', 'demo/polecats/ace working -> dead (session gone)'],
    ['agent', 'demo/polecats/gone decommissioned'],
    ['mr', 'm1 merged "Add x": merged abc'],
    ['convoy', 'convoy hq-c "hq-c" landed, 2/2'],
    ['mail', 'mail deacon -> mayor: Convoy landed'],
  ]);
  assert.deepEqual(diffSnapshots(next, next), [], 'nothing changed, nothing said');
});

test('filters: by type, by rig (its agents and MRs), by agent address or name', () => {
  const i = (type: FeedItem['type'], rig?: string, agentAddr?: string): FeedItem => ({ at: '', type, rig, agent: agentAddr, text: '' });
  assert.ok(matchesFeed(i('agent', 'demo', 'demo/polecats/ace'), { rig: 'demo', agent: 'ace', types: ['agent'] }));
  assert.ok(!matchesFeed(i('agent', 'other', 'other/polecats/ace'), { rig: 'demo' }));
  assert.ok(!matchesFeed(i('mail', undefined, 'mayor'), { types: ['mr'] }));
  assert.ok(matchesFeed(i('mail', undefined, 'mayor'), {}));
});

test('problems: dead and stuck agents, a bounced MR whose fix has no worker (a merged fix is no problem), red main, a convoy nobody works, a gate waiting for a person', () => {
  const s = snap({
    agents: [{ rig: 'demo', agents: [agent('demo/polecats/a', 'dead', { reason: 'gone' }), agent('demo/polecats/b', 'stuck'), agent('demo/polecats/c', 'working', { hook: 'de-fix2' })] }],
    queues: [{ rig: 'demo', queued: [mr('m3', 'queued')], testing: [], recent: [mr('m1', 'bounced', { fix: 'de-fix1', reason: 'failing tests' }), mr('m2', 'bounced', { fix: 'de-fix2' }), mr('m4', 'bounced', { fix: 'de-fix4' }), mr('m5', 'merged', { source_bead: 'de-fix4' })], mainRed: { commit: 'abcdef123456' } }],
    convoys: [convoy('hq-s', 'open', 0, 1, { tracked: [{ id: 'de-9', title: '', status: 'open' }] }), convoy('hq-w', 'open', 0, 1, { tracked: [{ id: 'de-fix2', title: '', status: 'hooked' }], counts: { closed: 0, active: 1, open: 0 } })],
    gates: [{ id: 'de-mol.7', rig: 'demo', title: 'Gate (human): the overseer approves shipping', created_at: '' }],
  });
  assert.deepEqual(townProblems(s).map((p) => [p.kind, p.id]), [
    ['dead-agent', 'demo/polecats/a'], ['stuck-agent', 'demo/polecats/b'], ['red-main', 'abcdef123456'], ['bounced-mr', 'm1'], ['stranded-convoy', 'hq-s'], ['open-gate', 'de-mol.7'],
  ]);
  assert.match(townProblems(s).at(-1)!.text, /gt gate approve de-mol\.7/);
});
