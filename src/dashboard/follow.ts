// Following the town: the feed's items as they happen, and the problems as they are now; both
// read through the same TownView the dashboard serves (feed.ts holds the pure parts).
import type { Town } from '../town/town.js';
import { diffSnapshots, matchesFeed, recentActivity, type FeedFilter, type FeedItem, type Problem } from './feed.js';
import { TownView, type Current } from './view.js';

export interface FollowOptions {
  filter?: FeedFilter;
  /** How often the town is checked for changes (ms). */
  pollMs?: number;
  /** Open with the recent past (default true). */
  history?: boolean;
  /** Stop after the opening lines (no following). */
  follow?: boolean;
}

/**
 * Calls onItem for each activity item (the recent past first, then changes as they happen) until
 * the signal aborts: at once when a store commits, and every pollMs for the sessions' evidence. A
 * town that cannot be read for a moment is retried at the next tick.
 */
export async function followFeed(town: Town, onItem: (i: FeedItem) => void, signal: AbortSignal, opts: FollowOptions = {}): Promise<void> {
  const filter = opts.filter ?? {};
  const view = new TownView(town);
  let wake: (() => void) | undefined;
  view.onChange = () => wake?.();
  try {
    let prev = await view.current();
    if (opts.history !== false) for (const i of recentActivity(prev.snapshot)) if (matchesFeed(i, filter)) onItem(i);
    if (opts.follow === false) return;
    const pollMs = opts.pollMs ?? 1000;
    while (!signal.aborted) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, pollMs);
        wake = () => { clearTimeout(t); resolve(); };
        signal.addEventListener('abort', wake, { once: true });
      });
      if (signal.aborted) return;
      let cur: Current;
      try {
        cur = await view.current();
      } catch {
        continue;
      }
      if (cur.key === prev.key) continue;
      for (const i of diffSnapshots(prev.snapshot, cur.snapshot)) if (matchesFeed(i, filter)) onItem(i);
      prev = cur;
    }
  } finally {
    view.close();
  }
}

/** The problems of the town as it is now. */
export async function currentProblems(town: Town): Promise<Problem[]> {
  const view = new TownView(town);
  try {
    return (await view.current()).snapshot.problems;
  } finally {
    view.close();
  }
}
