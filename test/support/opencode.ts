// Running the real `opencode` binary (node_modules/.bin/opencode, from opencode-ai) against the stub
// Anthropic model, without touching the user's own config: scratch XDG config/data/cache/state dirs
// whose opencode/opencode.json points the built-in `anthropic` provider at the stub and pins the model.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, binDir } from './cli.js';

export const opencodeBinDir = join(repoRoot, 'node_modules', '.bin');
export const opencodeBin = join(opencodeBinDir, 'opencode');

/** Writes <dir>/.opencode-xdg/config/opencode/opencode.json for the stub; returns the env that uses it. */
export function opencodeEnv(stubUrl: string, dir: string): Record<string, string> {
  const xdg = join(dir, '.opencode-xdg');
  const config = join(xdg, 'config', 'opencode');
  mkdirSync(config, { recursive: true });
  writeFileSync(join(config, 'opencode.json'), JSON.stringify({
    $schema: 'https://opencode.ai/config.json',
    model: 'anthropic/claude-sonnet-4-5',
    autoupdate: false,
    share: 'disabled',
    provider: { anthropic: { options: { baseURL: `${stubUrl}/v1`, apiKey: 'stub-key' } } },
  }, null, 2));
  // opencode 1.18 npm-installs @opencode-ai/plugin into its config dir in the background at every
  // start unless node_modules exists and package-lock.json already lists it: seed both, so there
  // is no registry traffic and nothing still writing into the temp dir when the test removes it.
  mkdirSync(join(config, 'node_modules'), { recursive: true });
  writeFileSync(join(config, 'package-lock.json'), JSON.stringify({ packages: { '': { dependencies: { '@opencode-ai/plugin': '*' } } } }));
  return {
    XDG_CONFIG_HOME: join(xdg, 'config'),
    XDG_DATA_HOME: join(xdg, 'data'),
    XDG_CACHE_HOME: join(xdg, 'cache'),
    XDG_STATE_HOME: join(xdg, 'state'),
    // No traffic but the stub: the bundled model list instead of models.dev, no update check.
    OPENCODE_DISABLE_MODELS_FETCH: '1',
    OPENCODE_DISABLE_AUTOUPDATE: '1',
    PATH: `${binDir}:${opencodeBinDir}:${process.env.PATH}`,
  };
}
