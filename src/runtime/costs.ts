// Usage and cost per session, per identity and per set of beads (a convoy), from what each agent
// CLI records on disk: Claude Code's transcript, codex's rollouts, gemini's chat files, opencode's
// database (usage-*.ts). The session record says where (transcript, usage_source) and when.
import { statSync } from 'node:fs';
import type { Town } from '../town/town.js';
import { listAgents } from '../town/identity.js';
import type { RuntimeSessionRecord } from './launch.js';
import { readTranscriptUsage, addUsage, EMPTY_USAGE, type Usage } from './usage.js';
import { codexUsage } from './usage-codex.js';
import { geminiUsage } from './usage-gemini.js';
import { opencodeUsage } from './usage-opencode.js';

export interface SessionCost { agent: string; adapter: string; session_name: string; session_id?: string; bead?: string; started_at: string; usage: Usage }
export interface CostReport { sessions: SessionCost[]; byAgent: Record<string, Usage>; total: Usage }

/**
 * One session's usage, or undefined when its CLI recorded none (or reports none: shell, custom).
 * `nextStart` bounds a session with no end recorded, so a later session in the same directory is
 * not counted twice. Remembered for the life of the process while what it was read from cannot
 * have changed: the dashboard and the feed rebuild on every store change, and re-reading every
 * transcript of every session each time grew with the town's whole history.
 */
export function sessionUsage(s: RuntimeSessionRecord, nextStart?: string): Usage | undefined {
  const to = Date.parse(s.ended_at ?? nextStart ?? '') || undefined;
  const key = JSON.stringify([s.adapter, s.session_name, s.started_at, s.transcript, s.usage_source, s.cwd, s.session_id, to]);
  const sig = sourceSignature(s, to);
  const known = sig === undefined ? undefined : remembered.get(key);
  if (known && known.sig === sig) return known.usage;
  const usage = readUsage(s, to);
  if (sig !== undefined) remembered.set(key, { sig, usage });
  return usage;
}

const remembered = new Map<string, { sig: string; usage: Usage | undefined }>();

/** A CLI may still write its last lines just after its session is seen to end: trust an end only this long after. */
const SETTLED_MS = 60_000;

/**
 * What the usage was read from, as far as it can change: a transcript's size and mtime; for the
 * other CLIs (directories and databases shared by many sessions) only the fact that the session
 * ended long enough ago. Undefined: read again every time.
 */
function sourceSignature(s: RuntimeSessionRecord, to: number | undefined): string | undefined {
  if (s.transcript) {
    try {
      const st = statSync(s.transcript);
      return `${st.size}:${st.mtimeMs}`;
    } catch {
      return undefined; // not written yet
    }
  }
  return to !== undefined && Date.now() - to > SETTLED_MS ? 'ended' : undefined;
}

function readUsage(s: RuntimeSessionRecord, to: number | undefined): Usage | undefined {
  if (s.transcript) return readTranscriptUsage(s.transcript);
  if (!s.usage_source) return undefined;
  const from = Date.parse(s.started_at);
  switch (s.adapter) {
    case 'codex': return s.cwd ? codexUsage(s.usage_source, s.cwd, from, to) : undefined;
    case 'gemini': return s.session_id ? geminiUsage(s.usage_source, s.session_id) : undefined;
    case 'opencode': return s.cwd ? opencodeUsage(s.usage_source, s.cwd, from, to) : undefined;
    default: return undefined;
  }
}

export async function costReport(town: Town, filter: { agent?: string; rig?: string; beads?: string[] } = {}): Promise<CostReport> {
  const sessions: SessionCost[] = [];
  for (const a of await listAgents(town, { rig: filter.rig, includeRetired: true })) {
    if (filter.agent && a.address !== filter.agent) continue;
    const records = a.sessions as RuntimeSessionRecord[];
    records.forEach((s, i) => {
      if (filter.beads && (!s.bead || !filter.beads.includes(s.bead))) return;
      const usage = sessionUsage(s, records[i + 1]?.started_at);
      if (usage) sessions.push({ agent: a.address, adapter: s.adapter, session_name: s.session_name, session_id: s.session_id, bead: s.bead, started_at: s.started_at, usage });
    });
  }
  const byAgent: Record<string, Usage> = {};
  let total = EMPTY_USAGE;
  for (const s of sessions) {
    byAgent[s.agent] = addUsage(byAgent[s.agent] ?? EMPTY_USAGE, s.usage);
    total = addUsage(total, s.usage);
  }
  return { sessions, byAgent, total };
}
