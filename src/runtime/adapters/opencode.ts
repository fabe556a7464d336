// opencode (`opencode`). Reads AGENTS.md; `opencode run <prompt>` is non-interactive and
// `opencode run --session <id>` continues a session.
import { BUSY, type Adapter } from './types.js';

export const opencode: Adapter = {
  name: 'opencode',
  binary: 'opencode',
  promptFile: 'AGENTS.md',
  passEnv: ['OPENCODE_', 'ANTHROPIC_', 'OPENAI_', 'HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY'],
  ownsSessionId: false,
  command: (ctx) => ctx.mode === 'headless'
    ? ['opencode', 'run', ctx.prompt ?? 'Run `gt prime` and work your hook.']
    : ['opencode', ...(ctx.prompt ? ['--prompt', ctx.prompt] : [])],
  isIdle: (screen) => !BUSY.test(screen) && /ctrl\+p|enter send/i.test(screen),
  askArgv: (id, q) => ['opencode', 'run', '--session', id, q],
};
