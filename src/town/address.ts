// Agent addresses: the names identities are known by in mail, hooks and sessions. Pure.
import { UserError } from '../lib/errors.js';

export type Role = 'mayor' | 'deacon' | 'boot' | 'witness' | 'refinery' | 'polecat' | 'crew' | 'dog' | 'overseer';
export const TOWN_ROLES: readonly Role[] = ['mayor', 'deacon', 'boot', 'overseer'];

export interface ParsedAddress {
  role: Role;
  rig?: string;
  name?: string;
}

const NAME = /^[a-z0-9][a-z0-9_-]*$/;

export function isValidName(s: string): boolean {
  return NAME.test(s);
}

/**
 * Parses 'mayor' | 'deacon' | 'boot' | 'overseer' | '<rig>/witness' | '<rig>/refinery' |
 * '<rig>/polecats/<name>' | '<rig>/<name>' (a polecat) | '<rig>/crew/<name>' | 'dogs/<name>'.
 */
export function parseAddress(addr: string): ParsedAddress {
  const a = addr.trim().replace(/\/+$/, '');
  const parts = a.split('/');
  const bad = () => new UserError(`not an agent address: '${addr}'`, "use mayor, overseer, deacon, <rig>/witness, <rig>/refinery, <rig>/<polecat> or <rig>/crew/<name>");
  if (parts.some((p) => !isValidName(p))) throw bad();
  if (parts.length === 1) {
    if ((TOWN_ROLES as string[]).includes(a)) return { role: a as Role };
    throw bad();
  }
  const [first, second, third] = parts as [string, string, string | undefined];
  if (first === 'dogs' && parts.length === 2) return { role: 'dog', name: second };
  if (parts.length === 2) {
    if (second === 'witness' || second === 'refinery') return { role: second, rig: first };
    if (second === 'crew' || second === 'polecats') throw bad();
    return { role: 'polecat', rig: first, name: second };
  }
  if (parts.length === 3 && third) {
    if (second === 'polecats') return { role: 'polecat', rig: first, name: third };
    if (second === 'crew') return { role: 'crew', rig: first, name: third };
  }
  throw bad();
}

/** The canonical address of an identity. */
export function formatAddress(p: ParsedAddress): string {
  switch (p.role) {
    case 'polecat': return `${p.rig}/polecats/${p.name}`;
    case 'crew': return `${p.rig}/crew/${p.name}`;
    case 'witness':
    case 'refinery': return `${p.rig}/${p.role}`;
    case 'dog': return `dogs/${p.name}`;
    default: return p.role;
  }
}

export function canonicalAddress(addr: string): string {
  return formatAddress(parseAddress(addr));
}

/** tmux session name: gt-<rig>-<role>-<name>, town roles gt-town-<role>[-<name>]. */
export function sessionName(p: ParsedAddress): string {
  return ['gt', p.rig ?? 'town', p.role, p.name].filter(Boolean).join('-');
}

/** The agent bead's id inside its store: <prefix>-agent-<role>[-<name>]. Dashes keep it apart from hash ids. */
export function agentBeadId(prefix: string, p: ParsedAddress): string {
  return [prefix, 'agent', p.role, p.name].filter(Boolean).join('-');
}
