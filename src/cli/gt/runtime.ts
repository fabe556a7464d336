// gt session list|attach|peek|kill|restart, gt peek, gt nudge, gt seance, gt costs, gt agent shell.
import type { Command } from 'commander';
import { hiddenOption } from '../declare.js';
import { output, warn } from '../output.js';
import { currentTown, positiveInt } from './context.js';
import type { Town } from '../../town/town.js';

/** An agent address or a session name (gt-...) -> the agent's address. */
async function addressOf(town: Town, target: string): Promise<string> {
  const { listAgents } = await import('../../town/identity.js');
  const { canonicalAddress } = await import('../../town/address.js');
  if (target.startsWith('gt-')) {
    const a = (await listAgents(town, { includeRetired: true })).find((x) => x.sessions.some((s) => s.session_name === target));
    if (a) return a.address;
    const { NotFoundError } = await import('../../lib/errors.js');
    throw new NotFoundError('session', target, 'list sessions with: gt session list');
  }
  return canonicalAddress(target);
}

async function lastSessionOf(town: Town, target: string) {
  const { mustGetAgent } = await import('../../town/identity.js');
  const { UserError } = await import('../../lib/errors.js');
  const agent = await mustGetAgent(town, await addressOf(town, target));
  const s = agent.sessions.at(-1);
  if (!s) throw new UserError(`${agent.address} has never had a session`, `start one: gt sling <bead> ${agent.rig ?? '<rig>'}`);
  return { agent, s };
}


async function peek(target: string, o: { lines: number; json?: boolean }): Promise<void> {
  const town = await currentTown();
  const { s, agent } = await lastSessionOf(town, target);
  const { sessionScreen } = await import('../../runtime/pane.js');
  output(o.json, { agent: agent.address, session: s.session_name, ...sessionScreen(town, s, o.lines) }, (d) => d.screen);
}

export function register(program: Command): void {
  const session = program.command('session').description('agent sessions: one tmux server per town (tmux -L gt-<town-id>), or headless processes');

  session
    .command('list')
    .description("the town's sessions with their agent, mode, pid and whether they are alive")
    .option('--rig <rig>', 'only this rig')
    .option('--all', 'include ended sessions')
    .option('--json', 'print JSON')
    .action(async (o: { rig?: string; all?: boolean; json?: boolean }) => {
      const town = await currentTown();
      const { listAgents } = await import('../../town/identity.js');
      const { providerFor } = await import('../../runtime/launch.js');
      const rows = [];
      for (const a of await listAgents(town, { rig: o.rig })) {
        const s = a.sessions.at(-1);
        if (!s) continue;
        const alive = !s.ended_at && providerFor(town, s.mode).get(s.session_name)?.alive === true;
        if (!alive && !o.all) continue;
        rows.push({ session: s.session_name, agent: a.address, state: a.state, adapter: s.adapter, mode: s.mode, pid: s.pid ?? null, alive, started_at: s.started_at, session_id: s.session_id ?? null });
      }
      output(o.json, rows, (d) => d.length === 0 ? 'no sessions' : d.map((r) => `${r.session.padEnd(32)} ${r.agent.padEnd(28)} ${r.adapter}/${r.mode} ${r.alive ? 'alive' : 'ended'} ${r.state}`).join('\n'));
    });

  session
    .command('attach <agent>')
    .description("attach your terminal to an agent's tmux session (detach with C-b d)")
    .action(async (target: string) => {
      const town = await currentTown();
      const { s } = await lastSessionOf(town, target);
      const { UserError } = await import('../../lib/errors.js');
      if (s.mode !== 'tmux') throw new UserError(`${s.session_name} is headless`, `read its output with: gt peek ${target}`);
      const { attach } = await import('../../lib/tmux.js');
      const { townSocket } = await import('../../runtime/launch.js');
      process.exitCode = attach(townSocket(town), s.session_name);
    });

  for (const cmd of [session.command('peek <agent>'), program.command('peek <agent>')]) {
    cmd
      .description("print the last screen of an agent's session (headless: the end of its log)")
      .option('-n, --lines <n>', 'lines to show', positiveInt, 40)
      .option('--json', 'print JSON')
      .action(peek);
  }

  session
    .command('kill <agent>')
    .description("end an agent's session (the identity and its hook stay)")
    .option('--json', 'print JSON')
    .addOption(hiddenOption('--instance <mark>', 'only this instance of the session (gt done ending its own)'))
    .action(async (target: string, o: { json?: boolean; instance?: string }) => {
      const town = await currentTown();
      const address = await addressOf(town, target);
      const { stopAgent } = await import('../../runtime/launch.js');
      await stopAgent(town, address, { instance: o.instance });
      output(o.json, { agent: address, stopped: true }, (d) => `Stopped ${d.agent}'s session`);
    });

  session
    .command('restart <agent>')
    .description("stop and relaunch an agent's session; it re-primes from its hook")
    .option('--agent <name>', 'switch the agent CLI')
    .option('--json', 'print JSON')
    .action(async (target: string, o: { agent?: string; json?: boolean }) => {
      const town = await currentTown();
      const { restartAgent } = await import('../../runtime/launch.js');
      const a = await restartAgent(town, await addressOf(town, target), { adapter: o.agent });
      output(o.json, a, (d) => `Restarted ${d.address} (${d.sessions.at(-1)?.session_name})`);
    });

  program
    .command('nudge <agent> [message...]')
    .description('type a message into a live session once the agent is idle (then Enter)')
    .option('--timeout <sec>', 'how long to wait for idle before typing anyway', positiveInt, 30)
    .option('--json', 'print JSON')
    .action(async (target: string, words: string[], o: { timeout: number; json?: boolean }) => {
      const town = await currentTown();
      const { nudgeAgent } = await import('../../runtime/nudge.js');
      const msg = words.join(' ') || 'Check your hook: run `gt prime` and work it (GUPP).';
      // Asked for explicitly: past the wait, type anyway (agent CLIs queue input typed mid-turn).
      const r = await nudgeAgent(town, await addressOf(town, target), msg, { timeoutMs: o.timeout * 1000, typeWhenBusy: true });
      if (!r.delivered) {
        // Reached only with nothing to type (a busy agent gets the text anyway, typeWhenBusy).
        warn('gt', `not delivered to ${r.agent}: the message has nothing to type (control characters only)`);
        process.exitCode = 1;
      }
      output(o.json, r, (d) =>
        d.delivered ? `Nudged ${d.agent} (${d.session})${d.idle ? '' : ` while busy, after waiting ${Math.round(d.waitedMs / 1000)}s for idle`}` : '',
      );
    });

  program
    .command('seance <agent>')
    .description("list an identity's predecessor sessions, or --ask one a question (resumes it)")
    .option('--ask <question>', 'resume the latest ended session (or --session) and ask')
    .option('--session <id>', 'which predecessor (id prefix)')
    .option('--json', 'print JSON')
    .action(async (target: string, o: { ask?: string; session?: string; json?: boolean }) => {
      const town = await currentTown();
      const address = await addressOf(town, target);
      const { predecessors, askPredecessor } = await import('../../runtime/seance.js');
      if (o.ask !== undefined) {
        const r = await askPredecessor(town, address, o.ask, { sessionId: o.session });
        output(o.json, r, (d) => d.answer);
        return;
      }
      const list = await predecessors(town, address);
      output(o.json, list, (d) => d.length === 0 ? `${address} has no resumable sessions` : d.map((s) => `${s.session_id}  ${s.started_at}  ${s.ended_at ? `ended ${s.ended_at}` : 'live'}  ${s.adapter}${s.bead ? `  ${s.bead}` : ''}`).join('\n'));
    });

  program
    .command('costs')
    .description('token usage and cost per session, per identity, per convoy (from what claude, codex, gemini and opencode record)')
    .option('--agent <agent>', 'one identity')
    .option('--rig <rig>', 'one rig')
    .option('--convoy <id>', "the sessions that worked a convoy's beads")
    .option('--json', 'print JSON')
    .action(async (o: { agent?: string; rig?: string; convoy?: string; json?: boolean }) => {
      const town = await currentTown();
      const { costReport } = await import('../../runtime/costs.js');
      let beads: string[] | undefined;
      if (o.convoy) {
        const { convoyStatus } = await import('../../work/convoy.js');
        beads = (await convoyStatus(town, o.convoy)).tracked.map((t) => t.id);
      }
      const agent = o.agent ? await addressOf(town, o.agent) : undefined;
      const r = await costReport(town, { agent, rig: o.rig, beads });
      const fmt = (u: { inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheWriteTokens: number; costUsd: number }) =>
        `in ${u.inputTokens} out ${u.outputTokens} cache r/w ${u.cacheReadTokens}/${u.cacheWriteTokens}  $${u.costUsd.toFixed(4)}`;
      output(o.json, r, (d) => [
        ...d.sessions.map((s) => `${s.session_name.padEnd(32)} ${s.adapter.padEnd(8)} ${(s.bead ?? '').padEnd(12)} ${fmt(s.usage)}`),
        ...Object.entries(d.byAgent).map(([a, u]) => `agent ${a.padEnd(26)} ${fmt(u)}`),
        `total ${fmt(d.total)}`,
      ].join('\n'));
    });

  const agent = program.command('agent').description('built-in agents');
  agent
    .command('shell')
    .description("Gas Town's model-free agent: runs the ```sh block of the hooked bead, commits, gt done")
    .action(async () => {
      const { runShellAgent } = await import('../../runtime/shell-agent.js');
      process.exitCode = await runShellAgent();
    });
}
