// Google Gemini CLI (`gemini`). Reads GEMINI.md; `--yolo` auto-approves tools; `-i` runs an
// opening prompt and stays interactive, `-p` is the non-interactive form.
import { BUSY, type Adapter } from './types.js';

export const gemini: Adapter = {
  name: 'gemini',
  binary: 'gemini',
  promptFile: 'GEMINI.md',
  passEnv: ['GEMINI_', 'GOOGLE_', 'HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY'],
  ownsSessionId: false,
  command: (ctx) => ctx.mode === 'headless'
    ? ['gemini', '--yolo', '-p', ctx.prompt ?? 'Run `gt prime` and work your hook.']
    : ['gemini', '--yolo', ...(ctx.prompt ? ['-i', ctx.prompt] : [])],
  isIdle: (screen) => /Type your message/i.test(screen) && !BUSY.test(screen),
};
