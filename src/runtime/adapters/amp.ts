// Sourcegraph Amp (`amp`). Checked against @sourcegraph/amp 0.0.1790142911-g7618fb (binary from
// @ampcode/cli-linux-x64): `--help`, `threads continue --help`, and running it.
// Verified:
// - `-x, --execute [message]` runs one prompt and exits, printing only the last assistant message.
// - `--dangerously-allow-all` is accepted (not listed in --help; an unknown option exits 1 with
//   "unknown option", this one does not); the documented equivalent is "amp.dangerouslyAllowAll".
// - The interactive TUI takes no prompt argument (only stdin); the opening prompt has to be typed.
// - Threads continue with `amp threads continue <id>`; `-x` is a global option (help text only:
//   seance's `threads continue <id> -x <question>` was not run).
// Not verified: the TUI screen and so the idle pattern (amp stops at "No API key found. Starting
// login flow..." without AMP_API_KEY, and with a key it must reach the Amp server before drawing),
// and that it reads AGENTS.md (documented). Amp picks its own thread ids: ownsSessionId is false.
import { BUSY, type Adapter, DEFAULT_PROMPT, PROXY_ENV } from './types.js';

export const amp: Adapter = {
  name: 'amp',
  binary: 'amp',
  promptFile: 'AGENTS.md',
  passEnv: ['AMP_', ...PROXY_ENV],
  ownsSessionId: false,
  command: (ctx) => ctx.mode === 'headless'
    ? ['amp', '--dangerously-allow-all', '-x', ctx.prompt ?? DEFAULT_PROMPT]
    : ['amp', '--dangerously-allow-all'],
  isIdle: (screen) => !BUSY.test(screen) && /^\s*>/m.test(screen),
  askArgv: (id, q) => ['amp', 'threads', 'continue', id, '-x', q],
};
