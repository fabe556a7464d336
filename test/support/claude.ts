// Running the real `claude` binary (node_modules/.bin/claude, from @anthropic-ai/claude-code)
// against the stub model.
import { join } from 'node:path';
import { repoRoot, binDir } from './cli.js';

export const claudeBinDir = join(repoRoot, 'node_modules', '.bin');
export const claudeBin = join(claudeBinDir, 'claude');

/** What the agent needs to reach the stub: base URL, any token, no other traffic, root allowed. */
export function claudeEnv(stubUrl: string): Record<string, string> {
  return {
    ANTHROPIC_BASE_URL: stubUrl,
    ANTHROPIC_AUTH_TOKEN: 'stub-token',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    IS_SANDBOX: '1',
    PATH: `${binDir}:${claudeBinDir}:${process.env.PATH}`,
  };
}
