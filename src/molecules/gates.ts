// Gates: a step that waits for something besides its predecessors. A pour gives each gated step
// a gate bead (type gate, a child of the root after the steps) that the step depends on, so the
// tracker's own blocked state holds the step back until the gate bead closes:
//   human   - closed by a person (`gt gate approve`, `bd gate resolve`);
//   timer   - closed by the deacon once `after` has passed since the pour;
//   command - closed by the deacon when its shell check exits 0 (retried with back-off; the
//             output is recorded);
//   bead    - a bead of the same store: no gate bead, the step depends on that bead directly;
//             a bead of another store (another rig's, HQ's): a gate bead the deacon closes once
//             that bead is closed (a dependency cannot cross stores).
// When a human gate becomes the only thing its step waits for, the deacon mails the overseer once
// (the gate bead records it in `notified_at`).
// Gas Town's `conditional` gate does not block: the agent judges the condition at that step.
import { UserError } from '../lib/errors.js';
import type { Issue, Status, Tx } from '../beads/api.js';
import { BLOCKING_DEP_TYPES } from '../beads/model.js';
import { isOpenBlocker } from '../beads/ready.js';
import { DURATION_RE, type StepGate } from './formula.js';

export const GATE_TYPE = 'gate';

/** What a gate bead carries in its fields. */
export interface GateState {
  gate: StepGate;
  /** The formula step it holds back. */
  gate_step: string;
  /** timer: when it opens (ISO). */
  open_at?: string;
  /** command: when to run the check next (ISO), how many times it failed, what it said last. */
  next_check_at?: string;
  attempts?: number;
  last_output?: string;
  /** human: when the overseer was mailed that the step waits on them (ISO). */
  notified_at?: string;
}

/** Is this bead id outside the store with this prefix (another rig's or HQ's)? */
export function isForeignBead(id: string, prefix: string): boolean {
  return !id.startsWith(`${prefix}-`);
}

/** Gates the tracker enforces with a gate bead (in a store of this prefix). */
export function needsGateBead(g: StepGate, prefix: string): boolean {
  if (g.type === 'bead') return isForeignBead(g.bead!, prefix);
  return g.type === 'human' || g.type === 'timer' || g.type === 'command';
}

export function durationMs(after: string): number {
  const m = DURATION_RE.exec(after.trim());
  if (!m) throw new UserError(`invalid duration "${after}"`, 'use e.g. 30s, 30m, 2h or 1d');
  return Number(m[1]) * { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

/** The gate bead's title: what the step waits for, in words. */
export function gateTitle(g: StepGate, stepTitle: string): string {
  const what = g.description ?? {
    human: `a person approves "${stepTitle}"`,
    timer: `${g.after} pass before "${stepTitle}"`,
    command: `\`${g.command}\` succeeds before "${stepTitle}"`,
    bead: `${g.bead} closes`,
    conditional: `${g.condition}`,
  }[g.type];
  return `Gate (${g.type}): ${what}`.slice(0, 500);
}

/** Back-off between failed command checks: 30 s doubling, at most 30 min. */
export function backoffMs(attempts: number): number {
  return Math.min(30_000 * 2 ** Math.max(0, attempts - 1), 30 * 60_000);
}

export type GateDecision = 'open' | 'check' | 'look' | 'wait';

/** What the deacon does with an open gate at `now` (pure); `look`: read the bead a bead gate waits for. */
export function gateDecision(s: GateState, now: number): GateDecision {
  if (s.gate.type === 'timer') return s.open_at && Date.parse(s.open_at) <= now ? 'open' : 'wait';
  if (s.gate.type === 'command') return !s.next_check_at || Date.parse(s.next_check_at) <= now ? 'check' : 'wait';
  if (s.gate.type === 'bead') return 'look';
  return 'wait';
}

function gateState(i: Issue): GateState {
  return i.fields as unknown as GateState;
}

/** Opens a gate by hand (a human gate's approval; any gate can be forced open). */
export async function resolveGate(store: Tx, id: string, actor: string, reason?: string): Promise<Issue> {
  return store.transaction(async (tx) => {
    const g = await tx.mustGet(id);
    if (g.issue_type !== GATE_TYPE) throw new UserError(`${g.id} is not a gate (it is a ${g.issue_type})`, "'gt mol status <molecule>' shows each gated step's gate id");
    if (g.status === 'closed') return g;
    const by = reason?.trim() || `${gateState(g).gate?.type === 'human' ? 'approved' : 'resolved'} by ${actor}`;
    return (await tx.closeIssues([g.id], by, actor))[0]!;
  });
}

export interface GateCheck { id: string; type: string; action: 'opened' | 'failed' | 'notified'; detail: string }

/** What the deacon's pass needs from outside the store: a shell, and beads of other stores. */
export interface GateWorld {
  /** Runs one shell command (a command gate's check). */
  run: (command: string) => Promise<{ code: number | null; output: string }>;
  /** The status of a bead in any store of the town; undefined when there is no such bead. */
  beadStatus: (id: string) => Promise<Status | undefined>;
}

/**
 * The deacon's pass over a store's open timer, command and (cross-store) bead gates: opens the
 * due timers, runs the due checks, opens bead gates whose bead closed, and records what happened.
 */
export async function checkGates(store: Tx, now: number, actor: string, world: GateWorld): Promise<GateCheck[]> {
  const done: GateCheck[] = [];
  const open = await store.list({ type: GATE_TYPE, status: 'open', includeEphemeral: true });
  for (const g of open) {
    const s = gateState(g);
    const decision = gateDecision(s, now);
    if (decision === 'look') {
      const status = await world.beadStatus(s.gate.bead!);
      if (status && !isOpenBlocker(status)) {
        await store.closeIssues([g.id], `${s.gate.bead} is ${status}`, actor);
        done.push({ id: g.id, type: 'bead', action: 'opened', detail: `${s.gate.bead} ${status}` });
      }
    } else if (decision === 'open') {
      await store.closeIssues([g.id], `timer passed (${s.gate.after})`, actor);
      done.push({ id: g.id, type: s.gate.type, action: 'opened', detail: `timer ${s.gate.after}` });
    } else if (decision === 'check') {
      const r = await world.run(s.gate.command!);
      const output = r.output.trim().slice(-2000);
      if (r.code === 0) {
        await store.closeIssues([g.id], `check passed: ${output.split('\n').pop() || 'exit 0'}`, actor);
        await store.update(g.id, { notes: output || '(no output)' }, actor);
        done.push({ id: g.id, type: 'command', action: 'opened', detail: output });
      } else {
        const attempts = (s.attempts ?? 0) + 1;
        await store.update(g.id, { fields: { attempts, last_output: output, next_check_at: new Date(now + backoffMs(attempts)).toISOString() } }, actor);
        done.push({ id: g.id, type: 'command', action: 'failed', detail: `exit ${r.code}: ${output}` });
      }
    }
  }
  return done;
}

/** An open human gate whose step now waits on nothing else: the overseer is to be told. */
export interface WaitingOnPerson { gate: Issue; step: Issue }

/**
 * Open human gates, not yet announced, whose step is open and blocked by nothing but the gate
 * (its other blockers closed; one in another store is asked of `beadStatus`).
 */
export async function humanGatesWaiting(store: Tx, beadStatus: (id: string) => Promise<Status | undefined>): Promise<WaitingOnPerson[]> {
  const out: WaitingOnPerson[] = [];
  const open = await store.list({ type: GATE_TYPE, status: 'open', includeEphemeral: true });
  for (const gate of open) {
    const s = gateState(gate);
    const dot = gate.id.lastIndexOf('.');
    if (s.gate?.type !== 'human' || s.notified_at || dot < 0) continue;
    const root = gate.id.slice(0, dot); // a gate bead is a child of its molecule's root
    const step = (await store.list({ parent: root, includeEphemeral: true, fields: { mol_step: s.gate_step } })).find((x) => x.issue_type !== GATE_TYPE);
    if (!step || step.status !== 'open') continue;
    let waiting = true;
    for (const d of step.dependencies) {
      if (!BLOCKING_DEP_TYPES.includes(d.type) || d.depends_on_id === gate.id) continue;
      const status = (await store.getExact(d.depends_on_id))?.status ?? (await beadStatus(d.depends_on_id));
      if (isOpenBlocker(status)) { waiting = false; break; }
    }
    if (waiting) out.push({ gate, step });
  }
  return out;
}

/** Records that the overseer was told about this gate (so it is told once). */
export async function markNotified(store: Tx, gateId: string, at: Date, actor: string): Promise<void> {
  await store.update(gateId, { fields: { notified_at: at.toISOString() } }, actor);
}
