// OpenAI Codex CLI (`codex`). Reads AGENTS.md; `--dangerously-bypass-approvals-and-sandbox` skips
// approval prompts (agents run in their own worktree); `codex exec` is the non-interactive form and
// `codex exec resume <id>` continues a session. Codex picks its own session ids (ownsSessionId false).
import { BUSY, type Adapter } from './types.js';

export const codex: Adapter = {
  name: 'codex',
  binary: 'codex',
  promptFile: 'AGENTS.md',
  passEnv: ['OPENAI_', 'CODEX_', 'HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY'],
  ownsSessionId: false,
  command: (ctx) => ctx.mode === 'headless'
    ? ['codex', 'exec', '--dangerously-bypass-approvals-and-sandbox', ctx.prompt ?? 'Run `gt prime` and work your hook.']
    : ['codex', '--dangerously-bypass-approvals-and-sandbox', ...(ctx.prompt ? [ctx.prompt] : [])],
  isIdle: (screen) => /^\s*›/m.test(screen) && !BUSY.test(screen),
  askArgv: (id, q) => ['codex', 'exec', 'resume', id, q],
};
