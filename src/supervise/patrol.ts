// One patrol pass over the town: each rig's Witness (restart the dead, nudge the idle), each rig's
// Refinery (drain the merge queue), then convoys (close the landed ones, sling staged beads whose
// blockers have landed while capacity allows). The daemon and the demo
// call it in a loop; every step is idempotent, so passes may overlap with manual commands.
import { brokenRigs, listRigs } from '../town/rig.js';
import type { Town } from '../town/town.js';
import type { RefineryRunReport } from '../refinery/service.js';
import { refreshConvoys, type ConvoyFailure } from '../work/convoy.js';
import { feedConvoys, type FeedReport } from '../work/feed.js';
import { capacityView } from '../work/capacity.js';
import { witnessPatrol, type WitnessReport } from './witness.js';

export interface PatrolReport {
  witness: WitnessReport[];
  refinery: RefineryRunReport[];
  landed: string[];
  /** Staged convoy beads slung this pass. */
  fed: FeedReport;
  /** Failures of one rig's witness or refinery, of one convoy, or of feeding; the rest is still patrolled. */
  errors: PatrolError[];
  /** Did anything happen? (drives the idle backoff) */
  busy: boolean;
  /** Polecats exist or beads wait staged: work is moving, so the next patrol should come soon. */
  inFlight: boolean;
}

/** What failed (a rig's witness or refinery, or one convoy) and why. */
export type PatrolError = { rig: string; phase: 'config' | 'witness' | 'refinery' | 'feed'; message: string } | { convoy: string; phase: 'convoy'; message: string };

export interface PatrolOptions {
  batch?: number;
  log?: (line: string) => void;
}

export async function patrolOnce(town: Town, opts: PatrolOptions = {}): Promise<PatrolReport> {
  const { runRefinery } = await import('../refinery/service.js');
  const { RefineryBusyError } = await import('../refinery/journal.js');
  const report: PatrolReport = { witness: [], refinery: [], landed: [], fed: { slung: [], waiting: 0, errors: [] }, errors: [], busy: false, inFlight: false };
  // A rig whose config does not load is reported each pass; the others are patrolled.
  for (const b of brokenRigs(town)) report.errors.push({ rig: b.rig, phase: 'config', message: b.error.message });
  for (const rig of listRigs(town)) {
    try {
      report.witness.push(...(await witnessPatrol(town, rig)));
    } catch (e) {
      report.errors.push({ rig: rig.name, phase: 'witness', message: (e as Error).message });
    }
    try {
      report.refinery.push(await runRefinery(town, rig, { batch: opts.batch, log: opts.log }));
    } catch (e) {
      // Another refinery holds the rig's lock (a manual `gt refinery run`): it is draining already.
      if (!(e instanceof RefineryBusyError)) report.errors.push({ rig: rig.name, phase: 'refinery', message: (e as Error).message });
    }
  }
  const failed: ConvoyFailure[] = [];
  try {
    report.landed = await refreshConvoys(town, undefined, 'deacon', failed);
  } catch (e) {
    failed.push({ convoy: 'convoys', message: (e as Error).message }); // the HQ store itself: still not the patrol's end
  }
  report.errors.push(...failed.map((f) => ({ convoy: f.convoy, phase: 'convoy' as const, message: f.message })));
  for (const f of failed) opts.log?.(`convoy ${f.convoy}: ${f.message}`);
  try {
    report.fed = await feedConvoys(town, { actor: 'deacon', log: opts.log });
    for (const e of report.fed.errors) report.errors.push({ rig: '-', phase: 'feed', message: `${e.bead}: ${e.message}` });
  } catch (e) {
    report.errors.push({ rig: '-', phase: 'feed', message: (e as Error).message });
  }
  report.busy = report.witness.some((w) => !w.error) || report.landed.length > 0 || report.fed.slung.length > 0 ||
    report.refinery.some((r) => r.merged.length + r.bounced.length > 0);
  report.inFlight = report.fed.waiting > 0 || (await capacityView(town)).town.running > 0;
  return report;
}

/** While work is in flight the deacon patrols at least this often (a handed-in MR waits no longer). */
export const IN_FLIGHT_MAX_DELAY_MS = 2000;

/** Exponential backoff while idle: base, 2x, 4x ... capped; back to base after work. */
export function nextDelay(prevMs: number, busy: boolean, baseMs = 1000, maxMs = 60_000): number {
  return busy ? baseMs : Math.min(maxMs, Math.max(baseMs, prevMs * 2));
}
