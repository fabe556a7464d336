// Waiting in tests: for a condition, never for a fixed time that decides an outcome.

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `f` every 100 ms until it gives a truthy value, which it returns; fails naming `what` after `ms`. */
export async function until<T>(what: string, f: () => Promise<T | undefined | false | null>, ms?: number): Promise<T>;
export async function until<T>(what: string, f: () => T | undefined | false | null, ms?: number): Promise<T>;
export async function until<T>(what: string, f: () => T | undefined | false | null | Promise<T | undefined | false | null>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}
