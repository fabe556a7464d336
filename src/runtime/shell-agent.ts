// The shell agent: Gas Town's own model-free worker. It does what a coding agent would, through the
// same commands: reads its hook (`gt hook --json`), runs the fenced ```sh block of the hooked
// bead's description in its worktree (bash -e), commits everything, and runs `gt done`. On failure
// it comments the bead with the evidence (`bd comment`) and exits non-zero.
import { run } from '../lib/proc.js';
import { git, gitTry } from '../lib/git.js';
import { fencedBlocks } from '../lib/markdown.js';

/** The first fenced sh/bash block of a description (`sh fix` for the fix variant), or undefined. Pure. */
export function extractShellBlock(description: string | undefined, variant: 'work' | 'fix' = 'work'): string | undefined {
  for (const b of fencedBlocks(description ?? '')) {
    const [lang, second] = b.info.split(/\s+/);
    if (!lang || !['sh', 'bash', 'shell'].includes(lang)) continue;
    if ((second === 'fix') === (variant === 'fix')) return b.body;
  }
  return undefined;
}

/** Whether a bead is a fix the refinery filed after a bounce (it then names the work it redoes). */
export function isFixBead(bead: { fields?: Record<string, unknown> }): boolean {
  return typeof bead.fields?.bounce_of === 'string' || typeof bead.fields?.bounce_root === 'string';
}

/**
 * What to run for a bead. A fix bead the refinery filed after a bounce carries prose and evidence
 * (test output, git's words), never a script: whatever fenced text that evidence holds is not
 * ours to run. The shell agent redoes the original work on top of current main, with the
 * original's `sh fix` block when it has one (a corrected script), else its `sh` block again.
 */
export function scriptFor(bead: { description?: string; fields?: Record<string, unknown> }, original?: { description?: string }): string | undefined {
  if (!isFixBead(bead)) return extractShellBlock(bead.description);
  return original && (extractShellBlock(original.description, 'fix') ?? extractShellBlock(original.description));
}

type ShownBead = { id: string; description?: string; bounce_of?: unknown; bounce_root?: unknown };

/** The original work a fix bead redoes: its recorded root, else down the `bounce_of` chain. */
async function originalOf(bead: { fields?: Record<string, unknown> }, cwd: string, env: NodeJS.ProcessEnv): Promise<ShownBead | undefined> {
  let id = bead.fields?.bounce_root ?? bead.fields?.bounce_of;
  for (let hops = 0; typeof id === 'string' && hops < 20; hops++) {
    const shown = await run('bd', ['show', id, '--json'], { cwd, env });
    if (shown.code !== 0) return undefined;
    const b = (JSON.parse(shown.stdout) as ShownBead[])[0];
    if (!b || typeof b.bounce_of !== 'string') return b;
    id = b.bounce_root ?? b.bounce_of; // a fix filed before roots were recorded
  }
  return undefined;
}

export interface ShellAgentIo { log: (line: string) => void }

export async function runShellAgent(cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env, io: ShellAgentIo = { log: (l) => process.stdout.write(l + '\n') }): Promise<number> {
  const hook = await run('gt', ['hook', '--json'], { cwd, env });
  if (hook.code !== 0) {
    io.log(`shell agent: gt hook failed: ${hook.stderr.trim()}`);
    return 1;
  }
  const view = JSON.parse(hook.stdout) as { bead?: { id: string; title: string; description?: string; fields?: Record<string, unknown> } };
  if (!view.bead) {
    io.log('shell agent: hook is empty; nothing to do');
    return 0;
  }
  const bead = view.bead;
  io.log(`shell agent: working ${bead.id} ${bead.title}`);
  const original = isFixBead(bead) ? await originalOf(bead, cwd, env) : undefined;
  const script = scriptFor(bead, original);
  const fail = async (why: string) => {
    io.log(`shell agent: FAILED: ${why}`);
    await run('bd', ['comment', bead.id, `shell agent failed: ${why}`.slice(0, 4000)], { cwd, env });
    return 1;
  };
  if (script === undefined) return fail(isFixBead(bead) ? 'the original work has no fenced ```sh block to redo' : 'the bead has no fenced ```sh block to run');
  const r = await run('bash', ['-e', '-c', script], { cwd, env, maxOutput: 64 * 1024 });
  if (r.stdout) io.log(r.stdout.trimEnd());
  if (r.stderr) io.log(r.stderr.trimEnd());
  if (r.code !== 0) return fail(`script exited ${r.code}: ${(r.stderr || r.stdout).trim().split('\n').slice(-5).join(' | ')}`);
  await git(cwd, ['add', '-A'], { env });
  const staged = await gitTry(cwd, ['diff', '--cached', '--quiet'], { env });
  if (staged.code !== 0) await git(cwd, ['commit', '-q', '-m', `${bead.title} (${bead.id})`], { env });
  const done = await run('gt', ['done'], { cwd, env });
  io.log(done.stdout.trimEnd());
  if (done.code !== 0) return fail(`gt done failed: ${done.stderr.trim()}`);
  return 0;
}
