// The fast path (bd's and gt's) hands every action exactly what commander would: for each argv it
// takes, the arguments, the command's options and the program's options are compared with
// commander's own parse of the same argv (the real program, built from the same declarations, its
// action swapped for a recorder). Everything it does not take goes to commander unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Command } from 'commander';
import { bd, DESCRIPTION, fastBd } from './bd/program.js';
import { gt, DESCRIPTION as GT_DESCRIPTION } from './gt/program.js';
import { fastParse } from './fast.js';
import type { RecordedProgram } from './declare.js';
import { newProgram } from './main.js';

const argv = (line: string[]) => ['node', 'cli.js', ...line];

/** What commander hands the action for argv (and the program's options then). */
async function viaCommander(words: string[], path: string[], env: NodeJS.ProcessEnv, rec: RecordedProgram = bd, desc = DESCRIPTION) {
  const program = rec.build(newProgram(rec.root.names[0]!, desc), argv(words));
  let leaf: Command = program;
  for (const n of path) leaf = leaf.commands.find((c) => c.name() === n)!;
  let got: { args: unknown[]; opts: unknown } | undefined;
  leaf.action((...a: unknown[]) => { got = { args: a.slice(0, -2), opts: a[a.length - 2] }; });
  const saved = process.env.BEADS_DB;
  if (env.BEADS_DB === undefined) delete process.env.BEADS_DB;
  else process.env.BEADS_DB = env.BEADS_DB;
  try {
    await program.parseAsync(argv(words));
  } finally {
    if (saved === undefined) delete process.env.BEADS_DB;
    else process.env.BEADS_DB = saved;
  }
  return { ...got!, globals: program.opts() };
}

const TAKEN: string[][] = [
  ['ready'], ['ready', '--json'], ['--json', 'ready'], ['ready', '-n', '5'], ['ready', '--limit', '0', '--json'],
  ['ready', '-l', 'a,b', '--label', 'c', '-t', 'bug'], ['ready', '--unassigned', '--parent', 'bd-1', '-s', 'oldest'],
  ['ready', '--include-deferred', '--include-ephemeral', '-a', 'me', '-p', '1'], ['ready', '-q'], ['-q', '--json', 'ready', '-v'],
  ['show', 'bd-1'], ['show', 'bd-1', 'bd-2', '--json'], ['--db', '/x/.beads', 'show', 'bd-1'], ['show', '--db', '/x', 'bd-1', '--actor', 'a'],
  ['list'], ['list', '--json'], ['list', '--all', '-n', '0'], ['list', '-s', 'open,closed', '--status', 'blocked', '-t', 'task'],
  ['list', '--no-assignee'], ['list', '--no-labels', '--tree'], ['list', '--no-tree', '--flat'], ['list', '-a', 'x', '--sort', 'id', '-r'],
  ['list', '--priority-min', '1', '--priority-max', '3', '--created-after', '2025-01-01'],
  ['create', 'a title'], ['create', 'two', 'words', '-p', '1'], ['create', '-p', '0', 'x', '-t', 'bug', 'y'], ['new', 'aliased'],
  ['create', '--title', 'x', '-d', 'desc', '--deps', 'blocks:bd-1', '--deps', 'bd-2', '-l', 'a', '--label', 'b'],
  ['create', 'x', '--ephemeral', '--silent', '--parent', 'bd-1', '--id', 'bd-9', '-a', 'me', '--json'], ['create'],
  ['q', 'quick'], ['q', 'quick', 'title', '-p', '3', '-l', 'x'],
  ['update', 'bd-1', '--status', 'in_progress'], ['update', 'bd-1', 'bd-2', '-s', 'open', '--claim'], ['update', 'bd-1', '--add-label', 'a', '--add-label', 'b,c'],
  ['update', 'bd-1', '--notes', 'n', '--append-notes', 'm', '-p', '1', '--title', 't', '-a', 'x'],
  ['close', 'bd-1'], ['close', 'bd-1', 'bd-2', '-r', 'done'], ['close', '--reason', 'done', 'bd-1', '--json'],
  ['mol', 'current', 'bd-m'], ['mol', 'current', 'bd-m', '--json'], ['--json', 'mol', 'current', 'bd-m'], ['mol', '--json', 'current', 'bd-m'],
  ['blocked'], ['stats'], ['status'], ['children', 'bd-1', '--flat'], ['count', '--by-status'], ['dep', 'add', 'a', 'b'], ['dep', 'add', 'a', 'b', '-t', 'related'],
  ['dep', 'rm', 'a', 'b'], ['label', 'add', 'bd-1', 'x', 'y'], ['comments', 'add', 'bd-1', 'hello', 'there'], ['comment', 'bd-1', 'text'],
  ['version'], ['prime'], ['merge', 'o', 'a', 'b'], ['export', '-o', 'f'], ['config', 'get', 'k'], ['search', 'foo', '-n', '3'],
  ['gate', 'resolve', 'bd-g', '-r', 'ok'], ['reopen', 'bd-1'], ['stale', '-d', '3'], ['delete', 'bd-1', '--force'], ['epic', 'status', '--eligible-only'],
];

const LEFT: string[][] = [
  [], ['--help'], ['-h'], ['help'], ['help', 'ready'], ['ready', '--help'], ['ready', '-h'], ['--version'], ['-V'],
  ['ready', '--explain'], ['ready', '--explain', 'bd-1'], ['ready', 'extra'], ['ready', '-n5'], ['ready', '--limit=5'], ['ready', '--json=false'],
  ['ready', '-uq'], ['ready', '--bogus'], ['bogus'], ['rdy'], ['show'], ['show', '--', '-x'], ['close'], ['mol'], ['mol', 'bogus', 'x'],
  ['mol', 'current'], ['mol', 'current', 'a', 'b'], ['create', '--title'], ['create', '-p', '-1', 'x'], ['update', 'bd-1', '--notes', '-x'],
  ['-C', '/tmp', 'ready'], ['--readonly', 'close', 'bd-1'], ['--rig', 'r', 'ready'], ['dep'], ['comments', 'bd-1'], ['merge', 'a', 'b'],
];

test('bd fast path: each argv it takes gets exactly what commander gives the action', async () => {
  for (const words of TAKEN) {
    for (const env of [{}, { BEADS_DB: '/env/beads.db' }]) {
      const run = fastBd(argv(words), env);
      assert.ok(run, `fast path should take: bd ${words.join(' ')}`);
      const want = await viaCommander(words, run.path, env);
      assert.deepStrictEqual({ args: run.args, opts: run.opts, globals: run.globals }, want, `bd ${words.join(' ')}`);
    }
  }
});

test('bd fast path: help, version, odd flags, usage errors and hooks are left to commander', () => {
  for (const words of LEFT) assert.equal(fastBd(argv(words), {}), undefined, `bd ${words.join(' ')}`);
});

const GT_TAKEN: string[][] = [
  ['prime'], ['prime', '--json'], ['hook'], ['hook', '--json'], ['hook', 'proj/polecats/p1', '--json'], ['status'], ['status', '--json'],
  ['done'], ['done', '--json'], ['whoami', '--json'], ['version'], ['version', '--json'], ['mail', 'inbox'], ['mail', 'inbox', '--json'],
  ['mail', 'inbox', 'mayor'], ['mail', 'read', 'hq-1'], ['convoy', 'status', '--json'], ['convoy', 'list'], ['sling', 'bd-1', 'proj'],
  ['handoff', '-m', 'note', '--no-restart'], ['handoff'], ['unsling'],
];
const GT_LEFT: string[][] = [
  [], ['--help'], ['-h'], ['help'], ['--version'], ['-V'], ['prime', '--help'], ['prime', 'extra'], ['hook', 'a', 'b'], ['mail'],
  ['mail', 'send', 'mayor', '-s', 'hi'], ['bogus'], ['prime', '--bogus'], ['status', '--json=true'],
];

test('gt fast path: each argv it takes gets exactly what commander gives the action', async () => {
  for (const words of GT_TAKEN) {
    const run = fastParse(gt.root, argv(words));
    assert.ok(run, `fast path should take: gt ${words.join(' ')}`);
    const want = await viaCommander(words, run.path, {}, gt, GT_DESCRIPTION);
    assert.deepStrictEqual({ args: run.args, opts: run.opts, globals: run.globals }, want, `gt ${words.join(' ')}`);
  }
});

test('gt fast path: help, version, required options and usage errors are left to commander', () => {
  for (const words of GT_LEFT) assert.equal(fastParse(gt.root, argv(words)), undefined, `gt ${words.join(' ')}`);
});
