// OpenAI Codex CLI (`codex`). Checked against codex-cli 0.169.0 (npm @openai/codex): `--help`,
// `exec --help`, `exec resume/fork --help`, and the real TUI in tmux (scratch HOME, loopback base URL).
// Verified:
// - `codex [OPTIONS] [PROMPT]`: the positional prompt is submitted as the first message.
// - `--dangerously-bypass-approvals-and-sandbox` exists (TUI shows "permissions: YOLO mode"), but it
//   does NOT skip the "Trust this folder?" dialog (whose "› 1. Trust and continue" looked idle).
//   `-c 'projects={"<workdir>"={trust_level="trusted"}}'` does, without writing config.toml. Trusting
//   a parent directory does not cover a git repo below it, so we trust the exact workdir.
// - The TUI starts a shared background app-server daemon that outlives the tmux session; `--no-daemon`
//   keeps everything inside the session's process tree.
// - Idle: input line `› ` plus the footer "? for shortcuts"; busy shows "• Working (… esc to interrupt)".
// - `codex exec [PROMPT]` is the non-interactive form (no daemon, no trust dialog);
//   `codex exec fork <id> [PROMPT]` answers from a copy of a session (the original is left alone).
// Run against a model (test/e2e-codex.test.ts: the real binary, a stub Responses API server):
// - It calls `POST <base_url>/responses` (SSE, store=false) with a custom `[model_providers.x]`
//   (`wire_api = "responses"`, `env_key` = the API key variable); `codex exec` needs no auth.json then.
// - Its shell tool is `exec_command`, which by default runs `bash -lc`: a login shell, where
//   /etc/profile (Debian/Ubuntu) resets PATH, so the town's bin dir we put first on PATH is lost
//   and `gt` is "command not found". `-c allow_login_shell=false` makes it run `bash -c` with our PATH.
// - The TUI treats text typed fast and then Enter as a paste: the Enter becomes part of it and the
//   message sits in the composer unsent, so `gt nudge` (tmux send-keys text, then Enter) never
//   submits. `-c tui.disable_paste_burst=true` makes Enter submit.
// - Without a pinned `model`, the TUI and `codex exec` use the default model, which gets the
//   code-mode tool surface (JavaScript `exec` calling `tools.exec_command`); a pinned older model
//   can open a "Meet <new model>" upgrade dialog first in the TUI (not handled here).
// Not verified: first-run auth. The TUI shows a sign-in screen unless $CODEX_HOME/auth.json exists
// (OPENAI_API_KEY in the env is not enough; `codex login --with-api-key` writes it). Codex picks its
// own session ids, so ownsSessionId is false.
import { join } from 'node:path';
import { BUSY, type Adapter, type LaunchContext, DEFAULT_PROMPT, PROXY_ENV } from './types.js';

/** `-c` override trusting exactly this directory (JSON string quoting is valid TOML for paths). */
export function codexTrust(dir: string): string[] {
  return ['-c', `projects={${JSON.stringify(dir)}={trust_level="trusted"}}`];
}

const BYPASS = '--dangerously-bypass-approvals-and-sandbox';
/** Commands run in a non-login shell, so they keep the PATH we give (town bin dir first). */
const NO_LOGIN_SHELL = ['-c', 'allow_login_shell=false'];
/** Typed text + Enter submits (nudges), instead of being taken for a paste. */
const NO_PASTE_BURST = ['-c', 'tui.disable_paste_burst=true'];

export const codex: Adapter = {
  name: 'codex',
  binary: 'codex',
  promptFile: 'AGENTS.md',
  passEnv: ['OPENAI_', 'CODEX_', ...PROXY_ENV],
  ownsSessionId: false,
  command: (ctx: LaunchContext) => ctx.mode === 'headless'
    ? ['codex', 'exec', BYPASS, ...NO_LOGIN_SHELL, ctx.prompt ?? DEFAULT_PROMPT]
    : ['codex', '--no-daemon', BYPASS, ...NO_LOGIN_SHELL, ...NO_PASTE_BURST, ...codexTrust(ctx.workdir), ...(ctx.prompt ? [ctx.prompt] : [])],
  isIdle: (screen) => /^› /m.test(screen) && /\? for shortcuts/.test(screen) && !BUSY.test(screen),
  askArgv: (id, q) => ['codex', 'exec', 'fork', id, q],
  // Its rollouts (with token_count events): see runtime/usage-codex.ts.
  usageSource: (ctx, env) => join(env.CODEX_HOME || join(ctx.home, '.codex'), 'sessions'),
};
