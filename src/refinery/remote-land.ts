// Landing through the rig's git remote, for a town shared across machines: the remote's main is
// the one main every machine's refinery lands on, so a landing is one atomic push that moves the
// remote's main from the commit the batch was tested on (a compare-and-swap, --force-with-lease)
// and creates one marker ref per landed MR, refs/gt/merged/<mr>, which must not exist yet. Either
// all of it happens or none: main is never half-merged, and an MR can land only once, whichever
// machine tries. A refinery that takes over (the holder died between its push and recording the
// outcome) finds the markers and closes those MRs as merged instead of merging them again.
import { gitErrorLine, gitTry } from '../lib/git.js';
import type { RefineryRepo } from './worktree.js';

const MARKERS = 'refs/gt/merged';
export const markerRef = (mrId: string) => `${MARKERS}/${mrId}`;
/** Where an MR's branch is fetched from the remote (never a local branch a worktree may hold). */
export const fetchedBranchRef = (branch: string) => `refs/gt/mr/${branch}`;

export type PushLanding = { ok: true } | { ok: false; reason: string };

/** One atomic push: main from `expected` to `to`, and a new marker per MR. */
export async function pushLanding(r: RefineryRepo, to: string, expected: string, landed: { id: string; commit: string }[]): Promise<PushLanding> {
  const main = `refs/heads/${r.mainBranch}`;
  const args = ['push', '--atomic', '--quiet', '--no-verify', `--force-with-lease=${main}:${expected}`];
  for (const l of landed) args.push(`--force-with-lease=${markerRef(l.id)}:`);
  args.push('--', r.remote!, `${to}:${main}`, ...landed.map((l) => `${l.commit}:${markerRef(l.id)}`));
  const res = await gitTry(r.repoDir, args, { env: r.env, timeoutMs: 120_000 });
  return res.code === 0 ? { ok: true } : { ok: false, reason: `push to ${r.remote} refused or failed: ${gitErrorLine(res.stderr)}` };
}

/** The MRs already landed on the remote (by any machine), with the commit each landed as. */
export async function landedOnRemote(r: RefineryRepo): Promise<Map<string, string>> {
  const f = await gitTry(r.repoDir, ['fetch', '--quiet', '--no-tags', '--prune', '--', r.remote!, `+${MARKERS}/*:${MARKERS}/*`], { env: r.env, timeoutMs: 120_000 });
  if (f.code !== 0) throw new Error(`fetching ${r.remote}'s merge markers failed: ${gitErrorLine(f.stderr)}`);
  const list = await gitTry(r.repoDir, ['for-each-ref', '--format=%(objectname) %(refname)', MARKERS]);
  const out = new Map<string, string>();
  for (const line of list.stdout.split('\n')) {
    const m = line.match(/^([0-9a-f]+) refs\/gt\/merged\/(.+)$/);
    if (m) out.set(m[2]!, m[1]!);
  }
  return out;
}

/** Fetches an MR's branch from the remote into fetchedBranchRef; false when the remote lacks it. */
export async function fetchBranch(r: RefineryRepo, branch: string): Promise<boolean> {
  const res = await gitTry(r.repoDir, ['fetch', '--quiet', '--no-tags', '--', r.remote!, `+refs/heads/${branch}:${fetchedBranchRef(branch)}`], { env: r.env, timeoutMs: 120_000 });
  return res.code === 0;
}

/**
 * Pure: the markers that may go. A marker is what stops a landed MR from landing again while its
 * outcome is unrecorded; once its MR is closed (merged and recorded) and has stayed closed for
 * keepMs, nothing reads it any more. An MR that is open, unknown here, or has no close time keeps it.
 */
export function markersToPrune(landed: Map<string, string>, closedAt: Map<string, string | undefined>, keepMs: number, now: number): string[] {
  const out: string[] = [];
  for (const id of landed.keys()) {
    const at = closedAt.get(id);
    if (at !== undefined && now - Date.parse(at) >= keepMs) out.push(id);
  }
  return out.sort();
}

/** Deletes markers from the remote in one atomic push, each only if it still names the commit seen. */
export async function deleteMarkers(r: RefineryRepo, markers: { id: string; commit: string }[]): Promise<PushLanding> {
  if (!markers.length) return { ok: true };
  const args = ['push', '--atomic', '--quiet', '--no-verify'];
  for (const m of markers) args.push(`--force-with-lease=${markerRef(m.id)}:${m.commit}`);
  args.push('--', r.remote!, ...markers.map((m) => `:${markerRef(m.id)}`));
  const res = await gitTry(r.repoDir, args, { env: r.env, timeoutMs: 120_000 });
  if (res.code !== 0) return { ok: false, reason: `deleting merge markers on ${r.remote} failed: ${gitErrorLine(res.stderr)}` };
  for (const m of markers) await gitTry(r.repoDir, ['update-ref', '-d', markerRef(m.id)]);
  return { ok: true };
}

/**
 * Run by the lease holder: removes the markers of MRs closed longer ago than keepMs. `closedAt`
 * answers for an MR id: its close time, or undefined while open or unknown.
 */
export async function pruneMergedMarkers(r: RefineryRepo, closedAt: (id: string) => Promise<string | undefined>, keepMs: number, now = Date.now()): Promise<string[]> {
  const landed = await landedOnRemote(r);
  const when = new Map<string, string | undefined>();
  for (const id of landed.keys()) when.set(id, await closedAt(id));
  const ids = markersToPrune(landed, when, keepMs, now);
  const res = await deleteMarkers(r, ids.map((id) => ({ id, commit: landed.get(id)! })));
  if (!res.ok) throw new Error(res.reason);
  return ids;
}
