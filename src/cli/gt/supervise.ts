// gt demo, gt patrol, gt daemon, gt witness.
import type { Command } from 'commander';
import { output, say, warn } from '../output.js';
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
      const log = (l: string) => say(l, o.json ? process.stderr : process.stdout);
      const s = await runDemo({ agent: o.agent, dir: o.dir, mode: o.headless ? 'headless' : undefined, batch: o.batch, timeoutSec: o.timeout, log, warn: (l) => warn('gt', l) });
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
      for (const w of r.witness) if (w.error) warn('gt', `witness: ${w.agent}: ${w.action.kind} FAILED: ${w.error}`);
      for (const e of r.errors) warn('gt', `${'rig' in e ? `${e.phase} ${e.rig}` : `convoy ${e.convoy}`}: FAILED: ${e.message}`);
      output(o.json, r, (d) =>
        [
          ...d.witness.filter((w) => !w.error).map((w) => `witness: ${w.agent}: ${w.action.kind}${'reason' in w.action ? ` (${w.action.reason})` : ''}`),
          ...d.refinery.map((x) => `refinery ${x.rig}: ${x.merged.length} merged, ${x.bounced.length} bounced`),
          ...d.landed.map((c) => `convoy ${c} landed`),
        ].join('\n') || (d.errors.length || d.witness.some((w) => w.error) ? '' : 'Nothing to do.'),
      );
    });

  program
    .command('daemon')
    .description('run the deacon in the foreground until interrupted: patrols (backing off while idle), beads sync, heartbeat; one per town (gt up runs it in the background)')
    .option('--batch <n>', 'refinery batch size', positiveInt, 1)
    .option('--max-delay <sec>', 'longest idle wait between patrols', positiveInt, 60)
    .option('--sync-every <sec>', "commit the town's beads to git (gt sync) this often; 0: never", nonNegativeInt, 60)
    .option('--machine <name>', "this machine's name in a town shared across machines (kept in the town's local.toml)")
    .action(async (o: { batch: number; maxDelay: number; syncEvery: number; machine?: string }) => {
      const { runDeacon } = await import('../../supervise/deacon.js');
      const town = await currentTown();
      if (o.machine !== undefined) {
        const { setMachineName } = await import('../../town/machine.js');
        setMachineName(town, o.machine);
      }
      process.stdout.write(`gt daemon: patrolling ${town.root} (Ctrl-C to stop)\n`);
      await runDeacon(town, { batch: o.batch, maxDelaySec: o.maxDelay, syncEverySec: o.syncEvery }, (l) => say(l));
    });

  program
    .command('up')
    .description('start the deacon in the background (patrols, refineries, staged convoy work, beads sync); the witness resumes hooked work stopped by gt down --all; safe to run twice')
    .option('--batch <n>', 'refinery batch size', positiveInt, 1)
    .option('--machine <name>', "this machine's name in a town shared across machines (kept in the town's local.toml; default: the hostname)")
    .option('--json', 'print JSON')
    .action(async (o: { batch: number; machine?: string; json?: boolean }) => {
      const { startDeacon } = await import('../../supervise/deacon.js');
      const town = await currentTown();
      if (o.machine !== undefined) {
        const { setMachineName } = await import('../../town/machine.js');
        setMachineName(town, o.machine);
      }
      const r = await startDeacon(town, { batch: o.batch });
      output(o.json, r, (d) => `${d.started ? 'Started' : 'Already running:'} deacon pid ${d.pid}; log ${d.log}\nTo have Boot restart it if it ever dies, add to your crontab: */5 * * * * gt boot`);
    });

  for (const cmd of [program.command('down'), program.command('estop')]) {
    const estop = cmd.name() === 'estop';
    cmd
      .description(estop
        ? 'emergency stop: the deacon and every agent session (same as gt down --all); hooks are kept, gt up resumes'
        : 'stop the background deacon (it finishes its patrol; killed after 10 s); --all also stops every agent session, keeping their hooks')
      .option('--all', 'also stop every agent session (work stays on hooks; gt up and the witness resume it)')
      .option('--json', 'print JSON')
      .action(async (o: { all?: boolean; json?: boolean }) => {
        const { stopDeacon } = await import('../../supervise/deacon.js');
        const town = await currentTown();
        // The deacon first, so its witness does not restart what is being stopped.
        const deacon = await stopDeacon(town);
        let agents: string[] | undefined;
        if (o.all || estop) {
          const { stopAllAgents } = await import('../../work/fleet.js');
          agents = (await stopAllAgents(town)).stopped;
        }
        output(o.json, { ...deacon, agents }, (d) =>
          [d.stopped ? `Stopped deacon pid ${d.pid}` : 'No deacon was running', ...(d.agents ? [`Stopped ${d.agents.length} agent session(s); their hooks are kept (gt up resumes the work)`] : [])].join('\n'));
      });
  }

  program
    .command('boot')
    .description('Boot, the watchdog: start the deacon if none runs, restart it if its heartbeat is stale (run it from cron every 5 minutes)')
    .option('--stale-after <sec>', 'a heartbeat older than this means hung', positiveInt, 120)
    .option('--json', 'print JSON')
    .action(async (o: { staleAfter: number; json?: boolean }) => {
      const { bootCheck } = await import('../../supervise/deacon.js');
      const r = await bootCheck(await currentTown(), { staleAfterMs: o.staleAfter * 1000 });
      output(o.json, r, (d) => (d.kind === 'ok' ? `Deacon pid ${d.pid ?? '?'} is healthy` : `${d.kind === 'start' ? 'Started' : 'Restarted'} the deacon (pid ${d.pid}): ${d.reason}`));
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
      for (const w of r) if (w.error) warn('gt', `${w.agent}: ${w.action.kind} FAILED: ${w.error}`);
      output(o.json, r, (d) => d.filter((w) => !w.error).map((w) => `${w.agent}: ${w.action.kind}${'reason' in w.action ? ` (${w.action.reason})` : ''}`).join('\n') || (r.length ? '' : 'All polecats healthy.'));
    });
}
