// Sourcegraph Amp (`amp`). Reads AGENTS.md; `--dangerously-allow-all` skips tool approvals;
// `-x <prompt>` executes one prompt and exits (headless); threads continue with `amp threads continue`.
import { BUSY, type Adapter } from './types.js';

export const amp: Adapter = {
  name: 'amp',
  binary: 'amp',
  promptFile: 'AGENTS.md',
  passEnv: ['AMP_', 'HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY'],
  ownsSessionId: false,
  command: (ctx) => ctx.mode === 'headless'
    ? ['amp', '--dangerously-allow-all', '-x', ctx.prompt ?? 'Run `gt prime` and work your hook.']
    : ['amp', '--dangerously-allow-all'],
  isIdle: (screen) => !BUSY.test(screen) && /^\s*>/m.test(screen),
};
