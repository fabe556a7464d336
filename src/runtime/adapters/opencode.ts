// opencode (`opencode`). Checked against opencode-ai 1.18.33: `--help`, `run --help`, and the real
// TUI in tmux (scratch HOME, provider pointed at a dead loopback URL).
// Verified:
// - No first-run dialog: the TUI opens straight at "Ask anything…".
// - `--prompt <text>` submits the opening prompt in the TUI; `opencode run <message..>` is headless.
// - `--auto` (TUI and run) auto-approves permissions that are not explicitly denied; without it
//   an "ask" permission would stall an unattended agent.
// - Idle footer: "tab agents  ctrl+p commands". Busy footer: "esc interrupt" (no "to"), and
//   "ctrl+p commands" stays on screen while busy, so the generic BUSY pattern alone is not enough.
// - `run --session <id> --fork` continues a copy of a session (the original is left alone).
// - End to end against a stub model (test/e2e-opencode.test.ts): its built-in `anthropic` provider
//   with `options.baseURL`/`apiKey` in opencode.json speaks the Messages API; the shell tool is
//   `bash` ({command, description}); `run --auto` and the TUI (`--auto --prompt`, then `gt nudge`
//   at the idle footer) both work a bead to `gt done` with no adapter change. At every start it
//   npm-installs @opencode-ai/plugin into its config dir in the background (tests pre-seed it).
// Not verified: that opencode reads AGENTS.md (documented), and seance output format. opencode picks
// its own session ids, so ownsSessionId is false.
import { join } from 'node:path';
import { BUSY, type Adapter, DEFAULT_PROMPT, PROXY_ENV } from './types.js';

const OPENCODE_BUSY = /\besc\s+(again to )?interrupt\b/i;

export const opencode: Adapter = {
  name: 'opencode',
  binary: 'opencode',
  promptFile: 'AGENTS.md',
  passEnv: ['OPENCODE_', 'ANTHROPIC_', 'OPENAI_', ...PROXY_ENV],
  ownsSessionId: false,
  command: (ctx) => ctx.mode === 'headless'
    ? ['opencode', 'run', '--auto', ctx.prompt ?? DEFAULT_PROMPT]
    : ['opencode', '--auto', ...(ctx.prompt ? ['--prompt', ctx.prompt] : [])],
  isIdle: (screen) => /ctrl\+p commands/i.test(screen) && !OPENCODE_BUSY.test(screen) && !BUSY.test(screen),
  askArgv: (id, q) => ['opencode', 'run', '--session', id, '--fork', q],
  // Its database (tokens and cost per message): see runtime/usage-opencode.ts.
  usageSource: (ctx, env) => join(env.XDG_DATA_HOME || join(ctx.home, '.local', 'share'), 'opencode', 'opencode.db'),
};
