// The refinery's decisions, as pure functions over plain data (no git, no disk): which MRs go
// next, how a batch is composed, and how a red batch is bisected to its first bad MR.

/** What the planner needs to know about a queued merge request. */
export interface QueueItem {
  id: string;
  branch: string;
  /** 0 is most urgent (beads convention); ties go first-in first-out. */
  priority: number;
  createdAt: string;
}

/** Queue order: priority, then age, then id (so the order is total and stable). */
export function orderQueue<T extends QueueItem>(items: readonly T[]): T[] {
  return [...items].sort(
    (a, b) => a.priority - b.priority || cmp(a.createdAt, b.createdAt) || cmp(a.id, b.id),
  );
}

/** The next batch: the first `size` MRs in queue order (size 1 = one at a time). */
export function takeBatch<T extends QueueItem>(items: readonly T[], size: number): T[] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`batch size must be a positive integer, got ${size}`);
  return orderQueue(items).slice(0, size);
}

/**
 * Bisection over the prefixes of a stacked batch. Prefix j = main plus the first j MRs.
 * Invariant: prefix `green` passed (0 = main itself, assumed green), prefix `red` failed.
 */
export interface Bisection {
  green: number;
  red: number;
}

export type BisectStep = { kind: 'test'; prefix: number } | { kind: 'found'; culprit: number; goodPrefix: number };

/** Starts bisecting a batch of `size` stacked MRs whose full stack tested red. */
export function startBisection(size: number): Bisection {
  if (size < 1) throw new RangeError('cannot bisect an empty batch');
  return { green: 0, red: size };
}

/**
 * What to do next: test the middle prefix, or stop when the red prefix is the green one plus one
 * MR — that MR (0-based index `culprit` into the stack) is the first bad one, and every MR before
 * it was tested green on top of its predecessors (`goodPrefix` of them can land).
 */
export function bisectStep(b: Bisection): BisectStep {
  if (b.red - b.green <= 1) return { kind: 'found', culprit: b.red - 1, goodPrefix: b.green };
  return { kind: 'test', prefix: Math.floor((b.green + b.red) / 2) };
}

/** Narrows the bisection with the result of testing `prefix`. */
export function recordProbe(b: Bisection, prefix: number, passed: boolean): Bisection {
  if (prefix <= b.green || prefix >= b.red) throw new RangeError(`prefix ${prefix} outside (${b.green}, ${b.red})`);
  return passed ? { green: prefix, red: b.red } : { green: b.green, red: prefix };
}

/**
 * Whether a rebase conflict is the MR's own fault. Against bare main it is (bounce it); against a
 * stack of other MRs in the batch it may only clash with them, so it is deferred to a later round
 * where it is tried against main (which by then holds whatever it clashed with).
 */
export function conflictDisposition(stackDepth: number): 'bounce' | 'defer' {
  return stackDepth === 0 ? 'bounce' : 'defer';
}

/** Last `maxLines` lines / `maxChars` characters of test output: the evidence kept on a bounce. */
export function outputTail(text: string, maxLines = 40, maxChars = 4000): string {
  const lines = text.replace(/\s+$/, '').split('\n');
  let tail = lines.slice(-maxLines).join('\n');
  if (tail.length > maxChars) tail = tail.slice(tail.length - maxChars);
  return tail;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
