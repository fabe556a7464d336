// Custom agents from config ([agents.custom.<name>] command, args, env, idle_pattern). Args may
// use {prompt}, {session_id}, {workdir}, {address}; an arg that is exactly {prompt} is dropped
// when there is no prompt.
import { UserError } from '../../lib/errors.js';
import { BUSY, type Adapter, type LaunchContext } from './types.js';

export interface CustomAgentSpec { command: string; args?: string[]; env?: Record<string, string>; idle_pattern?: string }

export function expandArgs(args: string[], ctx: Pick<LaunchContext, 'prompt' | 'sessionId' | 'workdir' | 'address'>): string[] {
  const vars: Record<string, string | undefined> = { prompt: ctx.prompt, session_id: ctx.sessionId, workdir: ctx.workdir, address: ctx.address };
  return args
    .filter((a) => !(a === '{prompt}' && !ctx.prompt))
    .map((a) => a.replace(/\{(prompt|session_id|workdir|address)\}/g, (_, k: string) => vars[k] ?? ''));
}

export function customAdapter(name: string, spec: CustomAgentSpec): Adapter {
  if (!spec.command) throw new UserError(`custom agent '${name}' has no command`, `set [agents.custom.${name}] command = "..." in town.toml or rig.toml`);
  let idle: RegExp | undefined;
  try {
    idle = spec.idle_pattern ? new RegExp(spec.idle_pattern, 'm') : undefined;
  } catch {
    throw new UserError(`custom agent '${name}': idle_pattern is not a valid regular expression`, 'fix [agents.custom.' + name + '] idle_pattern');
  }
  return {
    name,
    binary: spec.command,
    promptFile: 'AGENTS.md',
    passEnv: Object.keys(spec.env ?? {}),
    ownsSessionId: (spec.args ?? []).some((a) => a.includes('{session_id}')),
    command: (ctx) => [spec.command, ...expandArgs(spec.args ?? [], ctx)],
    isIdle: (screen) => (idle ? idle.test(screen) : false) && !BUSY.test(screen),
  };
}
