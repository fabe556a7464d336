// PLACEHOLDER written by the lead so work/ and cli/ compile; the runtime engineer owns this file
// and replaces the bodies. Callers use exactly these exports:
//   launchAgent, stopAgent, isAgentAlive, endOwnSession (the contract), plus
//   nudgeAgent(town, address, message) — used by `gt mail send --nudge` and sling to a live agent,
//   restartOwnSession(town, address) — used by `gt handoff` from inside a session (detached:
//   stop this session shortly after we exit, then launch a fresh one for the same identity).
import { UserError } from '../lib/errors.js';
import type { Agent } from '../town/identity.js';
import type { Town } from '../town/town.js';

export async function launchAgent(_town: Town, address: string, _opts: { adapter?: string; prompt?: string } = {}): Promise<Agent> {
  throw new UserError(`cannot start a session for ${address}: the runtime is not built yet`);
}
export async function stopAgent(_town: Town, _address: string): Promise<void> {}
export function isAgentAlive(_town: Town, _address: string): boolean {
  return false;
}
export function endOwnSession(_town: Town, _address: string): void {}
export async function nudgeAgent(_town: Town, address: string, _message: string): Promise<void> {
  throw new UserError(`cannot nudge ${address}: the runtime is not built yet`);
}
export function restartOwnSession(_town: Town, _address: string): void {}
