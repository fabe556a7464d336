// Bounces and the text derived from beads, through the real CLI on a real town: titles at the cap
// still hand in, bounce and land; one convoy's bad data does not stop the patrol; bounces of one
// piece of work share a budget, then go to people; fix titles never nest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { makeTown, asAgent, type TownFixture } from './support/town-fixture.js';
import { bd } from './support/cli.js';
import { openStore } from '../src/beads/open.js';
import { MAX_TITLE_LENGTH } from '../src/beads/model.js';
import { parse, stringify } from 'smol-toml';

const GATE = 'if grep -rl --exclude=.git BAD .; then echo "FAIL: BAD marker found"; exit 1; fi; echo tests ok';

async function bead(f: TownFixture, id: string) {
  const s = await openStore({ kind: 'sqlite', beadsDir: id.startsWith('hq-') ? join(f.town, '.beads') : join(f.town, 'demo', '.beads') });
  try {
    return await s.mustGet(id);
  } finally {
    await s.close();
  }
}

/** `bd create` in the rig, as a person would; returns the id. */
function create(f: TownFixture, title: string): string {
  const r = bd(['create', title, '--json'], { cwd: join(f.town, 'demo'), env: f.env });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout).id;
}

/** In the polecat's worktree: write files, commit, `gt done`; returns the MR id. */
function handIn(f: TownFixture, agent: string, workdir: string, files: Record<string, string>): string {
  for (const [name, content] of Object.entries(files)) writeFileSync(join(workdir, name), content);
  f.git(workdir, ['add', '-A']);
  f.git(workdir, ['commit', '-qm', 'work']);
  return f.gtJson(['done'], { env: asAgent(f, agent) }).mr.id;
}

test('a title at the cap: gt done, the bounce, the fix and the convoy landing all work, every derived title within the cap', async () => {
  const f = makeTown({ testCmd: GATE });
  try {
    const title = `Long title ${'x'.repeat(MAX_TITLE_LENGTH - 11)}`;
    assert.equal(title.length, MAX_TITLE_LENGTH);
    const id = create(f, title);
    const slung = f.gtJson(['sling', id, 'demo', '--no-start']);
    const h = slung.hooked[0];
    const mr = handIn(f, h.agent, h.workdir, { 'c.txt': 'BAD code\n' });
    assert.ok((await bead(f, mr)).title.length <= MAX_TITLE_LENGTH, 'the MR bead is filed, its title fitted');

    const run = f.gtJson(['refinery', 'run', 'demo', '--no-start']);
    assert.deepEqual(run.bounced, [mr]);
    const fixId = run.bounces[0].fixBead;
    assert.ok(fixId, 'a fix bead was filed');
    const fix = await bead(f, fixId);
    assert.ok(fix.title.length <= MAX_TITLE_LENGTH, `${fix.title.length} characters`);
    assert.match(fix.title, /^Fix Long title x+…: failing tests$/);

    const fixer = f.gtJson(['hook', run.bounces[0].slungTo]);
    f.git(fixer.workdir, ['cherry-pick', `main..${h.branch}`]);
    handIn(f, run.bounces[0].slungTo, fixer.workdir, { 'c.txt': 'good code\n' });
    const landed = f.gtJson(['refinery', 'run', 'demo', '--no-start']);
    assert.equal(landed.merged.length, 1);
    assert.equal((await bead(f, id)).status, 'closed');

    // The convoy (named after the bead) has landed: status and patrol work, the news fits.
    const status = f.gt(['convoy', 'status', slung.convoy, '--json']);
    assert.equal(status.code, 0, status.stderr);
    assert.equal(JSON.parse(status.stdout).status, 'closed');
    const news = f.gtJson(['mail', 'inbox', 'overseer']).filter((m: any) => m.subject.startsWith('Convoy landed: Long title'));
    assert.equal(news.length, 1);
    assert.ok(news[0].subject.length <= MAX_TITLE_LENGTH);
    const patrol = f.gt(['patrol', '--json']);
    assert.equal(patrol.code, 0, patrol.stderr);
    assert.deepEqual(JSON.parse(patrol.stdout).errors, []);
  } finally {
    f.cleanup();
  }
});

test("one convoy whose close fails does not stop the others landing, nor the patrol; the failure is reported", async () => {
  const f = makeTown({ testCmd: 'true' });
  try {
    const [a, b] = [create(f, 'alpha'), create(f, 'bravo')];
    const ca = f.gtJson(['convoy', 'create', 'convoy alpha', a]).id;
    const cb = f.gtJson(['convoy', 'create', 'convoy bravo', b]).id;
    const closed = bd(['close', a, b], { cwd: join(f.town, 'demo'), env: f.env });
    assert.equal(closed.code, 0, closed.stderr);
    // Convoy alpha's row refuses any change: real SQLite saying no, as a damaged record would.
    const db = new Database(join(f.town, '.beads', 'beads.db'));
    try {
      db.exec(`CREATE TRIGGER refuse_alpha BEFORE UPDATE ON issues WHEN OLD.id = '${ca}' BEGIN SELECT RAISE(ABORT, 'alpha is damaged'); END`);
    } finally {
      db.close();
    }

    const patrol = f.gt(['patrol', '--json']);
    assert.equal(patrol.code, 0, patrol.stderr);
    const r = JSON.parse(patrol.stdout);
    assert.deepEqual(r.landed, [cb]);
    assert.deepEqual(r.errors.map((e: any) => [e.phase, e.convoy]), [['convoy', ca]]);
    assert.match(r.errors[0].message, /alpha is damaged/);
    const human = f.gt(['patrol']);
    assert.match(human.stderr, new RegExp(`^gt: convoy ${ca}: FAILED: .*alpha is damaged`, 'm'), 'a failure goes to stderr');
    assert.doesNotMatch(human.stdout, /FAILED/, 'stdout holds only the normal output');

    const status = f.gt(['convoy', 'status', '--json']);
    assert.equal(status.code, 0, status.stderr);
    assert.deepEqual(JSON.parse(status.stdout).map((c: any) => c.id), [ca], 'bravo landed; alpha still open');
    assert.match(status.stderr, new RegExp(`warning: convoy ${ca} could not be landed: .*alpha is damaged`));
    assert.equal((await bead(f, cb)).status, 'closed');
  } finally {
    f.cleanup();
  }
});

test('a rig whose rig.toml does not load is reported by the patrol and gt doctor; the other rigs still land', async () => {
  const f = makeTown({ testCmd: 'true' });
  try {
    mkdirSync(join(f.town, 'broken'));
    writeFileSync(join(f.town, 'broken', 'rig.toml'), 'prefix = "br"\nmax_polecats = 0\n');
    const id = create(f, 'alpha');
    const h = f.gtJson(['sling', id, 'demo', '--no-start']).hooked[0];
    handIn(f, h.agent, h.workdir, { 'alpha.txt': 'alpha\n' });

    const patrol = f.gt(['patrol', '--json']);
    assert.equal(patrol.code, 0, patrol.stderr);
    const r = JSON.parse(patrol.stdout);
    assert.deepEqual(r.errors.map((e: any) => [e.phase, e.rig]), [['config', 'broken']]);
    assert.match(r.errors[0].message, /max_polecats/);
    assert.deepEqual(r.refinery.flatMap((x: any) => x.merged.map((m: any) => m.mr ?? m)).length, 1, 'demo merged its MR');
    assert.equal((await bead(f, id)).status, 'closed');

    const doctor = JSON.parse(f.gt(['doctor', '--json']).stdout);
    assert.ok(doctor.some((d: any) => d.check === 'rig-config' && d.subject === 'broken'), JSON.stringify(doctor));
    const sling = f.gt(['sling', create(f, 'bravo'), 'broken']);
    assert.equal(sling.code, 1);
    assert.match(sling.stderr, /max_polecats/, 'names what is wrong with the rig, not "no such agent"');
  } finally {
    f.cleanup();
  }
});

test('bounces of one piece of work share a budget of 3 fixes; the 4th bounce goes to the mayor and the overseer, titles never nest', async () => {
  const f = makeTown({ testCmd: GATE });
  try {
    const id = create(f, 'feature charlie');
    const slung = f.gtJson(['sling', id, 'demo', '--no-start']);
    let mr = handIn(f, slung.hooked[0].agent, slung.hooked[0].workdir, { 'c.txt': 'BAD code\n' });
    const fixes: string[] = [];
    let last: any;
    for (let round = 1; round <= 4; round++) {
      last = f.gtJson(['refinery', 'run', 'demo', '--no-start']);
      assert.deepEqual(last.bounced, [mr], `round ${round}`);
      if (round === 4) break;
      const b = last.bounces[0];
      assert.ok(b.fixBead && !b.escalated, `round ${round}: a fix bead`);
      const fix = await bead(f, b.fixBead);
      assert.equal(fix.title, 'Fix feature charlie: failing tests', `round ${round}: named after the original`);
      assert.equal(fix.fields.bounce_root, id);
      assert.equal(fix.fields.bounce_of, fixes.at(-1) ?? id);
      fixes.push(fix.id);
      // The fixer reworks it the same way: red again.
      const fixer = f.gtJson(['hook', b.slungTo]);
      mr = handIn(f, b.slungTo, fixer.workdir, { 'c.txt': `BAD again ${round}\n` });
    }
    const b = last.bounces[0];
    assert.equal(b.escalated, true);
    assert.equal(b.fixBead, undefined, 'no fourth fix bead');
    const s = await openStore({ kind: 'sqlite', beadsDir: join(f.town, 'demo', '.beads') });
    try {
      assert.equal((await s.list({ fields: { bounce_root: id } })).length, 3);
    } finally {
      await s.close();
    }
    const stuck = await bead(f, fixes[2]!);
    assert.equal(stuck.status, 'blocked', 'waits for a person');
    assert.equal(stuck.assignee ?? undefined, undefined);
    assert.match(f.gtJson(['mq', 'status', mr]).attempts.at(-1).detail, /bounce budget used up/);
    for (const who of ['mayor', 'overseer']) {
      const told = f.gtJson(['mail', 'inbox', who]).filter((m: any) => /needs a person/.test(m.subject));
      assert.equal(told.length, 1, `${who} told once`);
      assert.equal(told[0].subject, 'demo: bounced 4 times, needs a person: feature charlie');
      const body = told[0].body;
      assert.match(body, /FAIL: BAD marker found/);
      assert.match(body, new RegExp(fixes.join(', ')));
    }
    // The work is kept on its branch; the polecat is gone.
    const branch = f.gtJson(['mq', 'status', mr]).branch;
    assert.equal(f.git(join(f.town, 'demo', '.repo.git'), ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`]).length, 40);
    assert.ok(!f.gtJson(['status']).agents.some((a: any) => a.hook), 'no polecat holds the work');
    // Retried and red again: still no new fix bead, nobody told twice.
    f.gtJson(['mq', 'retry', mr]);
    const again = f.gtJson(['refinery', 'run', 'demo', '--no-start']);
    assert.equal(again.bounces[0].escalated, true);
    assert.equal(f.gtJson(['mail', 'inbox', 'mayor']).filter((m: any) => /needs a person/.test(m.subject)).length, 1);
  } finally {
    f.cleanup();
  }
});

test('gt refinery run: a fix whose session cannot start is reported on stderr (human and --json); stdout holds only the run', async () => {
  const f = makeTown({ testCmd: GATE });
  try {
    // Every agent of this town exits at once: the fix's session fails to start.
    const toml = join(f.town, 'town.toml');
    writeFileSync(toml, stringify({ ...parse(readFileSync(toml, 'utf8')), agents: { default: 'dud', custom: { dud: { command: 'false' } } } }));
    for (const json of [false, true]) {
      const id = create(f, `feature ${json ? 'json' : 'human'}`);
      const slung = f.gtJson(['sling', id, 'demo', '--no-start']);
      handIn(f, slung.hooked[0].agent, slung.hooked[0].workdir, { [`${id}.txt`]: 'BAD code\n' });
      const r = f.gt(['refinery', 'run', 'demo', ...(json ? ['--json'] : [])]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /^gt: \S+: slinging \S+ to \S+ failed: .*exited at once/m, `stderr: ${r.stderr}\nstdout: ${r.stdout}`);
      if (json) assert.match(JSON.parse(r.stdout).bounces[0].slingError, /exited at once/, 'the report keeps it too');
      else {
        assert.doesNotMatch(r.stdout, /failed|exited at once/, 'no failure on stdout');
        assert.match(r.stdout, /bounced 1/);
      }
    }
  } finally {
    f.cleanup();
  }
});
