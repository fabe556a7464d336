// Usage and cost per session, per identity and per set of beads (a convoy), from the transcripts
// recorded on identities' sessions.
import type { Town } from '../town/town.js';
import { listAgents } from '../town/identity.js';
import type { RuntimeSessionRecord } from './launch.js';
import { readTranscriptUsage, addUsage, EMPTY_USAGE, type Usage } from './usage.js';

export interface SessionCost { agent: string; session_name: string; session_id?: string; bead?: string; started_at: string; usage: Usage }
export interface CostReport { sessions: SessionCost[]; byAgent: Record<string, Usage>; total: Usage }

export async function costReport(town: Town, filter: { agent?: string; rig?: string; beads?: string[] } = {}): Promise<CostReport> {
  const sessions: SessionCost[] = [];
  for (const a of await listAgents(town, { rig: filter.rig, includeRetired: true })) {
    if (filter.agent && a.address !== filter.agent) continue;
    for (const s of a.sessions as RuntimeSessionRecord[]) {
      if (filter.beads && (!s.bead || !filter.beads.includes(s.bead))) continue;
      const usage = readTranscriptUsage(s.transcript);
      if (usage) sessions.push({ agent: a.address, session_name: s.session_name, session_id: s.session_id, bead: s.bead, started_at: s.started_at, usage });
    }
  }
  const byAgent: Record<string, Usage> = {};
  let total = EMPTY_USAGE;
  for (const s of sessions) {
    byAgent[s.agent] = addUsage(byAgent[s.agent] ?? EMPTY_USAGE, s.usage);
    total = addUsage(total, s.usage);
  }
  return { sessions, byAgent, total };
}
