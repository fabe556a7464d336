// The merge queue over beads: MR beads in the rig's store feed the engine; outcomes are recorded on
// them (queued -> testing -> merged | bounced, with each attempt's evidence). A merge closes the
// source bead (and the beads it was a fix for), moves convoys and decommissions the polecat; a
// bounce files a fix bead with the evidence and slings it back to a polecat.
import { join } from 'node:path';
import { now } from '../lib/time.js';
import { gitTry } from '../lib/git.js';
import type { Store, Tx } from '../beads/api.js';
import type { Issue } from '../beads/model.js';
import type { Town } from '../town/town.js';
import type { Rig } from '../town/rig.js';
import { getAgent } from '../town/identity.js';
import { parseAddress } from '../town/address.js';
import {
  getMergeRequest, listMergeRequests, updateMergeRequest, type MergeRequest, type MrAttempt,
} from '../work/merge-request.js';
import { agentForBead, SLUNG_AGENT } from '../work/sling.js';
import type { QueueItem } from './plan.js';
import type { MergeOutcome } from './engine.js';
import { drainQueue, type DrainReport, type QueueSource } from './drain.js';
import {
  BOUNCE_BUDGET, bounceReason, bounceRoot, bounceVerdict, escalationMail, fixBeadDescription, fixBeadTitle,
  type BounceContext, type BounceOutcome,
} from './bounce.js';
import type { RefineryRepo } from './worktree.js';
import { withRefineryLease } from './lease.js';
import { isShared } from '../town/machine.js';
import { DEFAULT_MERGED_MARKER_KEEP_SEC } from '../town/config.js';

export interface RefineryRunOptions {
  batch?: number;
  once?: boolean;
  onConflict?: 'bounce' | 'agent';
  /** How long the refinery's agent gets to resolve a conflict. */
  agentTimeoutMs?: number;
  /** Start the sessions of polecats that receive bounced work (default true). */
  startFixSessions?: boolean;
  actor?: string;
  /** Progress, one line at a time; `failure` marks a line saying something went wrong (the CLI puts those on stderr). */
  log?: (line: string, failure?: boolean) => void;
  /** How fix beads are slung (default: work/sling's sling). */
  sling?: SlingFn;
  /** Fix beads one original piece of work may get before it goes to the Mayor and the Overseer (default 3). */
  bounceBudget?: number;
}

/** The part of work/sling's `sling` the refinery uses to hand bounced work back. */
export type SlingFn = (town: Town, beadIds: string[], target: string, opts: { actor: string; start: boolean }) =>
  Promise<{ hooked: { agent: string; session?: string; error?: string }[] }>;

export interface BounceRecord {
  mr: string; source: string; reason: string; fixBead?: string; slungTo?: string; slingError?: string;
  /** The work used up its bounce budget: no fix bead, the source is blocked and the Mayor and Overseer were mailed. */
  escalated?: boolean;
}

export interface RefineryRunReport extends DrainReport {
  rig: string;
  bounces: BounceRecord[];
}

/** The engine's view of a rig: paths and test settings (state lives beside the worktree). */
export function refineryRepo(rig: Rig): { repo: RefineryRepo; stateDir: string } {
  const stateDir = join(rig.root, 'refinery');
  return {
    stateDir,
    repo: {
      repoDir: rig.repoDir,
      worktree: join(stateDir, 'rig'),
      mainBranch: rig.mainBranch,
      remote: rig.remote,
      testCmd: rig.testCmd,
      testTimeoutMs: rig.testTimeoutSec * 1000,
      testEnv: rig.testEnv,
    },
  };
}

/** Runs the rig's refinery until its queue is empty (or one round with `once`). */
export async function runRefinery(town: Town, rig: Rig, opts: RefineryRunOptions = {}): Promise<RefineryRunReport> {
  const actor = opts.actor ?? `${rig.name}/refinery`;
  const store = await town.stores.rig(rig);
  const { repo, stateDir } = refineryRepo(rig);
  // A town shared across machines lands through the rig's remote (when it has one), under the lease.
  repo.landOnRemote = isShared(town) && !!rig.remote;
  const bounces: BounceRecord[] = [];
  const sling: SlingFn = opts.sling ?? (async (...args) => (await import('../work/sling.js')).sling(...args));
  const queue = new BeadsQueue(town, rig, store, actor, bounces, opts.startFixSessions ?? true, sling, opts.bounceBudget ?? BOUNCE_BUDGET, opts.log);
  const report = await withRefineryLease(town, rig, (lease) => drainQueue(repo, stateDir, queue, {
    batch: opts.batch,
    once: opts.once,
    log: opts.log,
    stopReason: () => { const l = lease.lost(); return l && `the refinery lease's connection failed (${l})`; },
    resolveConflict: opts.onConflict === 'agent'
      ? async (item, conflict) => {
          const { resolveWithAgent } = await import('./agent-resolve.js');
          return resolveWithAgent(town, rig, repo, item, conflict, { timeoutMs: opts.agentTimeoutMs, actor, log: opts.log });
        }
      : undefined,
  }).then(async (r) => {
    if (repo.landOnRemote) await pruneMarkersNow(town, rig, repo, store, opts.log);
    return r;
  }));
  if (report.mainRed?.fresh) {
    // Told once per red main commit (the verdict is cached): nothing merges until main is fixed.
    const { sendMail } = await import('../work/mail.js');
    const body = `The refinery tested ${rig.mainBranch} at ${report.mainRed.commit.slice(0, 10)} on its own and it fails, so MRs that are red on it were not blamed; they stay queued until an MR that makes ${rig.mainBranch} green lands.\n\nLast lines of the test output:\n${report.mainRed.tail}`;
    for (const to of ['mayor', 'overseer']) await sendMail(town, { from: actor, to, subject: `${rig.name}: ${rig.mainBranch} is red; the merge queue is waiting`, body }, actor);
    opts.log?.(`${rig.mainBranch} ${report.mainRed.commit.slice(0, 10)} is red on its own: mailed the mayor and the overseer`);
  }
  return { ...report, rig: rig.name, bounces };
}

const lastPrune = new Map<string, number>();

/**
 * The lease holder prunes the remote's merge markers of MRs closed past `[machines]
 * merged_marker_keep_sec`, at most that often (and at least every 10 minutes). Never fails a drain.
 */
async function pruneMarkersNow(town: Town, rig: Rig, repo: RefineryRepo, store: Store, log?: (line: string, failure?: boolean) => void): Promise<void> {
  const keepMs = (town.config.machines?.merged_marker_keep_sec ?? DEFAULT_MERGED_MARKER_KEEP_SEC) * 1000;
  if (Date.now() - (lastPrune.get(rig.root) ?? 0) < Math.min(keepMs, 10 * 60_000)) return;
  lastPrune.set(rig.root, Date.now());
  try {
    const { pruneMergedMarkers } = await import('./remote-land.js');
    const pruned = await pruneMergedMarkers(repo, async (id) => {
      const b = await store.get(id);
      return b?.status === 'closed' ? b.closed_at : undefined;
    }, keepMs);
    if (pruned.length) log?.(`pruned ${pruned.length} merge marker(s) of MRs closed over ${keepMs / 1000} s ago: ${pruned.join(', ')}`);
  } catch (e) {
    log?.(`pruning merge markers: ${(e as Error).message}`, true);
  }
}

/** The queue as MR beads in the rig's store. */
class BeadsQueue implements QueueSource {
  constructor(
    private town: Town,
    private rig: Rig,
    private store: Store,
    private actor: string,
    private bounces: BounceRecord[],
    private startFixSessions: boolean,
    private sling: SlingFn,
    private bounceBudget: number,
    private log: (line: string, failure?: boolean) => void = () => {},
  ) {}

  async queued(): Promise<QueueItem[]> {
    return (await listMergeRequests(this.store, { state: 'queued' }))
      .filter((m) => !m.target || m.target === this.rig.mainBranch)
      .map((m) => ({ id: m.id, branch: m.branch, priority: m.priority, createdAt: m.created_at }));
  }

  /**
   * At start, holding the lock: MRs left 'testing' go back to the queue, and bounces whose fix
   * bead never got slung (the sling failed, or a refinery died right after marking the bounce)
   * are slung now. Fix beads are found by their open status and `bounce_mr` field.
   */
  async requeueInterrupted(): Promise<void> {
    await this.store.transaction(async (tx) => {
      for (const m of await listMergeRequests(tx, { state: 'testing' })) {
        await updateMergeRequest(tx, m.id, { state: 'queued' }, this.actor);
        this.log(`${m.id}: was testing when a refinery stopped; queued again`);
      }
    });
    for (const fix of await this.store.list({ status: 'open', type: 'bug' })) {
      const mrId = fix.fields.bounce_mr;
      if (typeof mrId !== 'string') continue;
      let mr: MergeRequest;
      try {
        mr = await getMergeRequest(this.store, mrId);
      } catch {
        continue; // its MR is gone or lives elsewhere
      }
      if (mr.state !== 'bounced') continue; // requeued or merged: the retest decides
      const record: BounceRecord = { mr: mr.id, source: mr.source_bead, reason: 'unslung fix from an earlier bounce', fixBead: fix.id };
      await this.slingFix(mr, record);
      this.log(`${mr.id}: fix ${fix.id} had not been slung; ${record.slungTo ? `slung to ${record.slungTo}` : `still not slung: ${record.slingError}`}`, !record.slungTo);
      this.bounces.push(record);
    }
  }

  async begin(items: QueueItem[]): Promise<void> {
    await this.store.transaction(async (tx) => {
      for (const i of items) await updateMergeRequest(tx, i.id, { state: 'testing' }, this.actor);
    });
  }

  async settle(item: QueueItem, outcome: MergeOutcome): Promise<void> {
    const mr = await getMergeRequest(this.store, item.id);
    if (outcome.kind === 'deferred') {
      if (mr.state === 'testing') await updateMergeRequest(this.store, mr.id, { state: 'queued' }, this.actor);
      return;
    }
    if (outcome.kind === 'merged') return this.merged(mr, outcome);
    return this.bounced(mr, outcome);
  }

  /** Each step is idempotent: a replay after a crash finishes whatever was left. */
  private async merged(mr: MergeRequest, o: Extract<MergeOutcome, { kind: 'merged' }>): Promise<void> {
    const { ids: closed, branches } = await this.closeSourceChain(mr.source_bead, `merged in ${o.commit.slice(0, 12)} (${mr.id})`);
    // Bounced originals' branches were kept so their fixes could start from them; the fix has landed.
    for (const b of branches) await gitTry(this.rig.repoDir, ['branch', '-D', b]);
    try {
      const { refreshConvoys } = await import('../work/convoy.js');
      const failed: { convoy: string; message: string }[] = [];
      await refreshConvoys(this.town, closed, this.actor, failed);
      for (const f of failed) this.log(`${mr.id}: convoy ${f.convoy} could not be landed: ${f.message}`, true);
    } catch (e) {
      this.log(`${mr.id}: convoy refresh failed: ${(e as Error).message}`, true);
    }
    if (mr.state !== 'merged') {
      const detail = o.already
        ? `already on ${this.rig.mainBranch}`
        : `tested at ${o.testedCommit.slice(0, 12)} (${o.stackedWith} MR${o.stackedWith > 1 ? 's' : ''} stacked on ${this.rig.mainBranch})` +
          (o.pushError ? `; ${o.pushError}` : '');
      await updateMergeRequest(this.store, mr.id, { state: 'merged', merge_commit: o.commit, attempt: this.attempt(mr, 'merged', { commit: o.commit, detail }) }, this.actor);
    }
    await this.closeMootFixes(mr);
    await this.pruneRemoteBranch(mr);
    const polecat = await this.ownPolecat(mr);
    if (polecat) {
      try {
        const { decommissionPolecat } = await import('../work/polecat.js');
        await decommissionPolecat(this.town, this.rig, polecat, { reason: `merged ${mr.id}` });
      } catch (e) {
        this.log(`${mr.id}: decommissioning ${mr.polecat} failed: ${(e as Error).message}`, true);
      }
    }
    this.log(`${mr.id}: merged ${o.commit.slice(0, 12)}; closed ${closed.join(', ') || 'nothing'}`);
  }

  /**
   * Shared town: the MR's branch, pushed to the rig's remote by `gt done`, has landed; it goes from
   * the remote and from this machine's fetched copy. Best effort: a leftover branch harms nothing.
   */
  private async pruneRemoteBranch(mr: MergeRequest): Promise<void> {
    if (!isShared(this.town) || !this.rig.remote || !mr.branch) return;
    const { fetchedBranchRef } = await import('./remote-land.js');
    await gitTry(this.rig.repoDir, ['push', '--quiet', '--no-verify', '--', this.rig.remote, `:refs/heads/${mr.branch}`]);
    await gitTry(this.rig.repoDir, ['update-ref', '-d', fetchedBranchRef(mr.branch)]);
  }

  /** A fix filed (but not yet slung) for an MR that a retest then merged has nothing left to fix. */
  private async closeMootFixes(mr: MergeRequest): Promise<void> {
    try {
      const store = await this.town.stores.forBead(mr.source_bead);
      const moot = (await store.list({ status: 'open', fields: { bounce_mr: mr.id } })).map((b) => b.id);
      if (moot.length) await store.closeIssues(moot, `${mr.id} merged on a retest`, this.actor);
    } catch (e) {
      this.log(`${mr.id}: closing its unslung fix beads failed: ${(e as Error).message}`, true);
    }
  }

  /** Closes the source bead and, through `bounce_of`, the beads it was fixing; returns their ids and kept branches. */
  private async closeSourceChain(sourceId: string, reason: string): Promise<{ ids: string[]; branches: string[] }> {
    const ids: string[] = [];
    const branches: string[] = [];
    for (let id: string | undefined = sourceId, hops = 0; id && hops < 20; hops++) {
      let store: Store;
      try {
        store = await this.town.stores.forBead(id);
      } catch {
        break;
      }
      const bead: Issue | undefined = await store.get(id);
      if (!bead) break;
      if (bead.status !== 'closed') {
        // A molecule's steps left open would stay 'ready' work once their root is gone: the merge ends them too.
        const steps = bead.issue_type === 'molecule'
          ? (await store.list({ parent: bead.id, includeEphemeral: true })).filter((s) => s.status !== 'closed').map((s) => s.id)
          : [];
        await store.closeIssues([...steps, bead.id], reason, this.actor);
      }
      ids.push(bead.id);
      if (typeof bead.fields.bounced_branch === 'string') branches.push(bead.fields.bounced_branch);
      id = typeof bead.fields.bounce_of === 'string' ? bead.fields.bounce_of : undefined;
    }
    return { ids, branches };
  }

  /**
   * File the fix bead, sling it, and only then mark the MR bounced. Each step is idempotent and
   * checkable: a crash before the mark leaves the MR 'testing', so the next run re-tests it and,
   * bouncing again, finds the same fix bead (bounce_mr) already slung; a sling that fails is
   * retried at the next start (requeueInterrupted), so bounced work is never left unslung.
   */
  private async bounced(mr: MergeRequest, o: BounceOutcome): Promise<void> {
    const record: BounceRecord = { mr: mr.id, source: mr.source_bead, reason: bounceReason(o) };
    try {
      const filed = await this.fileFixBead(mr, o);
      if ('fixBead' in filed) record.fixBead = filed.fixBead;
      else {
        await this.escalate(mr, o, filed.ctx, filed.fixes);
        record.escalated = true;
      }
    } catch (e) {
      this.log(`${mr.id}: could not file the fix bead: ${(e as Error).message}`, true);
    }
    if (record.fixBead) await this.slingFix(mr, record);
    if (mr.state !== 'bounced') {
      const attempt = this.attempt(mr, o.kind, {
        commit: o.kind === 'red' ? o.testedCommit : undefined,
        conflict_files: o.kind === 'conflict' ? o.files : undefined,
        test_output_tail: o.kind === 'red' ? o.tail : undefined,
        detail: [
          o.kind === 'conflict' ? o.detail : o.kind === 'error' ? o.detail : undefined,
          'resolutionTried' in o && o.resolutionTried ? "the refinery's agent tried to resolve it first" : undefined,
          record.fixBead ? `returned as ${record.fixBead}` : undefined,
          record.escalated ? 'bounce budget used up: sent to the mayor and the overseer' : undefined,
        ].filter(Boolean).join('\n') || undefined,
      });
      await updateMergeRequest(this.store, mr.id, { state: 'bounced', attempt }, this.actor);
    }
    this.bounces.push(record);
    this.log(`${mr.id}: bounced (${record.reason})${record.fixBead ? ` -> ${record.fixBead}${record.slungTo ? ` on ${record.slungTo}` : ''}` : ''}` +
      (record.escalated ? '; bounce budget used up: sent to the mayor and the overseer' : ''));
  }

  /**
   * The fix bead for this MR (one per MR: a replay finds it), or, once the original work has had
   * its budget of fixes, what the escalation needs. Every fix names the chain's root (`bounce_root`),
   * so the budget counts bounces of one piece of work, and carries the agent it was slung with.
   */
  private async fileFixBead(mr: MergeRequest, o: BounceOutcome): Promise<{ fixBead: string } | { ctx: BounceContext; fixes: string[] }> {
    const store = await this.town.stores.forBead(mr.source_bead);
    return store.transaction(async (tx): Promise<{ fixBead: string } | { ctx: BounceContext; fixes: string[] }> => {
      const existing = (await tx.list({ fields: { bounce_mr: mr.id } }))[0];
      if (existing) return { fixBead: existing.id };
      const source = await tx.mustGet(mr.source_bead);
      const rootId = bounceRoot(source);
      const root = rootId === source.id ? source : (await tx.get(rootId)) ?? source;
      const ctx: BounceContext = {
        mrId: mr.id, source: { id: source.id, title: source.title }, root: { id: root.id, title: root.title },
        branch: mr.branch, mainBranch: this.rig.mainBranch, mainCommit: o.onto,
      };
      // Fixes filed before roots were recorded name the root only as what they fix.
      const chain = new Map<string, Issue>();
      for (const b of [...await tx.list({ fields: { bounce_root: root.id } }), ...await tx.list({ fields: { bounce_of: root.id } })]) chain.set(b.id, b);
      const fixes = [...chain.values()].sort((a, b) => a.created_at.localeCompare(b.created_at)).map((b) => b.id);
      if (bounceVerdict(fixes.length, this.bounceBudget) === 'escalate') return { ctx, fixes };
      // The fix is worked by the agent CLI the original was slung with (sling reads it from the bead).
      const agent = agentForBead(source, undefined) ?? agentForBead(root, undefined);
      const fix = await tx.create({
        title: fixBeadTitle(ctx, o),
        description: fixBeadDescription(ctx, o),
        issue_type: 'bug',
        priority: source.priority,
        deps: [{ type: 'discovered-from', id: source.id }],
        fields: { bounce_of: source.id, bounce_root: root.id, bounce_mr: mr.id, bounced_branch: mr.branch, ...(agent ? { [SLUNG_AGENT]: agent } : {}) },
      }, this.actor);
      return { fixBead: fix.id };
    });
  }

  /**
   * Past the budget: the source bead is blocked (a person decides what happens to it) and the
   * Mayor and the Overseer get the evidence, in one step: a replay finds it blocked and tells no one
   * twice. The polecat is freed; its branch, holding the work, is kept.
   */
  private async escalate(mr: MergeRequest, o: BounceOutcome, ctx: BounceContext, fixes: string[]): Promise<void> {
    const { sendMail } = await import('../work/mail.js');
    const store = await this.town.stores.forBead(mr.source_bead);
    const mail = escalationMail(ctx, o, fixes, this.rig.name);
    // The mail is part of the block: a failed send undoes it, so a replay tells them. When the bead
    // lives in HQ itself, the mail goes through this very transaction.
    const hq = await this.town.stores.hq();
    const hqTx = (tx: Tx) => (store === hq ? tx : undefined);
    await store.transaction(async (tx) => {
      if ((await tx.mustGet(mr.source_bead)).status === 'blocked') return;
      await tx.update(mr.source_bead, { status: 'blocked', assignee: null }, this.actor);
      await tx.addComment(mr.source_bead, `${mr.id} bounced (${bounceReason(o)}) past the bounce budget of ${ctx.root.id}; sent to the mayor and the overseer`, this.actor);
      for (const to of ['mayor', 'overseer']) await sendMail(this.town, { from: this.actor, to, subject: mail.subject, body: mail.body }, this.actor, hqTx(tx));
    });
    await this.freePolecat(mr, `bounced ${mr.id} past its budget`);
  }

  /** Back to the same polecat if its session still runs, else to the rig (a fresh polecat). */
  private async slingFix(mr: MergeRequest, record: BounceRecord): Promise<void> {
    const fixStore = await this.town.stores.forBead(record.fixBead!);
    if ((await fixStore.get(record.fixBead!))?.status !== 'open') return; // already slung (replay)
    let target = this.rig.name;
    const polecat = await this.ownPolecat(mr);
    if (mr.polecat && polecat) {
      let alive = false;
      try {
        const { isAgentAlive } = await import('../runtime/launch.js');
        alive = await isAgentAlive(this.town, mr.polecat);
      } catch { /* no runtime: treat as gone */ }
      if (alive) target = mr.polecat;
      else await this.freePolecat(mr, `bounced ${mr.id}`);
    }
    try {
      const r = await this.sling(this.town, [record.fixBead!], target, { actor: this.actor, start: this.startFixSessions });
      const failed = r.hooked.find((h) => h.session === 'failed');
      record.slungTo = r.hooked[0]?.agent ?? target;
      if (failed) {
        record.slingError = `hooked, but the session did not start: ${failed.error}`;
        this.log(`${mr.id}: slinging ${record.fixBead} to ${record.slungTo} failed: ${record.slingError}`, true);
      }
    } catch (e) {
      record.slingError = (e as Error).message;
      this.log(`${mr.id}: slinging ${record.fixBead} to ${target} failed: ${record.slingError}`, true);
    }
  }

  /** Frees the MR's polecat (session, worktree, identity); keeps its branch: the work is on it. */
  private async freePolecat(mr: MergeRequest, reason: string): Promise<void> {
    const polecat = await this.ownPolecat(mr);
    if (!polecat) return;
    try {
      const { decommissionPolecat } = await import('../work/polecat.js');
      await decommissionPolecat(this.town, this.rig, polecat, { keepBranch: true, reason });
    } catch (e) {
      this.log(`${mr.id}: decommissioning ${mr.polecat} failed: ${(e as Error).message}`, true);
    }
  }

  /**
   * The MR's polecat name, if that identity is still the one that made the branch (names are
   * reused: after a bounce the name may belong to a new polecat working on something else).
   */
  private async ownPolecat(mr: MergeRequest): Promise<string | undefined> {
    const name = polecatName(mr.polecat);
    if (!name || !mr.polecat) return undefined;
    const agent = await getAgent(this.town, mr.polecat);
    return agent && agent.active && agent.branch === mr.branch ? name : undefined;
  }

  private attempt(mr: MergeRequest, outcome: MrAttempt['outcome'], extra: Omit<MrAttempt, 'attempt' | 'at' | 'outcome'>): MrAttempt {
    const a: MrAttempt = { attempt: mr.attempts.length + 1, at: now(), outcome };
    for (const [k, v] of Object.entries(extra)) if (v !== undefined) (a as unknown as Record<string, unknown>)[k] = v;
    return a;
  }
}

/** The polecat's name from its address (`<rig>/polecats/<name>`), if it is a polecat's. */
function polecatName(address: string | undefined): string | undefined {
  if (!address) return undefined;
  try {
    const p = parseAddress(address);
    return p.role === 'polecat' ? p.name : undefined;
  } catch {
    return undefined; // not an address (a hand-edited MR): no polecat to act on
  }
}
