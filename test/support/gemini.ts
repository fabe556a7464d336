// Running the real `gemini` binary (node_modules/.bin/gemini, from @google/gemini-cli) against the
// stub Gemini model. Its config lives under $HOME/.gemini, and the town fixture's HOME is already a
// scratch dir, so the user's own ~/.gemini is never touched; the adapter's prepare() seeds the auth type there.
import { join } from 'node:path';
import { repoRoot, binDir } from './cli.js';

export const geminiBinDir = join(repoRoot, 'node_modules', '.bin');
export const geminiBin = join(geminiBinDir, 'gemini');

/** The env that points gemini at the stub: base URL, a fake API key (picks the gemini-api-key auth). */
export function geminiEnv(stubUrl: string): Record<string, string> {
  return {
    GOOGLE_GEMINI_BASE_URL: stubUrl,
    GEMINI_API_KEY: 'stub-key',
    PATH: `${binDir}:${geminiBinDir}:${process.env.PATH}`,
  };
}
