// Adapter lookup and the choice of adapter and mode for an identity. Pure: config in, name out.
import { UserError } from '../../lib/errors.js';
import type { SessionMode } from '../session.js';
import type { Adapter } from './types.js';
import { claude } from './claude.js';
import { codex } from './codex.js';
import { gemini } from './gemini.js';
import { opencode } from './opencode.js';
import { amp } from './amp.js';
import { shell } from './shell.js';
import { customAdapter, type CustomAgentSpec } from './custom.js';

export const BUILTIN: Record<string, Adapter> = { claude, codex, gemini, opencode, amp, shell };

export interface AgentsConfigLike { default?: string; roles?: Record<string, string>; custom?: Record<string, CustomAgentSpec> }

/** Sling's --agent, else the rig's role choice, rig default, town role choice, town default, else claude. */
export function chooseAdapterName(role: string, rig: AgentsConfigLike | undefined, town: AgentsConfigLike | undefined, explicit?: string): string {
  return explicit || rig?.roles?.[role] || rig?.default || town?.roles?.[role] || town?.default || 'claude';
}

export function chooseMode(rig: { mode?: SessionMode } | undefined, town: { mode?: SessionMode } | undefined): SessionMode {
  return rig?.mode ?? town?.mode ?? 'tmux';
}

/** Resolves a name to an adapter: custom definitions (rig first) shadow built-ins. */
export function resolveAdapter(name: string, rig?: AgentsConfigLike, town?: AgentsConfigLike): Adapter {
  const spec = rig?.custom?.[name] ?? town?.custom?.[name];
  if (spec) return customAdapter(name, spec);
  const a = BUILTIN[name];
  if (!a) {
    const known = [...Object.keys(BUILTIN), ...Object.keys(rig?.custom ?? {}), ...Object.keys(town?.custom ?? {})];
    throw new UserError(`unknown agent '${name}'`, `use one of: ${known.join(', ')} (or define [agents.custom.${name}] in town.toml)`);
  }
  return a;
}
