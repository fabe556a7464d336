// Lazy access to the town and the caller's identity for gt command actions.
import type { Town } from '../../town/town.js';

export async function currentTown(): Promise<Town> {
  const { findTown } = await import('../../town/town.js');
  return findTown();
}

/** The caller's identity address (GT_AGENT, else inferred from the cwd, else overseer). */
export async function me(town: Town): Promise<string> {
  const { whoami } = await import('../../town/identity.js');
  return whoami(town);
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
