// One patrol pass over the town: each rig's Witness (restart the dead, nudge the idle), each rig's
// Refinery (drain the merge queue), then convoys (close the landed ones). The daemon and the demo
// call it in a loop; every step is idempotent, so passes may overlap with manual commands.
import { listRigs } from '../town/rig.js';
import type { Town } from '../town/town.js';
import type { RefineryRunReport } from '../refinery/service.js';
import { refreshConvoys, type ConvoyFailure } from '../work/convoy.js';
import { witnessPatrol, type WitnessReport } from './witness.js';

export interface PatrolReport {
  witness: WitnessReport[];
  refinery: RefineryRunReport[];
  landed: string[];
  /** Failures of one rig's witness or refinery, or of one convoy; the other rigs and convoys are still patrolled. */
  errors: PatrolError[];
  /** Did anything happen? (drives the idle backoff) */
  busy: boolean;
}

/** What failed (a rig's witness or refinery, or one convoy) and why. */
export type PatrolError = { rig: string; phase: 'witness' | 'refinery'; message: string } | { convoy: string; phase: 'convoy'; message: string };

export interface PatrolOptions {
  batch?: number;
  log?: (line: string) => void;
}

export async function patrolOnce(town: Town, opts: PatrolOptions = {}): Promise<PatrolReport> {
  const { runRefinery } = await import('../refinery/service.js');
  const { RefineryBusyError } = await import('../refinery/journal.js');
  const report: PatrolReport = { witness: [], refinery: [], landed: [], errors: [], busy: false };
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
    report.landed = refreshConvoys(town, undefined, 'deacon', failed);
  } catch (e) {
    failed.push({ convoy: 'convoys', message: (e as Error).message }); // the HQ store itself: still not the patrol's end
  }
  report.errors.push(...failed.map((f) => ({ convoy: f.convoy, phase: 'convoy' as const, message: f.message })));
  for (const f of failed) opts.log?.(`convoy ${f.convoy}: ${f.message}`);
  report.busy = report.witness.some((w) => !w.error) || report.landed.length > 0 || report.refinery.some((r) => r.merged.length + r.bounced.length > 0);
  return report;
}

/** Exponential backoff while idle: base, 2x, 4x ... capped; back to base after work. */
export function nextDelay(prevMs: number, busy: boolean, baseMs = 1000, maxMs = 60_000): number {
  return busy ? baseMs : Math.min(maxMs, Math.max(baseMs, prevMs * 2));
}
