// Timing helpers shared by the benchmarks: medians of repeated runs, printed in ms.
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Median wall time of n calls of fn, in milliseconds. */
export function time(n: number, fn: (i: number) => void): number {
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    fn(i);
    xs.push(performance.now() - t);
  }
  return median(xs);
}

/** Median wall time of n awaited calls of fn, in milliseconds. */
export async function timeAsync(n: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    xs.push(performance.now() - t);
  }
  return median(xs);
}

export const fmt = (ms: number) => `${ms.toFixed(3)} ms`;
