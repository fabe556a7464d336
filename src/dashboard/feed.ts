// The town's activity feed and its problems view, shared by `gt feed` and the dashboard. Activity
// is what changed between two snapshots of the town (agents' shown states, merge requests,
// convoys, mail, rigs), so the terminal and the page tell the same story from the same reads.
// Both the diff and the problems are pure functions over snapshots.
import type { AgentView, DashboardSnapshot, MrView } from './snapshot.js';

export type FeedType = 'agent' | 'mr' | 'convoy' | 'mail' | 'rig';
export const FEED_TYPES: FeedType[] = ['agent', 'mr', 'convoy', 'mail', 'rig'];

export interface FeedItem { at: string; type: FeedType; rig?: string; agent?: string; id?: string; text: string }

export interface FeedFilter { rig?: string; agent?: string; types?: FeedType[] }

const agentsOf = (s: DashboardSnapshot) => new Map(s.agents.flatMap((g) => g.agents).map((a): [string, AgentView] => [a.address, a]));
const mrsOf = (s: DashboardSnapshot) => new Map(s.queues.flatMap((q) => [...q.testing, ...q.queued, ...q.recent].map((m): [string, MrView & { rig: string }] => [m.id, { ...m, rig: q.rig }])));
const mrText = (m: MrView) => `${m.id} ${m.state}${m.title ? ` "${m.title}"` : ''}${m.reason ? `: ${m.reason}` : ''}${m.fix ? ` (fix ${m.fix})` : ''}`;

/** What happened between two snapshots, oldest first. Pure. */
export function diffSnapshots(prev: DashboardSnapshot, next: DashboardSnapshot): FeedItem[] {
  const at = next.generated_at;
  const out: FeedItem[] = [];
  for (const r of next.rigs) if (!prev.rigs.some((p) => p.name === r.name)) out.push({ at, type: 'rig', rig: r.name, text: `rig ${r.name} added` });
  const before = agentsOf(prev);
  const after = agentsOf(next);
  for (const [address, a] of after) {
    const b = before.get(address);
    if (b && b.state === a.state && b.hook === a.hook) continue;
    const why = a.reason && (a.state === 'dead' || a.state === 'stuck') ? ` (${a.reason})` : '';
    const hook = a.hook && a.hook !== b?.hook ? `, hook ${a.hook}` : '';
    out.push({ at, type: 'agent', rig: a.rig, agent: address, text: b ? `${address} ${b.state} -> ${a.state}${hook}${why}` : `${address} appeared, ${a.state}${hook}${why}` });
  }
  for (const [address, b] of before) if (!after.has(address)) out.push({ at, type: 'agent', rig: b.rig, agent: address, text: `${address} decommissioned` });
  const mrsBefore = mrsOf(prev);
  for (const [id, m] of mrsOf(next)) {
    const b = mrsBefore.get(id);
    if (b?.state === m.state) continue;
    out.push({ at, type: 'mr', rig: m.rig, agent: m.polecat, id, text: mrText(m) });
  }
  for (const c of next.convoys) {
    const b = prev.convoys.find((x) => x.id === c.id);
    if (!b) out.push({ at, type: 'convoy', id: c.id, text: `convoy ${c.id} "${c.title}" ${c.status === 'closed' ? 'landed' : 'created'}, ${c.closed}/${c.total}` });
    else if (b.status !== c.status && c.status === 'closed') out.push({ at, type: 'convoy', id: c.id, text: `convoy ${c.id} "${c.title}" landed, ${c.closed}/${c.total}` });
    else if (b.closed !== c.closed || b.total !== c.total) out.push({ at, type: 'convoy', id: c.id, text: `convoy ${c.id} "${c.title}" ${c.closed}/${c.total} closed` });
  }
  for (const box of next.mail) {
    const seen = new Set(prev.mail.find((b) => b.address === box.address)?.messages.map((m) => m.id));
    for (const m of [...box.messages].reverse()) if (!seen.has(m.id)) out.push({ at: m.created_at, type: 'mail', agent: box.address, id: m.id, text: `mail ${m.from} -> ${box.address}: ${m.subject}` });
  }
  return out;
}

/** The recent past a feed opens with (like tail's last lines): landed/bounced MRs and mail, oldest first. Pure. */
export function recentActivity(s: DashboardSnapshot): FeedItem[] {
  const items: FeedItem[] = [];
  for (const q of s.queues) for (const m of q.recent) items.push({ at: m.at, type: 'mr', rig: q.rig, agent: m.polecat, id: m.id, text: mrText(m) });
  for (const box of s.mail) for (const m of box.messages) items.push({ at: m.created_at, type: 'mail', agent: box.address, id: m.id, text: `mail ${m.from} -> ${box.address}: ${m.subject}` });
  return items.sort((a, b) => a.at.localeCompare(b.at));
}

/** Whether an item passes the filter: rig, agent (address or its last part), and type. Pure. */
export function matchesFeed(item: FeedItem, f: FeedFilter): boolean {
  if (f.types?.length && !f.types.includes(item.type)) return false;
  if (f.rig && item.rig !== f.rig && !(item.agent ?? '').startsWith(`${f.rig}/`)) return false;
  if (f.agent && item.agent !== f.agent && item.agent?.split('/').pop() !== f.agent) return false;
  return true;
}

export interface Problem { kind: 'dead-agent' | 'stuck-agent' | 'bounced-mr' | 'red-main' | 'stranded-convoy' | 'open-gate'; rig?: string; id: string; text: string }

/**
 * What needs a person: dead or stuck agents, bounced MRs nobody is fixing, a red main holding a
 * queue, open convoys with work nobody holds, gates waiting for a person's approval. Pure.
 */
export function townProblems(s: DashboardSnapshot): Problem[] {
  const out: Problem[] = [];
  for (const g of s.agents) for (const a of g.agents) {
    if (a.state === 'dead') out.push({ kind: 'dead-agent', rig: a.rig, id: a.address, text: `${a.address} is dead: ${a.reason ?? 'no reason recorded'}${a.gaveUp ? ' (the witness gave up)' : ''}` });
    if (a.state === 'stuck') out.push({ kind: 'stuck-agent', rig: a.rig, id: a.address, text: `${a.address} is stuck: ${a.reason ?? 'no reason recorded'}` });
  }
  const working = new Set(s.agents.flatMap((g) => g.agents).filter((a) => a.state !== 'dead' && a.hook).map((a) => a.hook));
  // A fix that reached the queue (queued, testing or merged) has been worked.
  const handedIn = new Set(s.queues.flatMap((q) => [...q.queued, ...q.testing, ...q.recent]).filter((m) => m.state !== 'bounced').map((m) => m.source_bead));
  for (const q of s.queues) {
    if (q.mainRed) out.push({ kind: 'red-main', rig: q.rig, id: q.mainRed.commit, text: `${q.rig}: main ${q.mainRed.commit.slice(0, 10)} fails its tests on its own; ${q.queued.length} MR(s) wait` });
    for (const m of q.recent) {
      if (m.state !== 'bounced' || (m.fix && (working.has(m.fix) || handedIn.has(m.fix)))) continue;
      out.push({ kind: 'bounced-mr', rig: q.rig, id: m.id, text: `${m.id} bounced (${m.reason ?? 'no reason'})${m.fix ? `; its fix ${m.fix} has no worker` : '; no fix bead'}` });
    }
  }
  for (const c of s.convoys) {
    if (c.status === 'closed') continue;
    const waiting = c.tracked.filter((t) => t.status !== 'closed' && !working.has(t.id));
    if (waiting.length && !c.counts.active) out.push({ kind: 'stranded-convoy', id: c.id, text: `convoy ${c.id} "${c.title}": ${waiting.length} bead(s) with no worker (${waiting.slice(0, 3).map((t) => t.id).join(', ')}${waiting.length > 3 ? ', …' : ''})` });
  }
  for (const g of s.gates ?? []) out.push({ kind: 'open-gate', rig: g.rig, id: g.id, text: `gate ${g.id} waits for a person: ${g.title} (gt gate approve ${g.id})` });
  return out;
}

/** One line of the terminal feed. Pure. */
export function feedLine(i: FeedItem): string {
  const t = i.at.slice(11, 19);
  return `${t} ${i.type.padEnd(6)} ${i.text}`;
}
