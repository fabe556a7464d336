// Lazy access to the town and the caller's identity for gt command actions, and shared option parsers.
import { InvalidArgumentError } from '../invalid-arg.js';
import type { Town } from '../../town/town.js';

// One town handle per command: its stores are opened on first use and closed by closeCurrentTown.
let found: Town | undefined;

export async function currentTown(): Promise<Town> {
  if (!found) {
    const { findTown } = await import('../../town/town.js');
    found = findTown();
  }
  return found;
}

/** Closes the stores of the town this command used (gt's main calls it before the process exits). */
export async function closeCurrentTown(): Promise<void> {
  const town = found;
  found = undefined;
  if (town) await town.stores.closeAll();
}

/** The caller's identity address (GT_AGENT, else inferred from the cwd, else overseer). */
export async function me(town: Town): Promise<string> {
  const { whoami } = await import('../../town/identity.js');
  return whoami(town);
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Commander option parser for counts and durations: a whole number >= 1 (exit 2 otherwise). */
export function nonNegativeInt(v: string): number {
  if (!/^\d+$/.test(v.trim())) throw new InvalidArgumentError(`expected a whole number (0 or more), got '${v}'`);
  return Number(v);
}

export function positiveInt(v: string): number {
  if (!/^[1-9]\d*$/.test(v.trim())) throw new InvalidArgumentError(`expected a whole number of at least 1, got '${v}'`);
  return Number(v);
}
