// gt install, rig, whoami, status, doctor.
import type { Command } from 'commander';
import { output, warn } from '../output.js';
import { currentTown, me } from './context.js';

export function register(program: Command): void {
  program
    .command('install [dir]')
    .description('create a Town (default ~/gt, or GT_TOWN): config, HQ beads (prefix hq), mayor and deacon dirs, identities; safe to run twice')
    .option('--name <name>', 'town name (default: the directory name)')
    .option('--store <url>', 'keep the beads in this PostgreSQL database (postgres://user:pass@host/db; one namespace per rig and the HQ) instead of SQLite files; town.toml records it without the password')
    .option('--join', 'join the town another machine installed in the --store database: same town, its rigs attached here')
    .option('--json', 'print JSON')
    .action(async (dir: string | undefined, o: { name?: string; store?: string; join?: boolean; json?: boolean }) => {
      const { installTown } = await import('../../town/install.js');
      const { defaultTownDir } = await import('../../town/town.js');
      const r = await installTown(dir ?? defaultTownDir(), o.name, { store: o.store, join: o.join });
      await r.town.stores.closeAll();
      output(o.json, { root: r.town.root, id: r.town.id, name: r.town.name, created: r.created, identities: r.identities, joined: r.joined, attached: r.attached }, (d) =>
        d.joined ? `Joined town '${d.name}' (id ${d.id}) at ${d.root}${d.attached?.length ? `; attached rigs ${d.attached.join(', ')}` : ''}`
          : d.created ? `Created town '${d.name}' at ${d.root} (id ${d.id})` : `Town '${d.name}' already exists at ${d.root}; nothing changed`,
      );
    });

  const rig = program.command('rig').description('manage rigs: the git projects this town works on');
  rig
    .command('add <name> <source>')
    .description('clone a git project (URL or path) as a rig, create or adopt its beads database, and register its prefix route')
    .option('--prefix <p>', 'bead id prefix (default: from the project\'s .beads, else from the name)')
    .option('--test-cmd <cmd>', 'the command the refinery runs to test a merge')
    .option('--branch <b>', 'the main branch (default: the source\'s HEAD)')
    .option('--push', 'push main back to the source after each merge')
    .option('--json', 'print JSON')
    .action(async (name: string, source: string, o: { prefix?: string; testCmd?: string; branch?: string; push?: boolean; json?: boolean }) => {
      const town = await currentTown();
      const { setUpRig } = await import('../../town/install.js');
      const { rig: r, beadsSync, attached } = await setUpRig(town, name, source, o);
      const { renderSync, syncProblems } = await import('../../town/beads-sync.js');
      for (const p of syncProblems([beadsSync])) warn('gt', p);
      output(o.json, { ...r, beads_sync: beadsSync, attached: !!attached }, (d) => d.attached
        ? `Attached rig '${d.name}' (prefix ${d.prefix}, branch ${d.mainBranch}) from ${d.source}: another machine of this town added it`
        : `Added rig '${d.name}' (prefix ${d.prefix}, branch ${d.mainBranch}) from ${d.source}\n${renderSync([beadsSync])}`);
    });
  rig
    .command('list')
    .description('list rigs')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const { brokenRigs, listRigs } = await import('../../town/rig.js');
      const town = await currentTown();
      const rigs = listRigs(town);
      for (const b of brokenRigs(town)) warn('gt', `rig ${b.rig} is left out: ${b.error.message}`);
      output(o.json, rigs, (d) => (d.length ? d.map((r) => `${r.name.padEnd(16)} ${r.prefix.padEnd(6)} ${r.mainBranch.padEnd(8)} ${r.source}`).join('\n') : 'No rigs. Add one with: gt rig add <name> <git-url-or-path>'));
    });
  rig
    .command('show <name>')
    .description('show a rig\'s configuration')
    .option('--json', 'print JSON')
    .action(async (name: string, o: { json?: boolean }) => {
      const { loadRig } = await import('../../town/rig.js');
      const r = loadRig(await currentTown(), name);
      output(o.json, r, (d) => Object.entries(d).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`).join('\n'));
    });
  rig
    .command('remove <name>')
    .description('remove a rig (its directory, database and route), stopping its sessions; refuses while polecats hold work unless --force')
    .option('--force', 'remove even with active polecats')
    .option('--json', 'print JSON')
    .action(async (name: string, o: { force?: boolean; json?: boolean }) => {
      const { retireRig } = await import('../../work/retire-rig.js');
      const r = await retireRig(await currentTown(), name, o);
      output(o.json, { rig: name, ...r }, (d) => `Removed rig '${d.rig}' (stopped ${d.stopped.length} session(s))`);
    });

  program
    .command('whoami')
    .description('the identity this shell acts as (GT_AGENT, else inferred from the directory, else overseer)')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const town = await currentTown();
      const address = await me(town);
      const { getAgent } = await import('../../town/identity.js');
      const agent = await getAgent(town, address);
      output(o.json, { address, role: agent?.role, rig: agent?.rig, town: town.root }, (d) => `${d.address}${d.role ? ` (${d.role})` : ''} in ${d.town}`);
    });

  program
    .command('status')
    .description('the town at a glance: rigs, agents by state, hooks, queue depth, open convoys')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const { townStatus, renderStatus } = await import('../../work/status.js');
      const { deaconState } = await import('../../supervise/deacon.js');
      const town = await currentTown();
      const d = deaconState(town);
      const deacon = d.running
        ? `Deacon: running, pid ${d.pid}${d.heartbeatAgeMs !== undefined ? `, last heartbeat ${Math.round(d.heartbeatAgeMs / 1000)} s ago` : ''}${d.patrols !== undefined ? `, ${d.patrols} patrols` : ''}${d.last_error ? ` (last error: ${d.last_error})` : ''}`
        : "Deacon: not running (start it with 'gt up')";
      const { machinesStatus, renderMachines } = await import('../../town/machines-status.js');
      const machines = await machinesStatus(town);
      output(o.json, { ...(await townStatus(town)), deacon: d, ...(machines ? { machine: machines.me, machines: machines.rows } : {}) },
        (s) => `${renderStatus(s)}\n\n${deacon}${machines ? `\n\n${renderMachines(machines)}` : ''}`);
    });

  program
    .command('sync')
    .description("commit the town's beads to git: HQ's to the town repo, each rig's to its repo's beads-sync branch (merging origin's first, pushing when the rig pushes)")
    .option('--rig <name>', 'only this rig')
    .option('--json', 'print JSON')
    .action(async (o: { rig?: string; json?: boolean }) => {
      const { syncTown, renderSync, syncProblems } = await import('../../town/beads-sync.js');
      const r = await syncTown(await currentTown(), o.rig);
      for (const p of syncProblems(r)) warn('gt', p);
      output(o.json, r, renderSync);
      if (r.some((x) => x.error)) process.exitCode = 1;
    });

  program
    .command('doctor')
    .description('find drift (hooks on closed beads, worktrees without identities, identities without worktrees, dead routes); --fix repairs it')
    .option('--fix', 'repair what is found')
    .option('--json', 'print JSON')
    .action(async (o: { fix?: boolean; json?: boolean }) => {
      const { doctor } = await import('../../work/doctor.js');
      const findings = await doctor(await currentTown(), { fix: o.fix });
      for (const f of findings) if (f.error) warn('gt', `fix FAILED: [${f.check}] ${f.subject}: ${f.problem} -> ${f.fix} (${f.error})`);
      output(o.json, findings, (d) =>
        d.length
          ? d.filter((f) => !f.error).map((f) => `${f.fixed ? 'fixed' : 'found'}  [${f.check}] ${f.subject}: ${f.problem} -> ${f.fix}`).join('\n') + (o.fix ? '' : '\nRun gt doctor --fix to repair.')
          : 'No problems found.',
      );
      if (findings.some((f) => !f.fixed)) process.exitCode = 1;
    });
}
