// The shell agent: Gas Town's own model-free worker. It does what a coding agent would, through the
// same commands: reads its hook (`gt hook --json`), runs the fenced ```sh block of the hooked
// bead's description in its worktree (bash -e), commits everything, and runs `gt done`. On failure
// it comments the bead with the evidence (`bd comment`) and exits non-zero.
import { run } from '../lib/proc.js';
import { git, gitTry } from '../lib/git.js';

/** The first fenced sh/bash block of a description, or undefined. Pure. */
export function extractShellBlock(description: string | undefined): string | undefined {
  const m = /```(?:sh|bash|shell)[^\n]*\n([\s\S]*?)```/.exec(description ?? '');
  return m?.[1];
}

export interface ShellAgentIo { log: (line: string) => void }

export async function runShellAgent(cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env, io: ShellAgentIo = { log: (l) => process.stdout.write(l + '\n') }): Promise<number> {
  const hook = await run('gt', ['hook', '--json'], { cwd, env });
  if (hook.code !== 0) {
    io.log(`shell agent: gt hook failed: ${hook.stderr.trim()}`);
    return 1;
  }
  const view = JSON.parse(hook.stdout) as { bead?: { id: string; title: string; description?: string } };
  if (!view.bead) {
    io.log('shell agent: hook is empty; nothing to do');
    return 0;
  }
  const bead = view.bead;
  io.log(`shell agent: working ${bead.id} ${bead.title}`);
  const script = extractShellBlock(bead.description);
  const fail = async (why: string) => {
    io.log(`shell agent: FAILED: ${why}`);
    await run('bd', ['comment', bead.id, `shell agent failed: ${why}`.slice(0, 4000)], { cwd, env });
    return 1;
  };
  if (script === undefined) return fail('the bead has no fenced ```sh block to run');
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
