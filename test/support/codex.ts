// Running the real `codex` binary (node_modules/.bin/codex, from @openai/codex) against the stub
// OpenAI model, without touching the user's own ~/.codex: a scratch CODEX_HOME whose config.toml
// makes a custom model provider (Responses API at the stub's base URL, key from an env var) the default.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, binDir } from './cli.js';

export const codexBinDir = join(repoRoot, 'node_modules', '.bin');
export const codexBin = join(codexBinDir, 'codex');

/**
 * Writes <dir>/.codex/config.toml for the stub and returns the env that points codex at it.
 * `model` unset = codex's own default model (code mode tools); a pinned older one gets plain tools.
 */
export function codexEnv(stubUrl: string, dir: string, model?: string): Record<string, string> {
  const home = join(dir, '.codex');
  mkdirSync(home, { recursive: true });
  writeFileSync(join(home, 'config.toml'), [
    ...(model ? [`model = ${JSON.stringify(model)}`] : []),
    'model_provider = "stub"',
    '',
    '[model_providers.stub]',
    'name = "stub"',
    `base_url = ${JSON.stringify(stubUrl)}`,
    'wire_api = "responses"',
    'env_key = "OPENAI_API_KEY"',
    '',
  ].join('\n'));
  return {
    CODEX_HOME: home,
    OPENAI_API_KEY: 'sk-stub',
    PATH: `${binDir}:${codexBinDir}:${process.env.PATH}`,
  };
}
