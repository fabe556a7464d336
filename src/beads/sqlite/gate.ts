// A first-come first-served async mutex. A store's transaction holds it from BEGIN to COMMIT, so
// another async flow of this process (the deacon, the dashboard) waits instead of running its
// statements inside someone else's open transaction. Single calls outside a transaction do not
// take it: they are synchronous on SQLite, so nothing can interleave with them; they only wait
// while it is held.
import { InternalError } from '../../lib/errors.js';

export class Gate {
  private held = false;
  private waiters: (() => void)[] = [];

  get busy(): boolean {
    return this.held;
  }

  /**
   * Resolves once the caller holds the gate. A wait longer than waitMs fails: a call on a store
   * from inside that store's own transaction waits forever, and this turns that bug into an error.
   */
  acquire(waitMs: number, what: string): Promise<void> {
    if (!this.held) {
      this.held = true;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const entry = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(entry);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new InternalError(`${what} waited ${waitMs} ms for a transaction to end; inside a transaction use its tx, not the store it came from`));
      }, waitMs);
      this.waiters.push(entry);
    });
  }

  /** Hands the gate to the next waiter, in order, or frees it. */
  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.held = false;
  }
}
