// bd's commands, declared without commander (declare.ts recordProgram): the entry (../bd.ts) runs a
// hot command from this record alone (fast.ts) or builds the commander program from it. Each action
// loads its implementation (and SQLite) lazily, so `bd --help` and usage errors stay instant.
import type { Command } from 'commander';
import { VERSION } from '../version.js';
import { recordProgram, type RecordedProgram } from '../declare.js';
import { fastParse, type FastRun } from '../fast.js';
import { jsonRequested, writesData } from './flags.js';

export const DESCRIPTION = 'Beads: a git-backed issue tracker for agents (SQLite + JSONL in git)';

type Act = (ctx: { program: Command; args: unknown[]; opts: Record<string, unknown> }) => Promise<void>;
/** Wraps an action so its module is imported only when the command runs. */
function lazy(name: string, load: () => Promise<unknown> = () => import('./actions.js')): (...a: unknown[]) => Promise<void> {
  return async (...a: unknown[]) => {
    const cmd = a[a.length - 1] as Command;
    let program = cmd;
    while (program.parent) program = program.parent;
    const mod = (await load()) as Record<string, Act>;
    await mod[name]!({ program, args: a.slice(0, -2), opts: cmd.opts() });
  };
}
const reads = () => import('./reads.js');
const writes = () => import('./writes.js');
const admin = () => import('./admin.js');
const list = (v: string, prev: string[] = []) => prev.concat(v.split(',').map((s) => s.trim()).filter(Boolean));

/** bd, declared (at import, once). */
export const bd: RecordedProgram = recordProgram('bd');
const program = bd.program;
const cmds = program;
// With --json, a usage error is a JSON object too (Beads' shape: {"error": ...}).
program.configureOutput({
  outputError: (str, write) => write(jsonRequested(process.argv) ? JSON.stringify({ error: str.trim().replace(/^error: /, '') }) + '\n' : `${str.trim()} (see 'bd --help')\n`),
});
program.version(VERSION)
  .option('--db <path>', 'the .beads directory (or its beads.db) to use; default: BEADS_DIR, BEADS_DB, else the nearest .beads above the cwd')
  .option('--rig <name>', "in a Gas Town: that rig's database (instead of the one the cwd is in)")
  .option('--actor <name>', 'who is making the change; default: BD_ACTOR, else git user.name')
  .option('--json', 'print machine-readable JSON')
  .option('-C, --directory <dir>', 'run as if started in this directory')
  .option('--sandbox', 'accepted for Beads compatibility (this bd never auto-syncs)')
  .option('--readonly', 'refuse every command that would change the database')
  .option('-q, --quiet', 'no hints or warnings, only results and errors')
  .option('-v, --verbose', 'accepted for Beads compatibility')
  .addHelpText('after', `
Ids: <prefix>-<hash> (e.g. bd-a1b2); any unique prefix of the hash works (bd show a1b).
Ready work = open, not blocked (by an open 'blocks' dependency or a blocked parent), not deferred,
not ephemeral, not bookkeeping (message, agent, merge-request, convoy, molecule, gate, event).
Exit codes: 0 ok, 1 user error (bad id, bad value, conflict), 2 usage error (unknown flag, missing argument).
Beads compatible: global flags go before or after the command; --flag=false works for any switch.`);

cmds.command('init').description('create .beads/ here (database gitignored, issues.jsonl tracked, merge driver installed)')
  .option('--prefix <prefix>', 'id prefix for new issues (default: the directory name)')
  .action(lazy('init'));

cmds.command('create').alias('new').description('create an issue; prints its id')
  .argument('[title...]', 'the title')
  .option('-f, --file <file>', 'create one issue per "## Title" section of a markdown file (all or none)')
  .option('--title <title>', 'the title (instead of the argument)')
  .option('-t, --type <type>', 'task, bug, feature, epic, chore, decision, message, agent, merge-request, convoy, molecule, gate, event, or your own', 'task')
  .option('-p, --priority <n>', 'priority 0 (critical) to 4 (backlog)', '2')
  .option('-d, --description <text>', 'description')
  .option('--design <text>', 'design notes')
  .option('--acceptance <text>', 'acceptance criteria')
  .option('--acceptance-criteria <text>', 'the same as --acceptance')
  .option('--notes <text>', 'notes')
  .option('-l, --labels <labels>', 'comma-separated labels (repeatable)', list)
  .option('--label <labels>', 'the same as --labels', list)
  .option('--due <when>', 'due date: 2025-01-15, +6h, +1d, +2w, tomorrow')
  .option('--defer <when>', 'hidden from bd ready until then (same formats as --due)')
  .option('--deps <deps>', 'dependencies of the new issue: type:id,... (type defaults to blocks)', list)
  .option('--parent <id>', 'make it a child of this issue (id <parent>.N)')
  .option('-a, --assignee <name>', 'assignee')
  .option('--id <id>', 'explicit id')
  .option('--ephemeral', 'a wisp: kept in the database only, never exported')
  .option('--silent', 'print only the id')
  .action(lazy('create', writes));

cmds.command('q').description('quick capture: create an issue and print only its id')
  .argument('<title...>')
  .option('-p, --priority <n>', 'priority 0-4', '2')
  .option('-t, --type <type>', 'issue type', 'task')
  .option('-l, --labels <labels>', 'comma-separated labels', list)
  .action(lazy('quick', writes));

cmds.command('list').description('list work: not closed unless --all or --status; bookkeeping (agents, merge requests, mail, events) only with --type or --all')
  .option('-s, --status <status>', 'open, in_progress, blocked, deferred, closed, pinned, hooked (comma list)', list)
  .option('-t, --type <type>', 'issue type (comma list)', list)
  .option('-l, --label <label>', 'has all these labels (comma list, repeatable)', list)
  .option('-a, --assignee <name>', 'assigned to')
  .option('-p, --priority <n>', 'priority')
  .option('--parent <id>', 'children of this issue')
  .option('--all', 'include closed issues and bookkeeping types')
  .option('--ephemeral', 'include ephemeral issues (wisps)')
  .option('--id <ids>', 'only these ids (comma list)', list)
  .option('--title <text>', 'title contains (case-insensitive)')
  .option('--title-contains <text>', 'title contains (case-insensitive)')
  .option('--desc-contains <text>', 'description contains')
  .option('--notes-contains <text>', 'notes contain')
  .option('--priority-min <n>', 'priority at least (0-4)')
  .option('--priority-max <n>', 'priority at most (0-4)')
  .option('--no-assignee', 'only unassigned issues')
  .option('--no-labels', 'only issues without labels')
  .option('--empty-description', 'only issues without a description')
  .option('--created-after <date>', 'created after (2025-01-15, RFC 3339, +1d...)')
  .option('--created-before <date>', 'created before')
  .option('--updated-after <date>', 'updated after')
  .option('--updated-before <date>', 'updated before')
  .option('--closed-after <date>', 'closed after')
  .option('--closed-before <date>', 'closed before')
  .option('--exclude-type <types>', 'leave out these types (comma list)', list)
  .option('--sort <field>', 'priority, created, updated, closed, status, id, title, type, assignee')
  .option('-r, --reverse', 'reverse the order')
  .option('--tree', 'children under their parents (the default for text)')
  .option('--no-tree', 'a flat list')
  .option('--flat', 'a flat list')
  .option('-n, --limit <n>', 'at most n issues (default 50; 0 = all)')
  .action(lazy('list', reads));

cmds.command('children').description('every child of an issue, closed ones too').argument('<id>')
  .option('--flat', 'a flat list').action(lazy('children', reads));

cmds.command('count').description('how many issues match (the filters of bd list), or grouped')
  .option('-s, --status <status>', 'status (comma list; all)', list)
  .option('-t, --type <type>', 'issue type (comma list)', list)
  .option('-l, --label <label>', 'has all these labels', list)
  .option('-a, --assignee <name>', 'assigned to')
  .option('-p, --priority <n>', 'priority')
  .option('--all', 'include closed issues and bookkeeping types')
  .option('--title <text>', 'title contains').option('--title-contains <text>', 'title contains')
  .option('--desc-contains <text>', 'description contains').option('--notes-contains <text>', 'notes contain')
  .option('--priority-min <n>', 'priority at least').option('--priority-max <n>', 'priority at most')
  .option('--no-assignee', 'only unassigned').option('--no-labels', 'only without labels')
  .option('--created-after <date>', 'created after').option('--created-before <date>', 'created before')
  .option('--updated-after <date>', 'updated after').option('--updated-before <date>', 'updated before')
  .option('--by-status', 'group by status').option('--by-priority', 'group by priority').option('--by-type', 'group by type')
  .option('--by-assignee', 'group by assignee').option('--by-label', 'group by label')
  .action(lazy('countCmd', reads));

cmds.command('stale').description('open issues nobody updated for a while')
  .option('-d, --days <n>', 'not updated in this many days', '30')
  .option('-s, --status <status>', 'only this status', list)
  .option('-n, --limit <n>', 'at most n issues (0 = all)', '50')
  .action(lazy('stale', reads));

cmds.command('show').description('show issues in full (with --json: dependencies and dependents as issues, counts, epic progress)')
  .argument('<ids...>')
  .option('--include-dependents', 'accepted for Beads compatibility (dependents are always included)')
  .option('--include-comments', 'accepted for Beads compatibility (comments are always included)')
  .action(lazy('show', reads));

cmds.command('update').description('change fields of issues; --claim takes one atomically (fails if someone else has it)')
  .argument('<ids...>')
  .option('-s, --status <status>', 'new status')
  .option('-p, --priority <n>', 'new priority 0-4')
  .option('--title <title>', 'new title')
  .option('-d, --description <text>', 'new description')
  .option('--design <text>', 'new design')
  .option('--acceptance <text>', 'new acceptance criteria')
  .option('--acceptance-criteria <text>', 'the same as --acceptance')
  .option('--notes <text>', 'new notes')
  .option('--append-notes <text>', 'add a line to the notes')
  .option('--add-label <labels>', 'add labels (comma list, repeatable)', list)
  .option('--remove-label <labels>', 'remove labels (comma list, repeatable)', list)
  .option('--set-labels <labels>', 'replace all labels (comma list, repeatable)', list)
  .option('--parent <id>', "move under this parent ('' removes the parent)")
  .option('--due <when>', "due date ('' clears): 2025-01-15, +6h, +1d, +2w, tomorrow")
  .option('--defer <when>', "hidden from bd ready until then ('' clears)")
  .option('-a, --assignee <name>', "new assignee ('' clears)")
  .option('-t, --type <type>', 'new type')
  .option('--claim', 'claim it: open and unassigned -> in_progress, assigned to you (atomic)')
  .action(lazy('update', writes));

cmds.command('edit').description('edit a field in $EDITOR (default: the description)').argument('<id>')
  .option('--title', 'the title').option('--description', 'the description').option('--design', 'the design')
  .option('--notes', 'the notes').option('--acceptance', 'the acceptance criteria')
  .action(lazy('edit', writes));

cmds.command('delete').description('delete issues (a preview unless --force; deleted issues stay as tombstones in the JSONL)')
  .argument('[ids...]')
  .option('-f, --force', 'really delete')
  .option('--dry-run', 'only show what would be deleted')
  .option('--cascade', 'also delete, recursively, what depends on them')
  .option('--from-file <file>', 'more ids, one a line')
  .option('--reason <text>', 'why (kept as delete_reason)')
  .action(lazy('deleteCmd', writes));

cmds.command('close').description('close issues').argument('<ids...>')
  .option('-r, --reason <text>', 'why it is closed').action(lazy('close'));
cmds.command('mol').description('molecules (formulas poured as beads)').command('current').description('the step of a molecule to work now, and its progress')
  .argument('<root>').action(lazy('molCurrent', () => import('./mol.js')));
cmds.command('gate').description('molecule gates').command('resolve').description('open a gate (a human gate\'s approval); the step it held back becomes ready')
  .argument('<id>').option('-r, --reason <text>', 'why it opens').action(lazy('gateResolve', () => import('./gate.js')));
cmds.command('reopen').description('reopen closed issues').argument('<ids...>')
  .option('-r, --reason <text>', 'why (kept as a comment)').action(lazy('reopen', writes));

const epic = cmds.command('epic').description('epics and their children');
epic.command('status').description('open epics with how many children are closed')
  .option('--eligible-only', 'only epics whose children are all closed').action(lazy('epicStatus', reads));
epic.command('close-eligible').description('close the epics whose children are all closed')
  .option('--dry-run', 'only show which').action(lazy('epicCloseEligible', writes));

cmds.command('ready').description('open work nothing blocks, by priority then age')
  .option('-n, --limit <n>', 'at most n issues (default 100; 0 = all)')
  .option('-u, --unassigned', 'only unassigned issues')
  .option('--parent <id>', 'only children of this issue')
  .option('-s, --sort <policy>', 'priority (default) or oldest')
  .option('--include-deferred', 'include issues deferred to a later date')
  .option('--include-ephemeral', 'include ephemeral issues (wisps)')
  .option('-a, --assignee <name>', 'only issues assigned to')
  .option('-l, --label <label>', 'has all these labels', list)
  .option('-t, --type <type>', 'issue type', list)
  .option('-p, --priority <n>', 'priority')
  .option('--claim', 'claim the first ready issue atomically and print it')
  .option('--explain [id]', 'say why an issue (or every open issue that is not ready) is not ready')
  .action(lazy('ready', reads));

cmds.command('blocked').description('open issues that are blocked, with what blocks them')
  .option('--parent <id>', 'only descendants of this issue').action(lazy('blocked', reads));

const dep = cmds.command('dep').description('dependencies: <issue> depends on <depends-on>');
dep.command('add').description('add a dependency (default type blocks: <depends-on> blocks <issue>)')
  .argument('<issue>').argument('<depends-on>')
  .option('-t, --type <type>', 'blocks, parent-child, conditional-blocks, waits-for, related, discovered-from, tracks, duplicates, supersedes, replies-to', 'blocks')
  .action(lazy('depAdd'));
dep.command('remove').alias('rm').description('remove a dependency').argument('<issue>').argument('<depends-on>')
  .option('-t, --type <type>', 'only this type').action(lazy('depRemove'));
dep.command('list').description("an issue's dependencies (or, --direction up, its dependents) as issues").argument('<ids...>')
  .option('--direction <dir>', 'down (dependencies, default) or up (dependents)')
  .option('-t, --type <type>', 'only this dependency type').action(lazy('depList', reads));
dep.command('tree').description('what an issue depends on, as a tree').argument('<id>')
  .option('-d, --max-depth <n>', 'maximum depth (default 50)').option('--depth <n>', 'the same as --max-depth')
  .option('--reverse', 'what depends on it instead').option('--direction <dir>', 'down (default) or up')
  .option('--status <status>', 'only nodes with this status')
  .option('--format <format>', 'mermaid: a Mermaid flowchart').action(lazy('depTree', reads));
dep.command('cycles').description('list dependency cycles among blocking and parent-child edges').action(lazy('depCycles'));

const label = cmds.command('label').description('labels on issues');
label.command('add').description('add labels').argument('<id>').argument('<labels...>').action(lazy('labelAdd'));
label.command('remove').alias('rm').description('remove labels').argument('<id>').argument('<labels...>').action(lazy('labelRemove'));
label.command('list').description("an issue's labels (or every label with counts)").argument('[id]').action(lazy('labelList'));
label.command('list-all').description('every label with how many issues carry it').action(lazy('labelListAll', reads));

cmds.command('comment').description('add a comment').argument('<id>').argument('[text...]')
  .option('-a, --author <name>', 'who wrote it (default: the actor)').option('-f, --file <file>', 'the text from a file')
  .action(lazy('comment', writes));
const comments = cmds.command('comments').description("list an issue's comments").argument('[id]').action(lazy('comments'));
comments.command('add').description('add a comment').argument('<id>').argument('[text...]')
  .option('-a, --author <name>', 'who wrote it (default: the actor)').option('-f, --file <file>', 'the text from a file')
  .action(lazy('comment', writes));

cmds.command('events').description("an issue's audit trail").argument('<id>').action(lazy('events'));

cmds.command('search').description('issues whose title, description or notes contain the text')
  .argument('<text...>')
  .option('-s, --status <status>', 'status (comma list)', list)
  .option('--all', 'include closed issues and bookkeeping types')
  .option('-n, --limit <n>', 'at most n issues')
  .action(lazy('search'));

cmds.command('stats').alias('status').description("counts by status, ready and blocked (--json: Beads' summary object)").action(lazy('stats', reads));
cmds.command('version').description('print the version').action(lazy('version', admin));
cmds.command('rename-prefix').description('give every issue id a new prefix (the database is rebuilt from the JSONL)')
  .argument('<new-prefix>').option('--dry-run', 'only report').action(lazy('renamePrefix', admin));
cmds.command('export').description('rewrite .beads/issues.jsonl from the database (or write it elsewhere)')
  .option('-o, --output <file>', "write here instead ('-' for stdout)").action(lazy('exportCmd'));
cmds.command('import').description('load issues from a JSONL file (created or updated by id; others kept)')
  .argument('<file>').action(lazy('importCmd'));
cmds.command('sync').description('commit the issues to a git branch (default beads-sync) without touching your branches; with a remote, fetch and merge its issues first, then push')
  .option('--branch <name>', 'the branch to commit to (setting: sync.branch)')
  .option('--remote <name>', 'fetch, merge and push this remote (setting: sync.remote)')
  .option('--no-push', 'fetch and merge only; do not push')
  .option('--repo <path>', 'the git repository (setting: sync.repo; default: the one holding .beads)')
  .action(lazy('sync'));
const config = cmds.command('config').description('settings kept in the database (local, never exported), e.g. sync.branch');
config.command('get').description("a setting's value").argument('<key>').action(lazy('configGet'));
config.command('set').description('set a setting').argument('<key>').argument('<value>').action(lazy('configSet'));
config.command('unset').description('remove a setting').argument('<key>').action(lazy('configUnset'));
config.command('list').description('every setting').action(lazy('configList'));
cmds.command('doctor').description('check the database against the JSONL, the blocked state and cycles').action(lazy('doctor'));
cmds.command('prime').description('short Markdown context for agents: how to use bd, and the ready work (silent outside a workspace)').action(lazy('prime', admin));
cmds.command('merge').description('git merge driver: field-level 3-way merge of issues.jsonl (bd merge %O %A %B)')
  .argument('<base>').argument('<ours>').argument('<theirs>')
  .action(lazy('merge', () => import('./merge.js'))); // git runs it on every JSONL merge: no SQLite

// -C moves first; BEADS_DB names the database as Beads' clients set it; --readonly refuses writers.
program.hook('preAction', async (top, cmd) => {
  const o = top.opts() as { directory?: string; db?: string; readonly?: boolean };
  if (o.directory) {
    try {
      process.chdir(o.directory);
    } catch {
      const { UsageError } = await import('../../lib/errors.js');
      throw new UsageError(`-C ${o.directory}: no such directory`);
    }
  }
  if (!o.db && !process.env.BEADS_DIR && process.env.BEADS_DB) top.setOptionValue('db', process.env.BEADS_DB);
  if (o.readonly && writesData(cmd)) {
    const { UserError } = await import('../../lib/errors.js');
    throw new UserError(`read-only mode: bd ${cmd.parent && cmd.parent !== top ? `${cmd.parent.name()} ` : ''}${cmd.name()} would change the database`, 'drop --readonly to make changes');
  }
});

// --rig names a Gas Town rig's database; it becomes --db before any command runs.
program.hook('preAction', async (top) => {
  const o = top.opts() as { db?: string; rig?: string };
  if (!o.rig) return;
  const { UsageError } = await import('../../lib/errors.js');
  if (o.db) throw new UsageError('--rig and --db both name a database; give one');
  const { findTown } = await import('../../town/town.js');
  const { loadRig } = await import('../../town/rig.js');
  top.setOptionValue('db', loadRig(findTown(), o.rig).beadsDir);
});

/**
 * The hot path: the command argv runs, taken from the declarations without commander (fast.ts),
 * or undefined for commander. -C, --readonly and --rig act in the preAction hooks above, so those
 * go to commander; the hooks' one other effect, BEADS_DB naming the database, is applied here.
 */
export function fastBd(argv: string[], env: NodeJS.ProcessEnv = process.env): FastRun | undefined {
  const run = fastParse(bd.root, argv, { hooksHandled: true });
  if (!run || run.globals.directory || run.globals.readonly || run.globals.rig) return undefined;
  if (!run.globals.db && !env.BEADS_DIR && env.BEADS_DB) run.globals.db = env.BEADS_DB;
  return run;
}
