// The shell agent: Gas Town's own model-free worker (src/runtime/shell-agent.ts, run as
// `gt agent shell`). It runs the fenced ```sh block of its hooked bead, commits, and calls `gt done`.
import type { Adapter } from './types.js';

export const shell: Adapter = {
  name: 'shell',
  binary: 'gt',
  promptFile: 'AGENTS.md',
  passEnv: [],
  ownsSessionId: false,
  command: (ctx) => [ctx.gtBin, 'agent', 'shell'],
  isIdle: () => false, // a batch worker: never waits at a prompt
};
