// gt dashboard: the town's live web view, served until Ctrl-C or SIGTERM.
import { InvalidArgumentError, type Command } from 'commander';
import { currentTown } from './context.js';

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
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await dash.close();
    });
}
