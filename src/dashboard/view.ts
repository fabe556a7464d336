// The town as last seen by the dashboard and the feed: a snapshot rebuilt only when something it
// shows may have changed (a store's files, the rig list, or the live evidence of sessions).
import { fileSignature } from '../beads/sync.js';
import { loadTown, type Town } from '../town/town.js';
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
 * The town as last seen: rebuilt only when a watched file's signature moved or the live evidence
 * (sessions alive, the deacon) did. The rig list is re-read when the routes file changes (a rig
 * added or removed while the dashboard runs).
 */
export class TownView {
  private routesSig: string;
  private files: string[];
  private latest: Current | undefined;
  private activity: FeedItem[] = [];

  constructor(private town: Town) {
    this.routesSig = fileSignature(routesFile(town));
    this.files = watchedFiles(town);
  }

  get(): Town {
    return this.town;
  }

  /** The current snapshot; throws when the town cannot be read (the caller reports it). */
  current(): Current {
    const routesSig = fileSignature(routesFile(this.town));
    if (routesSig !== this.routesSig) {
      this.town = loadTown(this.town.root);
      this.routesSig = routesSig;
      this.files = watchedFiles(this.town);
    }
    // Taken before reading: a write landing mid-build moves the signature again, and the next
    // poll rebuilds, so no change is ever missed (at worst one is read twice).
    const live = gatherEvidence(this.town);
    const sig = `${signature(this.files)}\n${evidenceKey(live)}`;
    if (this.latest?.sig === sig) return this.latest;
    const base = buildSnapshot(this.town, live);
    // The same items `gt feed` prints: the recent past at first, then what each rebuild changed.
    const items = this.latest ? diffSnapshots(this.latest.snapshot, base) : recentActivity(base);
    this.activity = [...this.activity, ...items].slice(-ACTIVITY_KEPT);
    const snapshot = { ...base, problems: townProblems(base), activity: this.activity };
    this.latest = { sig, snapshot, key: snapshotKey(snapshot), json: JSON.stringify(snapshot) };
    return this.latest;
  }
}

