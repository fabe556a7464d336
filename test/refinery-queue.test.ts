// The merge queue end to end through the real CLI: beads slung to polecats, real worktrees and
// commits, `gt done` filing MR beads, `gt refinery run` landing, bouncing (with fix beads slung
// back), closing beads and convoys; `gt mq`; bad input; kill -9 of the refinery mid-test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTown, asAgent, type TownFixture } from './support/town-fixture.js';
import { gtBin } from './support/cli.js';
import { until } from './support/wait.js';
import { openStore } from '../src/beads/open.js';

const GATE = 'if grep -rl --exclude=.git BAD .; then echo "FAIL: BAD marker found"; exit 1; fi; echo tests ok';

function rigStore(f: TownFixture) {
  return openStore({ kind: 'sqlite', beadsDir: join(f.town, 'demo', '.beads') });
}
async function bead(f: TownFixture, id: string) {
  const s = await (id.startsWith('hq-') ? openStore({ kind: 'sqlite', beadsDir: join(f.town, '.beads') }) : rigStore(f));
  try {
    return await s.mustGet(id);
  } finally {
    await s.close();
  }
}
async function createBead(f: TownFixture, title: string): Promise<string> {
  const s = await rigStore(f);
  try {
    return (await s.create({ title, description: `Do ${title}.` }, 'overseer')).id;
  } finally {
    await s.close();
  }
}
/** One bead per title, created in order. */
async function createBeads(f: TownFixture, titles: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const t of titles) ids.push(await createBead(f, t));
  return ids;
}
const repoDir = (f: TownFixture) => join(f.town, 'demo', '.repo.git');

/** Slings beads, does each one's work in its polecat worktree (files to write), and runs gt done. */
function work(f: TownFixture, jobs: { bead: string; files: Record<string, string> }[]): { convoy: string; polecats: Map<string, { agent: string; workdir: string; branch: string; mr: string }> } {
  const slung = f.gtJson(['sling', ...jobs.map((j) => j.bead), 'demo', '--no-start']);
  const polecats = new Map<string, { agent: string; workdir: string; branch: string; mr: string }>();
  for (const h of slung.hooked) {
    const job = jobs.find((j) => j.bead === h.bead)!;
    for (const [name, content] of Object.entries(job.files)) writeFileSync(join(h.workdir, name), content);
    f.git(h.workdir, ['add', '-A']);
    f.git(h.workdir, ['commit', '-qm', `work on ${h.bead}`]);
    const done = f.gtJson(['done'], { env: asAgent(f, h.agent) });
    polecats.set(h.bead, { agent: h.agent, workdir: h.workdir, branch: h.branch, mr: done.mr.id });
  }
  return { convoy: slung.convoy, polecats };
}

test('queue end to end: clean MRs land and close their beads; conflict and red bounce as fix beads; a fix lands and closes the original', async () => {
  const f = makeTown({ testCmd: GATE, files: { 'README.md': '# sample\n', 'shared.txt': 'original\n' } });
  try {
    const [a, b, c, d] = await createBeads(f, ['alpha', 'bravo', 'charlie', 'delta'].map((t) => `feature ${t}`));
    const { convoy, polecats } = work(f, [
      { bead: a!, files: { 'shared.txt': 'alpha was here\n' } },
      { bead: b!, files: { 'shared.txt': 'bravo was here\n' } },
      { bead: c!, files: { 'c.txt': 'BAD code\n' } },
      { bead: d!, files: { 'd.txt': 'delta\n' } },
    ]);
    const mrOf = (id: string) => polecats.get(id)!.mr;

    const queued = f.gtJson(['mq', 'list']);
    assert.deepEqual(queued.map((m: any) => m.id), [a, b, c, d].map((x) => mrOf(x!)), 'FIFO at equal priority');
    assert.ok(queued.every((m: any) => m.state === 'queued'));

    const run = f.gtJson(['refinery', 'run', 'demo', '--no-start']);
    assert.deepEqual(run.merged, [mrOf(a!), mrOf(d!)]);
    assert.deepEqual(run.bounced, [mrOf(b!), mrOf(c!)]);

    // Landed: main has alpha's and delta's work, each source bead closed naming its merge commit.
    const main = f.git(repoDir(f), ['rev-parse', 'main']);
    assert.equal(f.git(repoDir(f), ['show', 'main:shared.txt']), 'alpha was here');
    assert.equal(f.git(repoDir(f), ['show', 'main:d.txt']), 'delta');
    for (const id of [a!, d!]) {
      const st = f.gtJson(['mq', 'status', mrOf(id)]);
      assert.equal(st.state, 'merged');
      assert.ok(st.merge_commit);
      f.git(repoDir(f), ['merge-base', '--is-ancestor', st.merge_commit, main]);
      assert.equal(st.attempts[0].outcome, 'merged');
      assert.match(st.attempts[0].detail, /tested at [0-9a-f]{12}/);
      const src = await bead(f, id);
      assert.equal(src.status, 'closed');
      assert.match(src.close_reason!, new RegExp(`merged in ${st.merge_commit.slice(0, 12)} \\(${mrOf(id)}\\)`));
      // The polecat is decommissioned: worktree and branch gone (its name may already be reused
      // by the polecat that got bounced work, so the path may hold a new worktree on another branch).
      const p = polecats.get(id)!;
      assert.ok(!existsSync(p.workdir) || f.git(p.workdir, ['symbolic-ref', '--short', 'HEAD']) !== p.branch, 'worktree removed');
      assert.throws(() => f.git(repoDir(f), ['rev-parse', '--verify', '--quiet', `refs/heads/${p.branch}`]));
    }

    // Conflict: bounced naming the file; a fix bead describes it and is hooked to a polecat.
    const bSt = f.gtJson(['mq', 'status', mrOf(b!)]);
    assert.equal(bSt.state, 'bounced');
    assert.equal(bSt.attempts[0].outcome, 'conflict');
    assert.deepEqual(bSt.attempts[0].conflict_files, ['shared.txt']);
    const bBounce = run.bounces.find((x: any) => x.mr === mrOf(b!));
    const fixB = await bead(f, bBounce.fixBead);
    assert.equal(fixB.title, 'Fix feature bravo: conflict in shared.txt');
    assert.equal(fixB.issue_type, 'bug');
    assert.equal(fixB.fields.bounce_of, b);
    assert.match(fixB.description!, /Conflicting files:\n- shared\.txt/);
    assert.match(fixB.description!, new RegExp(`git cherry-pick main\\.\\.${polecats.get(b!)!.branch}`));
    assert.ok(fixB.dependencies?.some((dep) => dep.depends_on_id === b && dep.type === 'discovered-from'));
    assert.equal(fixB.status, 'hooked');
    assert.match(bBounce.slungTo, /^demo\/polecats\//);
    assert.equal((await bead(f, b!)).status, 'in_progress', 'the original stays open until its fix lands');

    // Red: bounced with the failing test's output.
    const cSt = f.gtJson(['mq', 'status', mrOf(c!)]);
    assert.equal(cSt.attempts[0].outcome, 'red');
    assert.match(cSt.attempts[0].test_output_tail, /FAIL: BAD marker found/);
    const fixC = await bead(f, run.bounces.find((x: any) => x.mr === mrOf(c!)).fixBead);
    assert.equal(fixC.title, 'Fix feature charlie: failing tests');
    assert.match(fixC.description!, /FAIL: BAD marker found/);
    const text = f.gt(['mq', 'status', mrOf(c!)]);
    assert.match(text.stdout, /attempt 1 at .*: red/);

    // The convoy waits for the bounced work.
    assert.equal(f.gtJson(['convoy', 'status', convoy]).landed, false);

    // mq retry: merged refuses (one line, exit 1, nothing changes); bounced goes back; twice is a no-op.
    const before = readFileSync(join(f.town, 'demo', '.beads', 'issues.jsonl'), 'utf8');
    const refused = f.gt(['mq', 'retry', mrOf(a!)]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /already merged/);
    assert.equal(refused.stderr.trim().split('\n').length, 1);
    assert.equal(readFileSync(join(f.town, 'demo', '.beads', 'issues.jsonl'), 'utf8'), before);
    assert.equal(f.gtJson(['mq', 'retry', mrOf(b!)]).changed, true);
    assert.equal(f.gtJson(['mq', 'retry', mrOf(b!)]).changed, false);
    assert.equal(f.gtJson(['mq', 'list']).length, 1);
    // Retried, it conflicts again: same fix bead (one per MR), second attempt recorded.
    const again = f.gtJson(['refinery', 'run', 'demo', '--no-start']);
    assert.deepEqual(again.bounced, [mrOf(b!)]);
    assert.equal(again.bounces[0].fixBead, bBounce.fixBead);
    assert.deepEqual(f.gtJson(['mq', 'status', mrOf(b!)]).attempts.map((x: any) => x.outcome), ['conflict', 'conflict']);

    // The fix polecat resolves on top of main and hands in; its merge closes the fix and the original.
    const fixer = f.gtJson(['hook', bBounce.slungTo]);
    assert.equal(fixer.hook, fixB.id);
    // ...following the fix bead's instructions: cherry-pick the bounced work, resolve, continue.
    assert.throws(() => f.git(fixer.workdir, ['cherry-pick', `main..${polecats.get(b!)!.branch}`]), 'it conflicts, as the bead says');
    writeFileSync(join(fixer.workdir, 'shared.txt'), 'alpha was here\nbravo was here\n');
    f.git(fixer.workdir, ['add', 'shared.txt']);
    f.git(fixer.workdir, ['-c', 'core.editor=true', 'cherry-pick', '--continue']);
    const fixDone = f.gtJson(['done'], { env: asAgent(f, bBounce.slungTo) });
    const fixRun = f.gtJson(['refinery', 'run', 'demo', '--no-start']);
    assert.deepEqual(fixRun.merged, [fixDone.mr.id]);
    assert.equal((await bead(f, fixB.id)).status, 'closed');
    assert.equal((await bead(f, b!)).status, 'closed');
    assert.match((await bead(f, b!)).close_reason!, new RegExp(`\\(${fixDone.mr.id}\\)`));
    assert.throws(() => f.git(repoDir(f), ['rev-parse', '--verify', '--quiet', `refs/heads/${polecats.get(b!)!.branch}`]), 'the kept bounced branch is deleted once its fix lands');

    // mq remove: takes a queued MR out; removing again is a no-op.
    const e = await createBead(f, 'feature echo');
    const { polecats: pe } = work(f, [{ bead: e, files: { 'e.txt': 'echo\n' } }]);
    const removed = f.gtJson(['mq', 'remove', pe.get(e)!.mr]);
    assert.equal(removed.changed, true);
    assert.equal(removed.mr.state, 'bounced');
    assert.equal(f.gtJson(['mq', 'remove', pe.get(e)!.mr]).changed, false);
    assert.deepEqual(f.gtJson(['mq', 'list']), []);
    assert.equal(f.gtJson(['mq', 'list', '--all']).length, 6);
  } finally {
    f.cleanup();
  }
});

test('bad input: one clear line, the right exit code, nothing changed', () => {
  const f = makeTown({ testCmd: 'true' });
  try {
    const jsonl = () => readFileSync(join(f.town, 'demo', '.beads', 'issues.jsonl'), 'utf8') + readFileSync(join(f.town, '.beads', 'issues.jsonl'), 'utf8');
    const snapshot = jsonl();
    const cases: [string[], number, RegExp][] = [
      [['refinery', 'run', 'nosuch'], 1, /rig not found: nosuch/],
      [['refinery', 'run', 'demo', '--batch', '0'], 2, /--batch[\s\S]*whole number/],
      [['refinery', 'run', 'demo', '--batch', 'lots'], 2, /--batch[\s\S]*whole number/],
      [['refinery', 'run', 'demo', '--on-conflict', 'maybe'], 2, /--on-conflict must be 'bounce' or 'agent'/],
      [['mq', 'status', 'de-zzzz'], 1, /not found/],
      [['mq', 'list', '--state', 'stuck'], 1, /unknown merge-request state 'stuck'/],
      [['mq', 'retry'], 2, /missing required argument/],
    ];
    for (const [args, code, msg] of cases) {
      const r = f.gt(args);
      assert.equal(r.code, code, `gt ${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, msg);
      assert.ok(r.stderr.trim().split('\n').length <= 2, `gt ${args.join(' ')}: at most a line and a hint`);
    }
    assert.equal(jsonl(), snapshot);
    assert.equal(existsSync(join(f.town, 'demo', 'refinery', 'rig', '.git')), false, 'no worktree made by refused runs');
    const help = f.gt(['refinery', 'run', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--batch <n>[\s\S]*bisected/);
  } finally {
    f.cleanup();
  }
});

test('gt refinery killed -9 mid-test: main untouched and clean; the rerun lands everything', async () => {
  const f = makeTown({ testCmd: '' });
  try {
    const marker = join(f.root, 'testing');
    // Set the gate after rig add (its text refers to the temp dir): sleep long enough to be killed.
    const rigToml = join(f.town, 'demo', 'rig.toml');
    writeFileSync(rigToml, `test_cmd = ${JSON.stringify(`touch ${marker}; sleep 0.5; ${GATE}`)}\n` + readFileSync(rigToml, 'utf8'));
    const ids = await createBeads(f, ['one', 'two', 'three'].map((t) => `feature ${t}`));
    const { polecats, convoy } = work(f, ids.map((id, i) => ({ bead: id, files: { [`f${i}.txt`]: `${i}\n` } })));
    const main0 = f.git(repoDir(f), ['rev-parse', 'main']);

    const child = spawn(process.execPath, [gtBin, 'refinery', 'run', 'demo', '--batch', '2', '--no-start'], { cwd: f.root, env: f.env, detached: true, stdio: 'ignore' });
    const exited = new Promise((r) => child.once('exit', r));
    try {
      const until = Date.now() + 30_000;
      while (!existsSync(marker)) {
        if (Date.now() > until) throw new Error('the refinery never started testing');
        await new Promise((r) => setTimeout(r, 25));
      }
      process.kill(-child.pid!, 'SIGKILL');
      await exited;
    } finally {
      try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ }
    }
    assert.equal(f.git(repoDir(f), ['rev-parse', 'main']), main0, 'main untouched');
    assert.equal(f.gtJson(['mq', 'list']).filter((m: any) => m.state === 'testing').length, 2, 'the batch was left in testing');
    // A retry while "testing" is refused with the way out.
    const busy = f.gt(['mq', 'retry', polecats.get(ids[0]!)!.mr]);
    assert.equal(busy.code, 1);
    assert.match(busy.stderr, /being tested by the refinery right now.*gt refinery run demo/);

    const rerun = f.gtJson(['refinery', 'run', 'demo', '--batch', '2', '--no-start']);
    assert.deepEqual([...rerun.merged].sort(), ids.map((id) => polecats.get(id)!.mr).sort());
    assert.equal(f.git(join(f.town, 'demo', 'refinery', 'rig'), ['status', '--porcelain']), '');
    assert.deepEqual(f.git(repoDir(f), ['log', '--format=%s', `${main0}..main`]).split('\n').reverse(), ids.map((id) => `work on ${id}`));
    for (const id of ids) assert.equal((await bead(f, id)).status, 'closed');
    assert.equal(f.gtJson(['convoy', 'status', convoy]).landed, true, 'the convoy moved and landed');
  } finally {
    f.cleanup();
  }
});

/** Alive and not a zombie (a killed orphan may wait for a reaper that never comes). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !'ZX'.includes(stat.slice(stat.lastIndexOf(')') + 2)[0]!);
  } catch {
    return false;
  }
}

/**
 * A town whose first test run hangs (a background sleep in the test's process group, its pid
 * written down) and whose later runs pass; one MR queued. Starts `gt refinery run` on it.
 */
async function refineryStuckInTest(f: TownFixture) {
  const pidFile = join(f.root, 'sleeper.pid');
  const once = join(f.root, 'hung-once');
  const gate = `if [ ! -e ${once} ]; then touch ${once}; sleep 300 & echo $! > ${pidFile}; wait; fi; echo tests ok`;
  const rigToml = join(f.town, 'demo', 'rig.toml');
  writeFileSync(rigToml, `test_cmd = ${JSON.stringify(gate)}\n` + readFileSync(rigToml, 'utf8'));
  const id = await createBead(f, 'feature hang');
  const { polecats } = work(f, [{ bead: id, files: { 'h.txt': 'h\n' } }]);
  const child = spawn(process.execPath, [gtBin, 'refinery', 'run', 'demo', '--no-start'], { cwd: f.root, env: f.env, detached: true, stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | number | null>((r) => child.once('exit', (code, signal) => r(signal ?? code)));
  const sleeper = Number(await until('the test command to start', () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim()));
  return { child, exited, sleeper, mr: polecats.get(id)!.mr };
}

test("gt refinery killed -9 mid-test: the next run ends the test command it left running", async () => {
  const f = makeTown({ testCmd: '' });
  let sleeper = 0;
  try {
    const r = await refineryStuckInTest(f);
    sleeper = r.sleeper;
    process.kill(-r.child.pid!, 'SIGKILL'); // the refinery's own group; its test runs in another
    await r.exited;
    assert.ok(running(sleeper), 'the kill itself leaves the test running (only the next run can end it)');
    const rerun = f.gtJson(['refinery', 'run', 'demo', '--no-start']);
    assert.deepEqual(rerun.merged, [r.mr]);
    assert.equal(running(sleeper), false, "the next run ended the killed run's test command");
    assert.equal(existsSync(join(f.town, 'demo', 'refinery', 'test.pgid')), false);
  } finally {
    if (sleeper) try { process.kill(sleeper, 'SIGKILL'); } catch { /* gone */ }
    f.cleanup();
  }
});

test('gt refinery stopped by SIGTERM mid-test: it ends its test command on the way out; the MR is tested again next run', async () => {
  const f = makeTown({ testCmd: '' });
  let sleeper = 0;
  try {
    const r = await refineryStuckInTest(f);
    sleeper = r.sleeper;
    process.kill(r.child.pid!, 'SIGTERM');
    assert.equal(await r.exited, 'SIGTERM', 'the refinery still dies of the signal');
    await until('the test command to end', () => !running(sleeper));
    const rerun = f.gtJson(['refinery', 'run', 'demo', '--no-start']);
    assert.deepEqual(rerun.merged, [r.mr]);
  } finally {
    if (sleeper) try { process.kill(sleeper, 'SIGKILL'); } catch { /* gone */ }
    f.cleanup();
  }
});

test("--on-conflict agent: the refinery's agent (a custom CLI following the prompt) resolves, the result is tested and lands", async () => {
  const f = makeTown({ testCmd: 'true', files: { 'README.md': '# sample\n', 'shared.txt': 'original\n' } });
  try {
    // A stand-in agent CLI: runs the steps the prompt gives, resolving by keeping both sides.
    const resolver = join(f.root, 'resolver.sh');
    writeFileSync(resolver, `#!/bin/bash
set -e
p="$1"
tip=$(printf '%s\\n' "$p" | sed -n 's/^1\\. git checkout --detach \\([0-9a-f]*\\) && git rebase \\([0-9a-f]*\\)$/\\1/p')
base=$(printf '%s\\n' "$p" | sed -n 's/^1\\. git checkout --detach \\([0-9a-f]*\\) && git rebase \\([0-9a-f]*\\)$/\\2/p')
ref=$(printf '%s\\n' "$p" | sed -n 's/^3\\. Publish the resolution: git update-ref \\([^ ]*\\) HEAD .*/\\1/p')
git checkout -q --detach "$tip"
if ! git rebase -q "$base"; then
  for file in $(git diff --name-only --diff-filter=U); do
    grep -v -e '^<<<<<<<' -e '^=======' -e '^>>>>>>>' "$file" > "$file.tmp"; mv "$file.tmp" "$file"; git add "$file"
  done
  GIT_EDITOR=true git rebase --continue
fi
git update-ref "$ref" HEAD "$tip"
`, { mode: 0o755 });
    const rigToml = join(f.town, 'demo', 'rig.toml');
    writeFileSync(rigToml, readFileSync(rigToml, 'utf8') +
      `\n[runtime]\nmode = "headless"\n\n[agents.roles]\nrefinery = "resolver"\n\n[agents.custom.resolver]\ncommand = ${JSON.stringify(resolver)}\nargs = ["{prompt}"]\n`);
    const [a, b] = await createBeads(f, ['alpha', 'bravo'].map((t) => `feature ${t}`));
    const { polecats } = work(f, [
      { bead: a!, files: { 'shared.txt': 'alpha line\n' } },
      { bead: b!, files: { 'shared.txt': 'bravo line\n' } },
    ]);
    const run = f.gtJson(['refinery', 'run', 'demo', '--on-conflict', 'agent', '--agent-timeout', '60', '--no-start']);
    assert.deepEqual(run.bounced, [], JSON.stringify(run.bounces));
    assert.deepEqual(run.merged, [polecats.get(a!)!.mr, polecats.get(b!)!.mr]);
    assert.equal(f.git(repoDir(f), ['show', 'main:shared.txt']), 'alpha line\nbravo line');
    assert.equal(run.testRuns, 2, 'the resolution was tested like any MR');
    assert.equal((await bead(f, b!)).status, 'closed');
  } finally {
    f.cleanup();
  }
});

test('--on-conflict agent: an agent that gives up leaves the conflict to bounce, saying it tried', async () => {
  const f = makeTown({ testCmd: 'true', files: { 'README.md': '# sample\n', 'shared.txt': 'original\n' } });
  try {
    const quitter = join(f.root, 'quitter.sh');
    writeFileSync(quitter, '#!/bin/sh\necho "not confident; giving up"\n', { mode: 0o755 });
    const rigToml = join(f.town, 'demo', 'rig.toml');
    writeFileSync(rigToml, readFileSync(rigToml, 'utf8') +
      `\n[runtime]\nmode = "headless"\n\n[agents.roles]\nrefinery = "quitter"\n\n[agents.custom.quitter]\ncommand = ${JSON.stringify(quitter)}\nargs = ["{prompt}"]\n`);
    const [a, b] = await createBeads(f, ['alpha', 'bravo'].map((t) => `feature ${t}`));
    const { polecats } = work(f, [
      { bead: a!, files: { 'shared.txt': 'alpha line\n' } },
      { bead: b!, files: { 'shared.txt': 'bravo line\n' } },
    ]);
    const run = f.gtJson(['refinery', 'run', 'demo', '--on-conflict', 'agent', '--no-start']);
    assert.deepEqual(run.merged, [polecats.get(a!)!.mr]);
    assert.deepEqual(run.bounced, [polecats.get(b!)!.mr]);
    const st = f.gtJson(['mq', 'status', polecats.get(b!)!.mr]);
    assert.deepEqual(st.attempts[0].conflict_files, ['shared.txt']);
    assert.match(st.attempts[0].detail, /the refinery's agent tried to resolve it first/);
    assert.equal(f.git(join(f.town, 'demo', 'refinery', 'rig'), ['status', '--porcelain']), '');
  } finally {
    f.cleanup();
  }
});

test('a bounce whose sling fails is not lost: the next refinery run slings the same fix bead, once', async () => {
  const f = makeTown({ testCmd: GATE });
  try {
    const c = await createBead(f, 'feature charlie');
    const { polecats } = work(f, [{ bead: c, files: { 'c.txt': 'BAD code\n' } }]);
    const mr = polecats.get(c)!.mr;
    const { runRefinery } = await import('../src/refinery/service.js');
    const { closeTown, loadTown } = await import('../src/town/town.js');
    const { loadRig } = await import('../src/town/rig.js');
    const town = loadTown(f.town);
    const rig = loadRig(town, 'demo');
    try {
      const first = await runRefinery(town, rig, { startFixSessions: false, sling: async () => { throw new Error('sling blew up'); } });
      assert.deepEqual(first.bounced, [mr]);
      assert.match(first.bounces[0]!.slingError ?? '', /sling blew up/);
      const fix = first.bounces[0]!.fixBead!;
      assert.equal((await bead(f, fix)).status, 'open', 'filed but not slung');
      assert.equal(f.gtJson(['mq', 'status', mr]).state, 'bounced');

      const second = await runRefinery(town, rig, { startFixSessions: false });
      assert.equal(second.bounces.length, 1);
      assert.equal(second.bounces[0]!.fixBead, fix, 'the same fix bead, not another');
      const hooked = await bead(f, fix);
      assert.equal(hooked.status, 'hooked');
      assert.match(hooked.assignee ?? '', /^demo\/polecats\//);

      const third = await runRefinery(town, rig, { startFixSessions: false });
      assert.equal(third.bounces.length, 0, 'nothing left to do');
      assert.equal((await bead(f, fix)).assignee, hooked.assignee);
      const s = await rigStore(f);
      try {
        assert.equal((await s.list({ fields: { bounce_mr: mr } })).length, 1, 'one fix bead per MR');
      } finally {
        await s.close();
      }
    } finally {
      await closeTown(town);
    }
  } finally {
    f.cleanup();
  }
});

test('gt mq remove gives the work back: source bead open and unassigned, polecat decommissioned with its branch kept', async () => {
  const f = makeTown({ testCmd: GATE });
  try {
    const id = await createBead(f, 'feature echo');
    const { polecats } = work(f, [{ bead: id, files: { 'e.txt': 'echo\n' } }]);
    const p = polecats.get(id)!;
    assert.notEqual((await bead(f, id)).status, 'open');
    const r = f.gtJson(['mq', 'remove', p.mr]);
    assert.equal(r.changed, true);
    assert.equal(r.mr.state, 'bounced');
    assert.equal(r.reopened, id);
    assert.equal(r.decommissioned, p.agent);
    const src = await bead(f, id);
    assert.equal(src.status, 'open');
    assert.equal(src.assignee ?? undefined, undefined);
    assert.equal(existsSync(p.workdir), false, 'worktree removed');
    assert.equal(f.git(repoDir(f), ['rev-parse', '--verify', '--quiet', `refs/heads/${p.branch}`]).length, 40, 'branch kept');
    assert.ok(!f.gtJson(['status']).agents.some((a: any) => a.address === p.agent), 'polecat retired');

    const again = f.gtJson(['mq', 'remove', p.mr]);
    assert.equal(again.changed, false);
    assert.equal(again.reopened, undefined);
    assert.equal(again.decommissioned, undefined);
    // The work can go out again.
    const slung = f.gtJson(['sling', id, 'demo', '--no-start']);
    assert.equal(slung.hooked[0].bead, id);
  } finally {
    f.cleanup();
  }
});

test('main red on its own: the MR is not bounced, the mayor and overseer are told once, nothing merges', async () => {
  // The project's main is already red (its tests find BAD in legacy.txt).
  const f = makeTown({ testCmd: GATE, files: { 'README.md': '# sample\n', 'legacy.txt': 'BAD legacy\n' } });
  try {
    const a = await createBead(f, 'innocent work');
    const { polecats } = work(f, [{ bead: a, files: { 'a.txt': 'fine\n' } }]);
    const mr = polecats.get(a)!.mr;
    const main0 = f.git(repoDir(f), ['rev-parse', 'main']);
    const run = f.gt(['refinery', 'run', 'demo', '--no-start']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /main fails its own tests: 1 MR left queued, not bounced/);
    assert.equal(f.gtJson(['mq', 'status', mr]).state, 'queued');
    assert.equal(f.git(repoDir(f), ['rev-parse', 'main']), main0);
    const told = (who: string) => f.gtJson(['mail', 'inbox', who]).filter((m: any) => /main is red/.test(m.subject));
    for (const who of ['mayor', 'overseer']) assert.equal(told(who).length, 1, `${who} told`);
    // A second run tries the MR again but does not repeat the news.
    const again = f.gtJson(['refinery', 'run', 'demo', '--no-start']);
    assert.ok(again.mainRed && !again.mainRed.fresh);
    assert.equal(told('mayor').length, 1);
  } finally {
    f.cleanup();
  }
});
