// Google Gemini CLI (`gemini`). Checked against @google/gemini-cli 0.61.0: `--help`, its bundled
// source, and the real TUI in tmux (scratch HOME, fake key, loopback GOOGLE_GEMINI_BASE_URL).
// Verified:
// - Reads GEMINI.md ("Create GEMINI.md files to customize your interactions").
// - `--yolo` auto-approves tools, but in an untrusted folder it is overridden to "default", the TUI
//   opens a "Do you trust the files in this folder?" dialog, and `-p` exits 55 ("not running in a
//   trusted directory"). `--skip-trust` trusts the workdir for this session only.
// - The TUI opens an auth dialog unless settings.security.auth.selectedType is set, even with
//   GEMINI_API_KEY in the env (headless `-p` picks the auth type from the env by itself). prepare()
//   adds that key to ~/.gemini/settings.json, chosen from the env the way gemini's own
//   getAuthTypeFromEnv does, only when it is missing.
// - `-i <prompt>` runs an opening prompt and stays interactive; `-p <prompt>` is headless.
// - `--session-id <uuid>` names a new session (chats/session-<time>-<uuid8>.jsonl) and
//   `--resume <uuid>` finds it again for the same project (cwd): seance resumes it with `-p`.
//   There is no fork: the seance question is appended to the predecessor's session.
// - Idle: "Type your message or @path/to/file"; busy: "Thinking... (esc to cancel, 1s)".
// End to end (test/e2e-gemini.test.ts: the real binary against a stub Gemini API, fake key):
// - Headless `-p` and the TUI both reach GOOGLE_GEMINI_BASE_URL (`:streamGenerateContent?alt=sse`
//   for the agent loop, `:generateContent` with a JSON schema for side calls such as its task
//   router). Its shell tool is `run_shell_command {command}`; results come back as functionResponse.
// - With GOOGLE_GEMINI_BASE_URL set, gemini's env-derived auth type is "gateway", which headless
//   `-p` rejects (exit 41 "Invalid auth method selected") unless security.auth.selectedType is set:
//   prepare() seeding it matters in both modes.
// - Without the kitty keyboard protocol (tmux has none) the TUI turns an Enter that arrives within
//   30 ms of typed text into a newline (its paste guard), so a nudge could sit in the composer
//   unsent: submitDelayMs spaces the Enter from the text.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../lib/fsx.js';
import { BUSY, type Adapter, DEFAULT_PROMPT, PROXY_ENV } from './types.js';

/** The auth type gemini would pick from these env vars (its getAuthTypeFromEnv, minus gateway). */
export function geminiAuthFromEnv(env: NodeJS.ProcessEnv): string | undefined {
  if (env.GOOGLE_GENAI_USE_GCA === 'true') return 'oauth-personal';
  if (env.GOOGLE_GENAI_USE_VERTEXAI === 'true') return 'vertex-ai';
  if (env.GEMINI_API_KEY) return 'gemini-api-key';
  return undefined;
}

/** Sets security.auth.selectedType in <home>/.gemini/settings.json when missing; leaves all else alone. */
export function seedGeminiAuth(home: string, env: NodeJS.ProcessEnv = process.env): void {
  const auth = geminiAuthFromEnv(env);
  if (!auth) return;
  const path = join(home, '.gemini', 'settings.json');
  type Settings = { security?: { auth?: { selectedType?: string } & Record<string, unknown> } & Record<string, unknown> } & Record<string, unknown>;
  let cfg: Settings = {};
  if (existsSync(path)) {
    try {
      const v = JSON.parse(readFileSync(path, 'utf8')) as unknown;
      if (!v || typeof v !== 'object') return;
      cfg = v as Settings;
    } catch {
      return; // not ours to repair (gemini accepts comments in it)
    }
  }
  if (cfg.security?.auth?.selectedType) return;
  cfg.security = { ...cfg.security, auth: { ...cfg.security?.auth, selectedType: auth } };
  writeFileAtomic(path, JSON.stringify(cfg, null, 2));
}

export const gemini: Adapter = {
  name: 'gemini',
  binary: 'gemini',
  promptFile: 'GEMINI.md',
  passEnv: ['GEMINI_', 'GOOGLE_', ...PROXY_ENV],
  ownsSessionId: true,
  prepare: (ctx) => seedGeminiAuth(ctx.home),
  command: (ctx) => ctx.mode === 'headless'
    ? ['gemini', '--yolo', '--skip-trust', '--session-id', ctx.sessionId, '-p', ctx.prompt ?? DEFAULT_PROMPT]
    : ['gemini', '--yolo', '--skip-trust', '--session-id', ctx.sessionId, ...(ctx.prompt ? ['-i', ctx.prompt] : [])],
  isIdle: (screen) => /Type your message/i.test(screen) && !BUSY.test(screen),
  submitDelayMs: 500,
  askArgv: (id, q) => ['gemini', '--resume', id, '--skip-trust', '-p', q],
  // Its chat files (tokens per model turn): see runtime/usage-gemini.ts.
  usageSource: (ctx) => join(ctx.home, '.gemini'),
};
