// The agent's environment, built from nothing: only what the agent CLI and Gas Town need, so an
// agent never sees the caller's unrelated secrets. Pure.
//   always:  PATH (town bin dir first), HOME, USER, LOGNAME, SHELL, TERM, LANG, LC_*, TZ, TMPDIR, XDG_*
//   git:     GIT_AUTHOR_*, GIT_COMMITTER_*, GIT_CONFIG_NOSYSTEM, GIT_CONFIG_GLOBAL (identity for commits)
//   adapter: its passEnv names/prefixes (ANTHROPIC_*, CLAUDE_*, IS_SANDBOX for claude; OPENAI_* for codex ...)
//   gas town: GT_TOWN, GT_RIG, GT_ROLE, GT_AGENT, GT_SESSION, BD_ACTOR (and GT_SESSION_INSTANCE,
//   added by the session provider). No BEADS_DIR: `bd` in an
//   agent's session finds its database by directory and routes ids by prefix, as it does for a
//   person (a Mayor that cds into a rig files there), and the nearest database wins over a
//   worktree's tracked JSONL (beads/routes.ts).
const BASE = ['PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'LANG', 'TZ', 'TMPDIR', 'TERM', 'GIT_CONFIG_NOSYSTEM', 'GIT_CONFIG_GLOBAL', 'XDG_CONFIG_HOME', 'XDG_DATA_HOME', 'XDG_STATE_HOME', 'XDG_CACHE_HOME', 'XDG_RUNTIME_DIR'];
const BASE_PREFIXES = ['LC_', 'GIT_AUTHOR_', 'GIT_COMMITTER_'];

/**
 * The caller's variables a process of ours may see: the base above plus `names` (exact names, or
 * prefixes ending in '_'). Everything else (API keys, cloud credentials) stays out. Pure.
 */
export function baseEnv(parent: NodeJS.ProcessEnv, names: string[] = []): Record<string, string> {
  const wanted = (k: string) =>
    BASE.includes(k) || BASE_PREFIXES.some((p) => k.startsWith(p)) ||
    names.some((p) => (p.endsWith('_') ? k.startsWith(p) : k === p));
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(parent)) if (v !== undefined && wanted(k)) env[k] = v;
  return env;
}

export interface AgentEnvInput {
  parent: NodeJS.ProcessEnv;
  passEnv: string[];
  binDir: string;
  town: string;
  rig?: string;
  role: string;
  address: string;
  session: string;
  /** Adapter/config-specific additions (custom agent env), applied last. */
  extra?: Record<string, string>;
}

export function agentEnv(i: AgentEnvInput): Record<string, string> {
  const env = baseEnv(i.parent, i.passEnv);
  const path = (i.parent.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(':').filter((d) => d && d !== i.binDir);
  env.PATH = [i.binDir, ...path].join(':');
  env.TERM = 'xterm-256color';
  env.LANG ??= 'C.UTF-8';
  env.GT_TOWN = i.town;
  if (i.rig) env.GT_RIG = i.rig;
  env.GT_ROLE = i.role;
  env.GT_AGENT = i.address;
  env.GT_SESSION = i.session;
  env.BD_ACTOR = i.address;
  return { ...env, ...(i.extra ?? {}) };
}
