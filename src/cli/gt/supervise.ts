// gt demo, gt patrol, gt daemon, gt witness.
import type { Command } from 'commander';
import { output } from '../main.js';
import { currentTown, nonNegativeInt, positiveInt } from './context.js';

export function register(program: Command): void {
  program
    .command('demo')
    .description('build a fresh town in a temp dir with a sample project, sling a convoy of 8 beads to shell-agent polecats, and watch the refinery land it (bounces and fixes included)')
    .option('--agent <name>', 'agent for the polecats: shell (built in, no model needed) or claude', 'shell')
    .option('--dir <dir>', 'where to build the demo (default: a new temp dir)')
    .option('--headless', 'run agents as detached processes instead of tmux sessions')
    .option('--batch <n>', 'refinery batch size', positiveInt, 1)
    .option('--timeout <sec>', 'give up after this many seconds', positiveInt, 110)
    .option('--json', 'print the summary as JSON (progress goes to stderr)')
    .action(async (o: { agent: string; dir?: string; headless?: boolean; batch: number; timeout: number; json?: boolean }) => {
      const { runDemo, renderSummary } = await import('../../supervise/demo.js');
      const log = (l: string) => (o.json ? process.stderr : process.stdout).write(l + '\n');
      const s = await runDemo({ agent: o.agent, dir: o.dir, mode: o.headless ? 'headless' : undefined, batch: o.batch, timeoutSec: o.timeout, log });
      output(o.json, s, renderSummary);
      if (!s.landed) process.exitCode = 1;
    });

  program
    .command('patrol')
    .description('one supervision pass: every rig\'s witness (restart dead polecats, nudge idle ones), refinery (drain the queue), and convoys')
    .option('--batch <n>', 'refinery batch size', positiveInt, 1)
    .option('--json', 'print JSON')
    .action(async (o: { batch: number; json?: boolean }) => {
      const { patrolOnce } = await import('../../supervise/patrol.js');
      const r = await patrolOnce(await currentTown(), { batch: o.batch });
      output(o.json, r, (d) =>
        [
          ...d.witness.map((w) => `witness: ${w.agent}: ${w.action.kind}${'reason' in w.action ? ` (${w.action.reason})` : ''}${w.error ? ` FAILED: ${w.error}` : ''}`),
          ...d.refinery.map((x) => `refinery ${x.rig}: ${x.merged.length} merged, ${x.bounced.length} bounced`),
          ...d.landed.map((c) => `convoy ${c} landed`),
        ].join('\n') || 'Nothing to do.',
      );
    });

  program
    .command('daemon')
    .description('run patrols in the foreground until interrupted, backing off exponentially while idle')
    .option('--batch <n>', 'refinery batch size', positiveInt, 1)
    .option('--max-delay <sec>', 'longest idle wait between patrols', positiveInt, 60)
    .option('--sync-every <sec>', "commit the town's beads to git (gt sync) this often; 0: never", nonNegativeInt, 60)
    .action(async (o: { batch: number; maxDelay: number; syncEvery: number }) => {
      const { patrolOnce, nextDelay } = await import('../../supervise/patrol.js');
      const { syncTown } = await import('../../town/beads-sync.js');
      const town = await currentTown();
      let delay = 1000;
      let lastSync = 0;
      let stop = false;
      process.on('SIGINT', () => (stop = true));
      process.on('SIGTERM', () => (stop = true));
      process.stdout.write(`gt daemon: patrolling ${town.root} (Ctrl-C to stop)\n`);
      while (!stop) {
        const r = await patrolOnce(town, { batch: o.batch, log: (l) => process.stdout.write(`  ${l}\n`) });
        if (r.busy) process.stdout.write(`${new Date().toISOString()} patrol: ${r.witness.length} witness actions, ${r.refinery.reduce((n, x) => n + x.merged.length, 0)} merged, ${r.landed.length} convoys landed\n`);
        if (o.syncEvery > 0 && Date.now() - lastSync >= o.syncEvery * 1000) {
          lastSync = Date.now();
          for (const x of await syncTown(town)) {
            const warning = x.error ?? x.report?.remoteError;
            if (warning) process.stdout.write(`${new Date().toISOString()} beads sync ${x.name}: ${warning}\n`);
          }
        }
        delay = nextDelay(delay, r.busy, 1000, o.maxDelay * 1000);
        await new Promise((res) => setTimeout(res, delay));
      }
    });

  program
    .command('witness')
    .description('the per-rig supervisor of polecats')
    .command('run <rig>')
    .description('one witness pass over a rig: restart dead sessions on their worktree and hook, nudge idle ones')
    .option('--json', 'print JSON')
    .action(async (rigName: string, o: { json?: boolean }) => {
      const town = await currentTown();
      const { loadRig } = await import('../../town/rig.js');
      const { witnessPatrol } = await import('../../supervise/witness.js');
      const r = await witnessPatrol(town, loadRig(town, rigName));
      output(o.json, r, (d) => d.map((w) => `${w.agent}: ${w.action.kind}${'reason' in w.action ? ` (${w.action.reason})` : ''}${w.error ? ` FAILED: ${w.error}` : ''}`).join('\n') || 'All polecats healthy.');
    });
}
