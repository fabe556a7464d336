// gt mayor, gt crew, gt polecat: see and steer the town's agents.
import type { Command } from 'commander';
import { output } from '../output.js';
import { currentTown, me } from './context.js';
import type { AgentRow } from '../../work/fleet.js';

function rows(d: AgentRow[], none: string): string {
  return d.length ? d.map((r) => `${r.address.padEnd(28)} ${(r.alive ? 'alive' : 'stopped').padEnd(8)} ${r.state.padEnd(8)} ${r.hook ? `hook ${r.hook}` : ''}`.trimEnd()).join('\n') : none;
}

/** Attaching needs a terminal: without one, say so before anything is started. */
async function needTerminal(command: string, start: string): Promise<void> {
  if (process.stdin.isTTY && process.stdout.isTTY) return;
  const { UserError } = await import('../../lib/errors.js');
  throw new UserError(`${command} needs a terminal (stdin and stdout are not one)`, `without one: ${start}, then gt nudge or gt mail send to talk to it`);
}

async function attachTo(address: string): Promise<void> {
  const town = await currentTown();
  const { mustGetAgent } = await import('../../town/identity.js');
  const s = (await mustGetAgent(town, address)).sessions.at(-1);
  const { UserError } = await import('../../lib/errors.js');
  if (!s) throw new UserError(`${address} has no session`);
  if (s.mode !== 'tmux') throw new UserError(`${s.session_name} is headless`, `read its output with: gt peek ${address}`);
  const { attach } = await import('../../lib/tmux.js');
  const { townSocket } = await import('../../runtime/launch.js');
  process.exitCode = attach(townSocket(town), s.session_name);
}

export function register(program: Command): void {
  const mayor = program.command('mayor').description("the Mayor: the town's front door. Tell it what you want; it files beads, groups them in convoys and slings them");
  mayor.command('start').description("start the Mayor's session (the town's configured agent) unless it runs")
    .option('--agent <name>', 'agent CLI for the session')
    .option('--json', 'print JSON')
    .action(async (o: { agent?: string; json?: boolean }) => {
      const { mayorStart } = await import('../../work/fleet.js');
      output(o.json, await mayorStart(await currentTown(), o), (d) => `${d.started ? 'Started' : 'Already running:'} the Mayor (${d.agent.session}, ${d.agent.adapter}); talk to it with: gt mayor attach`);
    });
  mayor.command('attach').description("attach your terminal to the Mayor's session, starting it first if it is not running (detach with C-b d)")
    .option('--agent <name>', 'agent CLI if it has to be started')
    .action(async (o: { agent?: string }) => {
      await needTerminal('gt mayor attach', 'gt mayor start');
      const { mayorStart } = await import('../../work/fleet.js');
      await mayorStart(await currentTown(), { ...o, forAttach: true });
      await attachTo('mayor');
    });
  mayor.command('stop').description("stop the Mayor's session (its mail and hook stay)")
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const { mayorStop } = await import('../../work/fleet.js');
      output(o.json, await mayorStop(await currentTown()), (d) => (d.stopped ? 'Stopped the Mayor' : 'The Mayor was not running'));
    });
  mayor.command('status').description("whether the Mayor's session runs, its state, hook and unread mail")
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const { mayorStatus } = await import('../../work/fleet.js');
      output(o.json, await mayorStatus(await currentTown()), (d) => `Mayor: ${d.alive ? `running (${d.session}, ${d.adapter})` : 'not running (gt mayor start)'}; state ${d.state}${d.hook ? `; hook ${d.hook}` : ''}; ${d.unread} unread mail`);
    });

  const crew = program.command('crew').description('long-lived named agents you work with directly');
  crew.command('add <name>').description('add a crew member to a rig (identity + its own worktree)')
    .requiredOption('--rig <rig>', 'the rig')
    .option('--json', 'print JSON')
    .action(async (name: string, o: { rig: string; json?: boolean }) => {
      const town = await currentTown();
      const { crewAdd } = await import('../../work/fleet.js');
      const { agent, created } = await crewAdd(town, name, o.rig, await me(town));
      output(o.json, { ...agent, created }, (d) => (d.created ? `Added ${d.address} in ${d.workdir}` : `${d.address} already exists`));
    });
  crew.command('list').description('crew members, whether their sessions run, and their hooks')
    .option('--rig <rig>', 'only this rig')
    .option('--json', 'print JSON')
    .action(async (o: { rig?: string; json?: boolean }) => {
      const { crewList } = await import('../../work/fleet.js');
      output(o.json, await crewList(await currentTown(), o.rig), (d) => rows(d, 'No crew. Add one with: gt crew add <name> --rig <rig>'));
    });
  crew.command('start <name>').description("start a crew member's session unless it runs")
    .option('--rig <rig>', 'the rig (when the name is in several)')
    .option('--agent <name>', 'agent CLI for the session')
    .option('--json', 'print JSON')
    .action(async (name: string, o: { rig?: string; agent?: string; json?: boolean }) => {
      const { crewStart } = await import('../../work/fleet.js');
      output(o.json, await crewStart(await currentTown(), name, o), (d) => `${d.started ? 'Started' : 'Already running:'} ${d.agent.address} (${d.agent.session})`);
    });
  crew.command('attach <name>').description("attach to a crew member's session, starting it first if needed (detach with C-b d)")
    .option('--rig <rig>', 'the rig (when the name is in several)')
    .option('--agent <name>', 'agent CLI if it has to be started')
    .action(async (name: string, o: { rig?: string; agent?: string }) => {
      await needTerminal('gt crew attach', `gt crew start ${name}`);
      const { crewStart } = await import('../../work/fleet.js');
      const { agent } = await crewStart(await currentTown(), name, { ...o, forAttach: true });
      await attachTo(agent.address);
    });
  crew.command('stop <name>').description("stop a crew member's session (identity, worktree and hook stay)")
    .option('--rig <rig>', 'the rig (when the name is in several)')
    .option('--json', 'print JSON')
    .action(async (name: string, o: { rig?: string; json?: boolean }) => {
      const { crewStop } = await import('../../work/fleet.js');
      output(o.json, await crewStop(await currentTown(), name, o.rig), (d) => (d.stopped ? `Stopped ${d.agent}` : `${d.agent} was not running`));
    });
  crew.command('remove <name>').description('remove a crew member: session, worktree, identity (refuses with a hook or unmerged commits unless --force)')
    .option('--rig <rig>', 'the rig (when the name is in several)')
    .option('--force', 'remove even with a hook or unmerged commits (the branch is kept)')
    .option('--json', 'print JSON')
    .action(async (name: string, o: { rig?: string; force?: boolean; json?: boolean }) => {
      const { crewRemove } = await import('../../work/fleet.js');
      output(o.json, await crewRemove(await currentTown(), name, o), (d) => `Removed ${d.agent}${d.branchKept ? ' (its branch is kept)' : ''}`);
    });

  const polecat = program.command('polecat').description("the rigs' ephemeral workers");
  polecat.command('list').description('polecats, their state, hook and whether their sessions run')
    .option('--rig <rig>', 'only this rig')
    .option('--json', 'print JSON')
    .action(async (o: { rig?: string; json?: boolean }) => {
      const { polecatList } = await import('../../work/fleet.js');
      output(o.json, await polecatList(await currentTown(), o.rig), (d) => rows(d, 'No polecats.'));
    });
  polecat.command('nuke <polecat>').description('end a polecat: its bead goes back to its convoy for a fresh polecat; refuses with unmerged commits unless --force')
    .option('--rig <rig>', 'the rig (when the name is in several)')
    .option('--force', 'nuke even with unmerged commits (the branch is kept)')
    .option('--json', 'print JSON')
    .action(async (target: string, o: { rig?: string; force?: boolean; json?: boolean }) => {
      const town = await currentTown();
      const { polecatNuke } = await import('../../work/fleet.js');
      output(o.json, await polecatNuke(town, target, { ...o, actor: await me(town) }), (d) => `Nuked ${d.agent}${d.bead ? `; ${d.bead} is back on its convoy` : ''}${d.branchKept ? '; its branch is kept' : ''}`);
    });
  polecat.command('gc').description('remove what decommissioned polecats left behind (worktree directories with no polecat)')
    .option('--rig <rig>', 'only this rig')
    .option('--json', 'print JSON')
    .action(async (o: { rig?: string; json?: boolean }) => {
      const { polecatGc } = await import('../../work/fleet.js');
      output(o.json, await polecatGc(await currentTown(), o.rig), (d) => (d.removed.length ? d.removed.map((x) => `Removed ${x}`).join('\n') : 'Nothing to collect.'));
    });
}
