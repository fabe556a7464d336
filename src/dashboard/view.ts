// The town as last seen by the dashboard and the feed: a snapshot rebuilt only when something it
// shows may have changed (a store committed, the rig list or a refinery verdict changed, or the
// live evidence of sessions moved). One town handle for the view's life: its stores stay open and
// tell the view of every commit (store.onChange), by this process or another.
import { fileSignature } from '../beads/sync.js';
import { listRigs, rereadRigs } from '../town/rig.js';
import type { Town } from '../town/town.js';
import { evidenceKey, gatherEvidence } from './health.js';
import { buildSnapshot, snapshotKey, type DashboardSnapshot } from './snapshot.js';
import { diffSnapshots, recentActivity, townProblems, type FeedItem, type Problem } from './feed.js';
import { routesFile, signature, watchedFiles } from './watch.js';

/** A snapshot with what needs a person in it (the page's Health panel and `gt feed --problems` agree). */
export type LiveSnapshot = DashboardSnapshot & { problems: Problem[]; activity: FeedItem[] };

/** How much activity the page keeps (newest last). */
export const ACTIVITY_KEPT = 40;

export interface Current { sig: string; snapshot: LiveSnapshot; key: string; json: string }

/**
 * The town as last seen: rebuilt only when a store changed, a watched file's signature moved or
 * the live evidence (sessions alive, the deacon) did. The rig list is re-read when the routes file
 * changes (a rig added or removed while the dashboard runs).
 */
export class TownView {
  private routesSig: string | undefined;
  /** Moves on every store change: part of the signature, so a commit anywhere means a rebuild. */
  private generation = 0;
  private unsubscribe: (() => void)[] = [];
  private watched = new Set<string>();
  private latest: Current | undefined;
  private activity: FeedItem[] = [];
  private reading: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** Called after any of the town's stores commits (the server pushes a fresh snapshot at once). */
  onChange?: () => void;

  constructor(private town: Town) {}

  get(): Town {
    return this.town;
  }

  /** The current snapshot; rejects when the town cannot be read (the caller reports it). Reads one at a time. */
  current(): Promise<Current> {
    const next = this.reading.then(() => this.read());
    this.reading = next.catch(() => undefined);
    return next;
  }

  /** Stops listening to the stores (the town handle's owner closes them). */
  close(): void {
    this.closed = true;
    for (const u of this.unsubscribe) u();
    this.unsubscribe = [];
  }

  private async read(): Promise<Current> {
    const routesSig = fileSignature(routesFile(this.town));
    if (routesSig !== this.routesSig) {
      if (this.routesSig !== undefined) rereadRigs(this.town);
      await this.listen();
      this.routesSig = routesSig;
    }
    // Taken before reading: a write landing mid-build moves the generation again, and the next
    // read rebuilds, so no change is ever missed (at worst one is read twice).
    const live = gatherEvidence(this.town);
    const sig = `${this.generation}\n${routesSig}\n${signature(watchedFiles(this.town))}\n${evidenceKey(live)}`;
    if (this.latest?.sig === sig) return this.latest;
    const base = await buildSnapshot(this.town, live);
    // The same items `gt feed` prints: the recent past at first, then what each rebuild changed.
    const items = this.latest ? diffSnapshots(this.latest.snapshot, base) : recentActivity(base);
    this.activity = [...this.activity, ...items].slice(-ACTIVITY_KEPT);
    const snapshot = { ...base, problems: townProblems(base), activity: this.activity };
    this.latest = { sig, snapshot, key: snapshotKey(snapshot), json: JSON.stringify(snapshot) };
    return this.latest;
  }

  /** Listens to the HQ's store and every rig's; a removed rig's store is closed and forgotten. */
  private async listen(): Promise<void> {
    if (this.closed) return;
    const names = new Set(listRigs(this.town).map((r) => r.name));
    for (const name of this.watched) {
      if (names.has(name)) continue;
      await this.town.stores.forget(name).catch(() => undefined); // its directory may be gone already
    }
    for (const u of this.unsubscribe) u();
    this.unsubscribe = [];
    this.watched = names;
    const changed = () => {
      this.generation++;
      this.onChange?.();
    };
    this.unsubscribe.push((await this.town.stores.hq()).onChange(changed));
    for (const rig of listRigs(this.town)) this.unsubscribe.push((await this.town.stores.rig(rig)).onChange(changed));
    this.generation++; // the rig list itself changed
  }
}
