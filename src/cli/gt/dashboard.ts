// gt dashboard: the town's live web view, served until Ctrl-C or SIGTERM.
import type { Command } from 'commander';
import { InvalidArgumentError } from '../invalid-arg.js';
import { collect, currentTown } from './context.js';

/** Commander option parser for a TCP port: 0 (any free one) to 65535 (exit 2 otherwise). */
export function port(v: string): number {
  const n = /^\d{1,5}$/.test(v.trim()) ? Number(v) : NaN;
  if (!(n >= 0 && n <= 65535)) throw new InvalidArgumentError(`expected a port from 0 to 65535, got '${v}'`);
  return n;
}

export function register(program: Command): void {
  program
    .command('dashboard')
    .description('serve a live web view of the town (rigs, agents, merge queues, convoys, mail) until interrupted')
    .option('--port <n>', 'port to listen on (0: any free port)', port, 7777)
    .option('--host <host>', 'address to bind; the default keeps the private view on this machine', '127.0.0.1')
    .option('--open', 'open the page (with its token) in the default browser')
    .action(async (o: { port: number; host: string; open?: boolean }) => {
      const town = await currentTown();
      const { startDashboard, isLoopback, openInBrowser } = await import('../../dashboard/server.js');
      const dash = await startDashboard(town, { port: o.port, host: o.host });
      // Listen for the stop before anything is started that may be answered with one.
      const stopped = new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      // The token is the key to the town's view and actions: the URL carries it once.
      process.stdout.write(`gt dashboard: ${dash.openUrl} (Ctrl-C to stop)\n`);
      if (o.open) {
        try {
          openInBrowser(town, dash.openUrl);
        } catch (e) {
          await dash.close();
          throw e;
        }
      }
      if (!isLoopback(o.host)) process.stderr.write(`gt dashboard: warning: listening on ${o.host}; anyone who can reach it sees the town's work\n`);
      await stopped;
      await dash.close();
    });

  program
    .command('feed')
    .description("the town's live activity (agents, merge requests, convoys, mail), following like tail -f until interrupted")
    .option('--rig <rig>', 'only this rig')
    .option('--agent <agent>', 'only this agent (address or name)')
    .option('--type <type>', 'only this kind: agent, mr, convoy, mail, rig (repeatable)', collect, [])
    .option('--no-follow', 'print the recent activity and stop')
    .option('--problems', 'instead: what needs a person now (dead or stuck agents, bounced MRs with no worker, red main, stranded convoys)')
    .option('--json', 'one JSON object per line')
    .action(async (o: { rig?: string; agent?: string; type: string[]; follow: boolean; problems?: boolean; json?: boolean }) => {
      const { UsageError } = await import('../../lib/errors.js');
      const feed = { ...(await import('../../dashboard/feed.js')), ...(await import('../../dashboard/follow.js')) };
      const types = o.type.flatMap((t) => t.split(',')).map((t) => t.trim()).filter(Boolean);
      const unknown = types.filter((t) => !(feed.FEED_TYPES as string[]).includes(t));
      if (unknown.length) throw new UsageError(`unknown --type ${unknown.join(', ')}`, `one of: ${feed.FEED_TYPES.join(', ')}`);
      const town = await currentTown();
      if (o.rig) (await import('../../town/rig.js')).loadRig(town, o.rig); // an unknown rig is a clear error, not an empty feed
      if (o.problems) {
        const problems = (await feed.currentProblems(town)).filter((p) => !o.rig || p.rig === o.rig);
        if (o.json) for (const p of problems) process.stdout.write(`${JSON.stringify(p)}\n`);
        else process.stdout.write(problems.length ? `${problems.map((p) => `${p.kind.padEnd(15)} ${p.text}`).join('\n')}\n` : 'No problems: every agent alive, nothing bounced without a worker, main green, no stranded convoys.\n');
        return;
      }
      const stop = new AbortController();
      const end = () => stop.abort();
      process.once('SIGINT', end);
      process.once('SIGTERM', end);
      await feed.followFeed(town, (i) => process.stdout.write(o.json ? `${JSON.stringify(i)}\n` : `${feed.feedLine(i)}\n`), stop.signal, {
        filter: { rig: o.rig, agent: o.agent, types: types as never },
        follow: o.follow,
      });
    });
}
