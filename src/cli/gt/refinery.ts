// gt refinery run, gt mq list|status|retry|remove.
import type { Command } from 'commander';
import { output, say, warn } from '../output.js';
import { currentTown, me, positiveInt } from './context.js';

const STATE_HELP = 'queued, testing, merged or bounced';

export function register(program: Command): void {
  const refinery = program.command('refinery').description("the rig's merge queue processor: rebase, test, land on main one MR (or one tested batch) at a time");
  refinery
    .command('run [rig]')
    .description('merge queued MRs to main: in priority then FIFO order, rebase onto main in the refinery worktree, run the rig\'s test command, ' +
      'fast-forward main (and push it when configured); conflicts and red tests bounce back as fix beads. Stops when the queue is empty.')
    .option('--batch <n>', 'test N queued MRs stacked on main at once; a red batch is bisected to its culprit', positiveInt, 1)
    .option('--on-conflict <mode>', "bounce: return conflicts to a polecat; agent: let the refinery's agent try to resolve first", 'bounce')
    .option('--agent-timeout <sec>', 'with --on-conflict agent: how long the agent gets per conflict', positiveInt, 600)
    .option('--once', 'run a single round (one MR, or one batch), then stop')
    .option('--no-start', 'hook bounced work on polecats without starting their sessions')
    .option('--json', 'print the run report as JSON')
    .action(async (rigArg: string | undefined, o: { batch: number; onConflict: string; agentTimeout: number; once?: boolean; start: boolean; json?: boolean }) => {
      const { UsageError } = await import('../../lib/errors.js');
      const { batch, agentTimeout } = o;
      if (o.onConflict !== 'bounce' && o.onConflict !== 'agent') throw new UsageError(`--on-conflict must be 'bounce' or 'agent', not '${o.onConflict}'`);
      const rigName = rigArg ?? process.env.GT_RIG;
      if (!rigName) throw new UsageError('which rig? pass it: gt refinery run <rig>');
      const town = await currentTown();
      const { loadRig } = await import('../../town/rig.js');
      const rig = loadRig(town, rigName);
      const { runRefinery } = await import('../../refinery/service.js');
      // Failures go to stderr in both modes; progress only to a person (--json prints the report).
      const log = (line: string, failure?: boolean) => (failure ? warn('gt', line) : o.json ? undefined : say(line));
      if (!rig.testCmd) warn('gt', `warning: rig ${rig.name} has no test command; MRs land rebased but untested (set test_cmd in ${rig.root}/rig.toml)`);
      const r = await runRefinery(town, rig, { batch, once: o.once, onConflict: o.onConflict, agentTimeoutMs: agentTimeout * 1000, startFixSessions: o.start, log, actor: await me(town) });
      if (r.upstreamStuck) warn('gt', `warning: ${rig.mainBranch} does not follow ${rig.remote} now: ${r.upstreamStuck}`);
      if (r.mainRed) warn('gt', `${rig.mainBranch} fails its own tests: ${r.deferred.length} MR${r.deferred.length === 1 ? '' : 's'} left queued, not bounced, until an MR makes it green`);
      output(o.json, r, (d) =>
        `${d.rig}: merged ${d.merged.length}, bounced ${d.bounced.length}` +
        (d.recovered.length ? `, recovered ${d.recovered.length} landed before a crash` : '') +
        ` (${d.rounds} round${d.rounds === 1 ? '' : 's'}, ${d.testRuns} test run${d.testRuns === 1 ? '' : 's'}); ${rig.mainBranch} at ${d.main.slice(0, 12)}`,
      );
    });

  const mq = program.command('mq').description('the merge queue: merge-request beads waiting for (or done with) the refinery');
  mq
    .command('list [rig]')
    .description('list merge requests, in the order the refinery takes them (default: queued and testing, all rigs)')
    .option('--state <states>', `comma-separated: ${STATE_HELP}`)
    .option('--all', 'include merged and bounced')
    .option('--json', 'print JSON')
    .action(async (rig: string | undefined, o: { state?: string; all?: boolean; json?: boolean }) => {
      const { parseMrState } = await import('../../work/merge-request.js');
      const states = o.state ? o.state.split(',').map((s) => parseMrState(s.trim())) : o.all ? undefined : (['queued', 'testing'] as const).slice();
      const town = await currentTown();
      const { mqList } = await import('../../refinery/mq.js');
      const list = await mqList(town, { rig, states });
      output(o.json, list, (d) =>
        d.length
          ? d.map((m) => `${m.id.padEnd(12)} ${m.state.padEnd(8)} P${m.priority} ${m.rig.padEnd(10)} ${m.branch}  (${m.source_bead}${m.attempts.length ? `, ${m.attempts.length} attempt${m.attempts.length > 1 ? 's' : ''}` : ''})`).join('\n')
          : 'The merge queue is empty.',
      );
    });
  mq
    .command('status <mr>')
    .description('show one merge request with the evidence of every attempt (conflicting files, test output tail)')
    .option('--json', 'print JSON')
    .action(async (id: string, o: { json?: boolean }) => {
      const town = await currentTown();
      const { mqStatus } = await import('../../refinery/mq.js');
      output(o.json, await mqStatus(town, id), (m) => [
        `${m.id} [${m.state}]${m.position ? ` #${m.position} in queue` : ''}  ${m.branch} -> ${m.target}  (rig ${m.rig}, P${m.priority})`,
        `source: ${m.source ? `${m.source.id} ${m.source.title} [${m.source.status}${m.source.close_reason ? `: ${m.source.close_reason}` : ''}]` : m.source_bead}`,
        ...(m.polecat ? [`polecat: ${m.polecat}`] : []),
        ...(m.merge_commit ? [`merge commit: ${m.merge_commit}`] : []),
        ...m.attempts.flatMap((a) => [
          `attempt ${a.attempt} at ${a.at}: ${a.outcome}${a.commit ? ` ${a.commit.slice(0, 12)}` : ''}${a.conflict_files?.length ? ` (conflict in ${a.conflict_files.join(', ')})` : ''}`,
          ...(a.detail ? [indent(a.detail)] : []),
          ...(a.test_output_tail ? [indent(a.test_output_tail)] : []),
        ]),
      ].join('\n'));
    });
  mq
    .command('retry <mr>')
    .description('put a bounced merge request back in the queue (no-op if already queued)')
    .option('--json', 'print JSON')
    .action(async (id: string, o: { json?: boolean }) => {
      const town = await currentTown();
      const { mqRetry } = await import('../../refinery/mq.js');
      const r = await mqRetry(town, id, await me(town));
      output(o.json, r, (d) => (d.changed ? `${d.mr.id} is queued again` : `${d.mr.id} is already queued; nothing changed`));
    });
  mq
    .command('remove <mr>')
    .description('take a queued merge request out of the queue (recorded as bounced; no-op if already out)')
    .option('--json', 'print JSON')
    .action(async (id: string, o: { json?: boolean }) => {
      const town = await currentTown();
      const { mqRemove } = await import('../../refinery/mq.js');
      const r = await mqRemove(town, id, await me(town));
      output(o.json, r, (d) => (d.changed ? `${d.mr.id} removed from the queue` : `${d.mr.id} is not in the queue; nothing changed`));
    });
}


const indent = (s: string) => s.split('\n').map((l) => `    ${l}`).join('\n');
