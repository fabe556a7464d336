// What an adapter knows about one agent CLI: how to launch it, how to skip its first-run prompts,
// how it receives its role prompt, how to tell idle from busy, how to resume a session, and where
// its usage is recorded. Adapters are plain data + pure functions; launch.ts does the I/O.
import type { SessionMode } from '../session.js';

export interface LaunchContext {
  /** The agent's address, e.g. 'rig/polecats/ace'. */
  address: string;
  role: string;
  workdir: string;
  mode: SessionMode;
  /** The id we give the session when the CLI accepts one (Claude Code: --session-id). */
  sessionId: string;
  /** Opening prompt, typed as the first user message. */
  prompt?: string;
  /** The agent's HOME (where the CLI's own config lives). */
  home: string;
  /** The town's root: every identity's workdir is below it. */
  townRoot: string;
  /** The `gt` executable (absolute), for hooks and the shell agent. */
  gtBin: string;
}

export interface Adapter {
  name: string;
  /** Executable looked up on the agent's PATH before launching (missing = clear error). */
  binary: string;
  /** File in the agent's directory that carries the role prompt pointer. */
  promptFile: 'CLAUDE.md' | 'AGENTS.md' | 'GEMINI.md';
  /** Caller env vars (exact names or prefixes ending in '_') the CLI needs, passed through. */
  passEnv: string[];
  /** Whether the session id we pass is the CLI's own (so seance can resume it). */
  ownsSessionId: boolean;
  /** Seeds the CLI's config so no first-run dialog blocks; only adds, never overwrites. */
  prepare?(ctx: LaunchContext): void;
  /** argv to start the agent (argv[0] = binary). */
  command(ctx: LaunchContext): string[];
  /** Reads the captured screen: true when the agent waits at its prompt. */
  isIdle(screen: string): boolean;
  /**
   * A screen on which the agent cannot go on without a person (not logged in, no valid key): its
   * session is alive but will never work, so waiting for it is pointless.
   */
  needsPerson?: RegExp;
  /**
   * Pause between typing a nudge and pressing Enter, for TUIs that take an Enter arriving right
   * after typed text for a pasted newline (the message would sit in the composer unsent).
   */
  submitDelayMs?: number;
  /** argv asking a finished session a question, answer on stdout (seance). */
  askArgv?(sessionId: string, question: string, ctx: LaunchContext): string[];
  /** Extracts the answer from askArgv's stdout. */
  parseAnswer?(stdout: string): string;
  /** Where this session's transcript (with usage) is written. */
  transcriptPath?(ctx: LaunchContext): string;
  /**
   * Where a CLI that names its own sessions records usage (a directory or database, read by
   * runtime/costs.ts with the session's cwd and times); `env` is the session's environment.
   */
  usageSource?(ctx: LaunchContext, env: Record<string, string>): string;
}

/** The one-paragraph role pointer written to the agent's prompt file. Full context comes from `gt prime`. */
export function rolePointer(ctx: Pick<LaunchContext, 'address' | 'role'>): string {
  return [
    `# Gas Town agent: ${ctx.address}`,
    '',
    `You are \`${ctx.address}\` (role: ${ctx.role}) in Gas Town.`,
    'Run `gt prime` at the start of every session: it prints your role instructions and the work on your hook.',
    'GUPP: if there is work on your hook, you run it. When the work is committed, run `gt done`.',
    '',
  ].join('\n');
}

/** Matches a generic "busy" footer shared by several TUIs. */
/** The opening prompt when a headless launch is given none. */
export const DEFAULT_PROMPT = 'Run `gt prime` and work your hook.';

/** Proxy settings every agent CLI needs to reach its model where the network requires a proxy. */
export const PROXY_ENV = ['HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY'];

export const BUSY = /esc to (interrupt|cancel)/i;
