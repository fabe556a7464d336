// bd: the beads issue tracker. This file only declares the commands; each action loads its
// implementation (and SQLite) lazily, so `bd --help` and usage errors stay instant.
import type { Command } from 'commander';
import { newProgram, main } from './main.js';

const program = newProgram('bd', 'Beads: a git-backed issue tracker for agents (SQLite + JSONL in git)');
program.version('0.1.0')
  .option('--db <path>', 'the .beads directory (or its beads.db) to use; default: BEADS_DIR, else the nearest .beads above the cwd')
  .option('--rig <name>', "in a Gas Town: that rig's database (instead of the one the cwd is in)")
  .option('--actor <name>', 'who is making the change; default: BD_ACTOR, else git user.name')
  .option('--json', 'print machine-readable JSON')
  .addHelpText('after', `
Ids: <prefix>-<hash> (e.g. bd-a1b2); any unique prefix of the hash works (bd show a1b).
Ready work = open, not blocked (by an open 'blocks' dependency or a blocked parent), not deferred,
not ephemeral, not bookkeeping (message, agent, merge-request, convoy, molecule, gate, event).
Exit codes: 0 ok, 1 user error (bad id, bad value, conflict), 2 usage error (unknown flag, missing argument).`);

type Act = (ctx: { program: Command; args: unknown[]; opts: Record<string, unknown> }) => Promise<void>;
/** Wraps an action so its module is imported only when the command runs. */
function lazy(name: string, load: () => Promise<unknown> = () => import('./bd/actions.js')): (...a: unknown[]) => Promise<void> {
  return async (...a: unknown[]) => {
    const cmd = a[a.length - 1] as Command;
    const mod = (await load()) as Record<string, Act>;
    await mod[name]!({ program, args: a.slice(0, -2), opts: cmd.opts() });
  };
}
const list = (v: string, prev: string[] = []) => prev.concat(v.split(',').map((s) => s.trim()).filter(Boolean));

program.command('init').description('create .beads/ here (database gitignored, issues.jsonl tracked, merge driver installed)')
  .option('--prefix <prefix>', 'id prefix for new issues (default: the directory name)')
  .action(lazy('init'));

program.command('create').alias('new').description('create an issue; prints its id')
  .argument('[title...]', 'the title')
  .option('--title <title>', 'the title (instead of the argument)')
  .option('-t, --type <type>', 'task, bug, feature, epic, chore, decision, message, agent, merge-request, convoy, molecule, gate, event, or your own', 'task')
  .option('-p, --priority <n>', 'priority 0 (critical) to 4 (backlog)', '2')
  .option('-d, --description <text>', 'description')
  .option('--design <text>', 'design notes')
  .option('--acceptance <text>', 'acceptance criteria')
  .option('--notes <text>', 'notes')
  .option('-l, --labels <labels>', 'comma-separated labels (repeatable)', list)
  .option('--deps <deps>', 'dependencies of the new issue: type:id,... (type defaults to blocks)', list)
  .option('--parent <id>', 'make it a child of this issue (id <parent>.N)')
  .option('-a, --assignee <name>', 'assignee')
  .option('--id <id>', 'explicit id')
  .option('--ephemeral', 'a wisp: kept in the database only, never exported')
  .option('--silent', 'print only the id')
  .action(lazy('create'));

program.command('list').description('list work: not closed unless --all or --status; bookkeeping (agents, merge requests, mail, events) only with --type or --all')
  .option('-s, --status <status>', 'open, in_progress, blocked, deferred, closed, pinned, hooked (comma list)', list)
  .option('-t, --type <type>', 'issue type (comma list)', list)
  .option('-l, --label <label>', 'has all these labels (comma list, repeatable)', list)
  .option('-a, --assignee <name>', 'assigned to')
  .option('-p, --priority <n>', 'priority')
  .option('--parent <id>', 'children of this issue')
  .option('--all', 'include closed issues and bookkeeping types')
  .option('--ephemeral', 'include ephemeral issues (wisps)')
  .option('-n, --limit <n>', 'at most n issues')
  .action(lazy('list'));

program.command('show').description('show issues in full').argument('<ids...>').action(lazy('show'));

program.command('update').description('change fields of issues; --claim takes one atomically (fails if someone else has it)')
  .argument('<ids...>')
  .option('-s, --status <status>', 'new status')
  .option('-p, --priority <n>', 'new priority 0-4')
  .option('--title <title>', 'new title')
  .option('-d, --description <text>', 'new description')
  .option('--design <text>', 'new design')
  .option('--acceptance <text>', 'new acceptance criteria')
  .option('--notes <text>', 'new notes')
  .option('-a, --assignee <name>', "new assignee ('' clears)")
  .option('-t, --type <type>', 'new type')
  .option('--claim', 'claim it: open and unassigned -> in_progress, assigned to you (atomic)')
  .action(lazy('update'));

program.command('close').description('close issues').argument('<ids...>')
  .option('-r, --reason <text>', 'why it is closed').action(lazy('close'));
program.command('mol').description('molecules (formulas poured as beads)').command('current').description('the step of a molecule to work now, and its progress')
  .argument('<root>').action(lazy('molCurrent', () => import('./bd/mol.js')));
program.command('gate').description('molecule gates').command('resolve').description('open a gate (a human gate\'s approval); the step it held back becomes ready')
  .argument('<id>').option('-r, --reason <text>', 'why it opens').action(lazy('gateResolve', () => import('./bd/gate.js')));
program.command('reopen').description('reopen closed issues').argument('<ids...>').action(lazy('reopen'));

program.command('ready').description('open work nothing blocks, by priority then age')
  .option('-n, --limit <n>', 'at most n issues (0 = all)', '10')
  .option('-a, --assignee <name>', 'only issues assigned to')
  .option('-l, --label <label>', 'has all these labels', list)
  .option('-t, --type <type>', 'issue type', list)
  .option('-p, --priority <n>', 'priority')
  .option('--claim', 'claim the first ready issue atomically and print it')
  .option('--explain [id]', 'say why an issue (or every open issue that is not ready) is not ready')
  .action(lazy('ready'));

program.command('blocked').description('open issues that are blocked, with what blocks them').action(lazy('blocked'));

const dep = program.command('dep').description('dependencies: <issue> depends on <depends-on>');
dep.command('add').description('add a dependency (default type blocks: <depends-on> blocks <issue>)')
  .argument('<issue>').argument('<depends-on>')
  .option('-t, --type <type>', 'blocks, parent-child, conditional-blocks, waits-for, related, discovered-from, tracks, duplicates, supersedes, replies-to', 'blocks')
  .action(lazy('depAdd'));
dep.command('remove').alias('rm').description('remove a dependency').argument('<issue>').argument('<depends-on>')
  .option('-t, --type <type>', 'only this type').action(lazy('depRemove'));
dep.command('tree').description('what an issue depends on, as a tree').argument('<id>')
  .option('--depth <n>', 'maximum depth', '10').option('--reverse', 'what depends on it instead').action(lazy('depTree'));
dep.command('cycles').description('list dependency cycles among blocking and parent-child edges').action(lazy('depCycles'));

const label = program.command('label').description('labels on issues');
label.command('add').description('add labels').argument('<id>').argument('<labels...>').action(lazy('labelAdd'));
label.command('remove').alias('rm').description('remove labels').argument('<id>').argument('<labels...>').action(lazy('labelRemove'));
label.command('list').description("an issue's labels (or every label with counts)").argument('[id]').action(lazy('labelList'));

program.command('comment').description('add a comment').argument('<id>').argument('<text...>').action(lazy('comment'));
const comments = program.command('comments').description("list an issue's comments").argument('[id]').action(lazy('comments'));
comments.command('add').description('add a comment').argument('<id>').argument('<text...>').action(lazy('comment'));

program.command('events').description("an issue's audit trail").argument('<id>').action(lazy('events'));

program.command('search').description('issues whose title, description or notes contain the text')
  .argument('<text...>')
  .option('-s, --status <status>', 'status (comma list)', list)
  .option('--all', 'include closed issues and bookkeeping types')
  .option('-n, --limit <n>', 'at most n issues')
  .action(lazy('search'));

program.command('stats').description('counts by status, ready and blocked').action(lazy('stats'));
program.command('export').description('rewrite .beads/issues.jsonl from the database (or write it elsewhere)')
  .option('-o, --output <file>', "write here instead ('-' for stdout)").action(lazy('exportCmd'));
program.command('import').description('load issues from a JSONL file (created or updated by id; others kept)')
  .argument('<file>').action(lazy('importCmd'));
program.command('sync').description('commit the issues to a git branch (default beads-sync) without touching your branches; with a remote, fetch and merge its issues first, then push')
  .option('--branch <name>', 'the branch to commit to (setting: sync.branch)')
  .option('--remote <name>', 'fetch, merge and push this remote (setting: sync.remote)')
  .option('--no-push', 'fetch and merge only; do not push')
  .option('--repo <path>', 'the git repository (setting: sync.repo; default: the one holding .beads)')
  .action(lazy('sync'));
const config = program.command('config').description('settings kept in the database (local, never exported), e.g. sync.branch');
config.command('get').description("a setting's value").argument('<key>').action(lazy('configGet'));
config.command('set').description('set a setting').argument('<key>').argument('<value>').action(lazy('configSet'));
config.command('unset').description('remove a setting').argument('<key>').action(lazy('configUnset'));
config.command('list').description('every setting').action(lazy('configList'));
program.command('doctor').description('check the database against the JSONL, the blocked state and cycles').action(lazy('doctor'));
program.command('prime').description('short Markdown context for agents: how to use bd, and the ready work').action(lazy('prime'));
program.command('merge').description('git merge driver: field-level 3-way merge of issues.jsonl (bd merge %O %A %B)')
  .argument('<base>').argument('<ours>').argument('<theirs>')
  .action(lazy('merge', () => import('./bd/merge.js'))); // git runs it on every JSONL merge: no SQLite

// --rig names a Gas Town rig's database; it becomes --db before any command runs.
program.hook('preAction', async () => {
  const o = program.opts() as { db?: string; rig?: string };
  if (!o.rig) return;
  const { UsageError } = await import('../lib/errors.js');
  if (o.db) throw new UsageError('--rig and --db both name a database; give one');
  const { findTown } = await import('../town/town.js');
  const { loadRig } = await import('../town/rig.js');
  program.setOptionValue('db', loadRig(findTown(), o.rig).beadsDir);
});

main(program);
