// Claude Code (`claude`). What we learned running the real 2.1 binary against the stub model:
// - First run: ~/.claude.json needs hasCompletedOnboarding and projects[<dir>].hasTrustDialogAccepted,
//   or it shows onboarding/trust dialogs. We only add these keys; the user's file keeps everything else.
//   Trust of a directory covers everything below it, so we trust the town root once rather than each
//   worktree: every running claude rewrites ~/.claude.json from its own copy, and per-worktree entries
//   added while other sessions run were lost that way (a polecat sat at the trust dialog).
// - --dangerously-skip-permissions shows a "Bypass Permissions mode" dialog unless
//   skipDangerousModePermissionPrompt is set in user, local, flag or policy settings (NOT project
//   settings). We pass it as flag settings (`--settings '{...}'`), so no user file is touched.
//   As root it also requires IS_SANDBOX=1 (passed through from the caller).
// - The project's .claude/settings.json IS read for hooks (once the folder is trusted): a
//   SessionStart hook there runs `gt prime` and its stdout lands in the model's context.
// - `--session-id <uuid>` names the session; the transcript is
//   <CLAUDE_CONFIG_DIR or ~/.claude>/projects/<cwd with every non-alphanumeric char as '-'>/<uuid>.jsonl,
//   one line per content block; assistant lines carry message.id, message.model, message.usage
//   (the same usage repeated for each block of one message: dedupe by message.id).
// - Requests besides the agent loop: HEAD / (connectivity), title generation without tools.
// - Idle: the input line `❯ ` is shown and the footer lacks "esc to interrupt".
// - Seance: `claude --resume <id> --fork-session -p <question> --output-format json` in the
//   session's cwd; the answer is .result. Forking leaves the predecessor's transcript untouched.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../lib/fsx.js';
import { BUSY, type Adapter, type LaunchContext, DEFAULT_PROMPT, PROXY_ENV } from './types.js';

const FLAG_SETTINGS = JSON.stringify({ skipDangerousModePermissionPrompt: true });

export function claudeConfigDir(home: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.CLAUDE_CONFIG_DIR || join(home, '.claude');
}

/** Claude Code's project directory name for a cwd. */
export function escapeProjectDir(cwd: string): string {
  return cwd.replace(/[^a-zA-Z0-9]/g, '-');
}

function readJson(path: string): Record<string, unknown> {
  if (!existsSync(path)) return {};
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  } catch {
    throw new Error(`${path} is not valid JSON; fix or remove it`);
  }
}

/** Adds onboarding-done and trust-this-folder to ~/.claude.json; leaves every other key alone. */
export function seedClaudeHome(home: string, workdir: string): void {
  const path = join(home, '.claude.json');
  const cfg = readJson(path);
  const projects = (cfg.projects as Record<string, Record<string, unknown>> | undefined) ?? {};
  const project = projects[workdir] ?? {};
  if (cfg.hasCompletedOnboarding === true && project.hasTrustDialogAccepted === true) return;
  cfg.hasCompletedOnboarding ??= true;
  projects[workdir] = { ...project, hasTrustDialogAccepted: true };
  cfg.projects = projects;
  writeFileAtomic(path, JSON.stringify(cfg, null, 2));
}

/** Adds a SessionStart hook running `gt prime` to <workdir>/.claude/settings.json (merged, idempotent). */
export function seedSessionStartHook(workdir: string, gtBin: string): void {
  const path = join(workdir, '.claude', 'settings.json');
  const cfg = readJson(path);
  const hooks = (cfg.hooks as Record<string, Array<{ matcher?: string; hooks: Array<{ type: string; command: string }> }>> | undefined) ?? {};
  const start = hooks.SessionStart ?? [];
  const command = `${gtBin} prime`;
  if (start.some((m) => m.hooks?.some((h) => h.command === command))) return;
  start.push({ hooks: [{ type: 'command', command }] });
  hooks.SessionStart = start;
  cfg.hooks = hooks;
  mkdirSync(join(workdir, '.claude'), { recursive: true });
  writeFileAtomic(path, JSON.stringify(cfg, null, 2));
}

export const claude: Adapter = {
  name: 'claude',
  binary: 'claude',
  promptFile: 'CLAUDE.md',
  passEnv: ['ANTHROPIC_', 'CLAUDE_', 'IS_SANDBOX', 'DISABLE_', 'AWS_', 'CLOUD_ML_REGION', 'GOOGLE_APPLICATION_CREDENTIALS', 'VERTEX_', ...PROXY_ENV],
  ownsSessionId: true,
  prepare(ctx) {
    seedClaudeHome(ctx.home, ctx.townRoot);
    seedSessionStartHook(ctx.workdir, ctx.gtBin);
  },
  command(ctx) {
    const common = ['--dangerously-skip-permissions', '--settings', FLAG_SETTINGS, '--session-id', ctx.sessionId];
    if (ctx.mode === 'headless') return ['claude', '-p', ctx.prompt ?? DEFAULT_PROMPT, ...common, '--output-format', 'stream-json', '--verbose'];
    return ['claude', ...common, ...(ctx.prompt ? [ctx.prompt] : [])];
  },
  needsPerson: /Invalid API key|Please run \/login|Select login method|OAuth token has expired/,
  isIdle: (screen) => /^❯ /m.test(screen) && !BUSY.test(screen) && !/Enter to confirm/.test(screen),
  askArgv: (id, q) => ['claude', '--resume', id, '--fork-session', '-p', q, '--dangerously-skip-permissions', '--settings', FLAG_SETTINGS, '--output-format', 'json'],
  parseAnswer(stdout) {
    try {
      const r = JSON.parse(stdout.trim().split('\n').pop() ?? '') as { result?: string; is_error?: boolean };
      return r.result ?? stdout;
    } catch {
      return stdout.trim();
    }
  },
  transcriptPath: (ctx) => join(claudeConfigDir(ctx.home), 'projects', escapeProjectDir(ctx.workdir), `${ctx.sessionId}.jsonl`),
};
