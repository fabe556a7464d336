// The tracker in git: `bd sync` commits the JSONL to a beads-sync branch with plumbing only (the
// user's branches and work tree untouched), and round-trips through a remote with field-level
// merges; `gt rig add` takes in a project's beads-sync issues, and `gt sync` commits every store.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bd, bdBin, runAsync, testEnv, tempDir } from './support/cli.js';
import { makeProject, makeTown } from './support/town-fixture.js';

const tmp = tempDir('bd-sync-');
after(() => tmp.cleanup());
const env = testEnv();
delete env.BEADS_DIR;
delete env.GT_TOWN;
const git = (cwd: string, args: string[]) => execFileSync('git', args, { cwd, env, encoding: 'utf8' }).trim();
const run = (cwd: string, args: string[]) => {
  const r = bd(args, { cwd, env });
  assert.equal(r.code, 0, `bd ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
const json = (cwd: string, args: string[]) => JSON.parse(run(cwd, [...args, '--json']));
const branchJsonl = (repo: string, ref = 'beads-sync') => git(repo, ['show', `${ref}:.beads/issues.jsonl`]);

/** A clone with beads initialised and origin's beads-sync as its sync remote. */
function clone(name: string, remote: string): string {
  const dir = join(tmp.dir, name);
  mkdirSync(dir);
  git(dir, ['init', '-q', '-b', 'main']);
  git(dir, ['remote', 'add', 'origin', remote]);
  run(dir, ['init', '--prefix', 'sy']);
  run(dir, ['config', 'set', 'sync.remote', 'origin']);
  return dir;
}

test('bd sync commits to beads-sync only; a second sync commits nothing', () => {
  const dir = makeProject(join(tmp.dir, 'solo'));
  const head = git(dir, ['rev-parse', 'HEAD']);
  run(dir, ['init', '--prefix', 'so']);
  const id = json(dir, ['create', 'first issue', '-p', '1']).id;
  const r = json(dir, ['sync']);
  assert.ok(r.commit, 'a commit was made');
  assert.equal(r.issues, 1);
  assert.match(branchJsonl(dir), new RegExp(`"id":"${id}"`));
  assert.equal(git(dir, ['rev-parse', 'HEAD']), head, 'main did not move');
  assert.equal(git(dir, ['rev-parse', '--abbrev-ref', 'HEAD']), 'main', 'nothing was checked out');
  assert.equal(git(dir, ['ls-tree', '-r', '--name-only', 'beads-sync']), '.beads/issues.jsonl', 'the branch holds the tracker only');
  const again = json(dir, ['sync']);
  assert.equal(again.commit, undefined);
  assert.equal(again.tip, r.commit);
  assert.equal(git(dir, ['rev-list', '--count', 'beads-sync']), '1');
});

test('two clones through a remote: new issues and independent edits of one issue all survive', () => {
  const remote = join(tmp.dir, 'remote.git');
  git(tmp.dir, ['init', '-q', '--bare', remote]);
  const a = clone('a', remote), b = clone('b', remote);
  const shared = json(a, ['create', 'shared issue', '-p', '2']).id;
  assert.equal(json(a, ['sync']).pushed, true);
  const fromB = json(b, ['sync']);
  assert.equal(fromB.merged, true);
  assert.equal(fromB.commit, undefined, 'b had nothing of its own: it fast-forwards, no merge commit');
  assert.equal(json(b, ['show', shared])[0].title, 'shared issue');

  // Both sides edit the same issue (different fields) and file one issue each.
  run(a, ['update', shared, '-p', '0']);
  const onlyA = json(a, ['create', 'from a']).id;
  run(b, ['update', shared, '--notes', 'b was here']);
  const onlyB = json(b, ['create', 'from b']).id;
  json(a, ['sync']);
  const merged = json(b, ['sync']);
  assert.equal(merged.merged, true);
  assert.equal(merged.pushed, true);
  json(a, ['sync']);
  for (const dir of [a, b]) {
    const s = json(dir, ['show', shared])[0];
    assert.equal(s.priority, 0, `${dir}: a's priority kept`);
    assert.equal(s.notes, 'b was here', `${dir}: b's notes kept`);
    const ids = json(dir, ['list']).map((i: { id: string }) => i.id).sort();
    assert.deepEqual(ids, [shared, onlyA, onlyB].sort());
  }
  assert.equal(branchJsonl(a), branchJsonl(b), 'both clones hold the same branch content');
  assert.equal(readFileSync(join(a, '.beads', 'issues.jsonl'), 'utf8'), readFileSync(join(b, '.beads', 'issues.jsonl'), 'utf8'));
  // Once in step, syncing again changes nothing anywhere.
  const tip = git(a, ['rev-parse', 'beads-sync']);
  assert.equal(json(b, ['sync']).commit, undefined);
  assert.equal(json(a, ['sync']).commit, undefined);
  assert.equal(git(a, ['rev-parse', 'beads-sync']), tip);
});

test('syncs racing on one store all succeed, and the branch holds the result once', async () => {
  const remote = join(tmp.dir, 'race-remote.git');
  git(tmp.dir, ['init', '-q', '--bare', remote]);
  const dir = clone('racer', remote);
  for (let i = 0; i < 5; i++) json(dir, ['create', `racing ${i}`]);
  const results = await Promise.all([1, 2, 3, 4].map(() => runAsync(bdBin, ['sync', '--json'], { cwd: dir, env })));
  for (const r of results) assert.equal(r.code, 0, r.stderr);
  assert.equal(branchJsonl(dir).trim().split('\n').length, 5);
  assert.equal(git(dir, ['rev-parse', 'beads-sync']), git(remote, ['rev-parse', 'beads-sync']), 'pushed');
  assert.equal(json(dir, ['sync']).commit, undefined, 'nothing left to commit');
});

test('bad input: unknown remote, bad branch, bad config key; one line, exit 1, nothing changed', () => {
  const dir = makeProject(join(tmp.dir, 'bad'));
  run(dir, ['init', '--prefix', 'bd']);
  run(dir, ['create', 'x']);
  const before = readFileSync(join(dir, '.beads', 'issues.jsonl'), 'utf8');
  for (const [args, msg] of [
    [['sync', '--remote', 'nosuch'], /no remote 'nosuch'/],
    [['sync', '--branch', 'bad..name'], /invalid branch name 'bad\.\.name'/],
    [['config', 'set', 'Bad Key', 'x'], /invalid config key/],
    [['config', 'get', 'sync.branch'], /sync\.branch is not set/],
  ] as const) {
    const r = bd([...args], { cwd: dir, env });
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, msg);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
  assert.equal(git(dir, ['branch', '--list', 'beads-sync']), '', 'no branch was made');
  assert.equal(readFileSync(join(dir, '.beads', 'issues.jsonl'), 'utf8'), before);
  assert.deepEqual(json(dir, ['config', 'list']), {});
});

test('gt: rig add takes in the project\'s beads-sync issues; gt sync commits HQ and rigs, pushing where the rig pushes', () => {
  // A project that already keeps its issues on beads-sync (another machine synced them).
  const upstream = makeProject(join(tmp.dir, 'upstream'));
  run(upstream, ['init', '--prefix', 'up']);
  const old = json(upstream, ['create', 'filed on another machine']).id;
  json(upstream, ['sync']);

  const f = makeTown();
  try {
    const add = f.gtJson(['rig', 'add', 'up', upstream, '--push']);
    assert.equal(add.prefix, 'up');
    assert.equal(add.beads_sync.report.merged, true);
    const rigBeads = join(f.town, 'up');
    const rigEnv = { ...env, BEADS_DIR: join(rigBeads, '.beads') };
    const shown = JSON.parse(bd(['show', old, '--json'], { cwd: f.town, env: rigEnv }).stdout);
    assert.equal(shown[0].title, 'filed on another machine');

    const mine = JSON.parse(bd(['create', 'filed in the town', '--json'], { cwd: f.town, env: rigEnv }).stdout).id;
    const hqIssue = JSON.parse(bd(['create', 'an HQ note', '--json'], { cwd: f.town, env: { ...env, BEADS_DIR: join(f.town, '.beads') } }).stdout).id;
    const results = f.gtJson<{ name: string; report?: { commit?: string; pushed: boolean }; error?: string }[]>(['sync']);
    const byName = new Map(results.map((r) => [r.name, r]));
    assert.deepEqual([...byName.keys()].sort(), ['demo', 'hq', 'up']);
    for (const r of results) assert.equal(r.error, undefined, `${r.name}: ${r.error}`);
    assert.equal(byName.get('up')!.report!.pushed, true, 'the --push rig pushed');
    assert.equal(byName.get('demo')!.report!.pushed, false, 'a rig without --push does not');
    assert.match(branchJsonl(join(rigBeads, '.repo.git')), new RegExp(mine));
    assert.match(branchJsonl(upstream), new RegExp(mine), "the project's origin has the town's issue");
    assert.match(branchJsonl(f.town), new RegExp(hqIssue), "HQ's issues are on the town repo's beads-sync");
    assert.equal(branchJsonl(upstream).includes(hqIssue), false, 'HQ and rigs stay apart');
    // An agent's plain `bd sync` in the rig goes to the same place (the rig's recorded target).
    const agentSync = JSON.parse(bd(['sync', '--json'], { cwd: f.town, env: rigEnv }).stdout);
    assert.equal(agentSync.repo, join(rigBeads, '.repo.git'));
    assert.equal(agentSync.commit, undefined, 'already in sync');
    // A rig whose store lost its sync target (one made before beads sync): doctor finds and fixes it.
    assert.equal(bd(['config', 'unset', 'sync.repo'], { cwd: f.town, env: rigEnv }).code, 0);
    const found = f.gt(['doctor', '--json']);
    assert.equal(found.code, 1);
    assert.ok(JSON.parse(found.stdout).some((x: { check: string; subject: string }) => x.check === 'beads-sync' && x.subject === 'up'));
    f.gtJson(['doctor', '--fix']);
    assert.equal(JSON.parse(bd(['config', 'get', 'sync.repo', '--json'], { cwd: f.town, env: rigEnv }).stdout).value, join('..', '.repo.git'));
    // Unknown rig: clear error.
    const bad = f.gt(['sync', '--rig', 'nosuch']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /nosuch/);
  } finally {
    f.cleanup();
  }
});
