// `gt demo` from the built binary: a fresh town, eight beads, shell-agent polecats in real tmux
// sessions (at most three at once), a bead that waits for another, the refinery merging, one
// conflict and one red test bounced and redone, convoy landed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { gt, testEnv, tempDir } from './support/cli.js';
import { sweepTown } from './support/town-fixture.js';

test('gt demo lands its convoy, bouncing and fixing a conflict and a red test', () => {
  const { dir, cleanup } = tempDir('gt-demo-test-');
  const env = testEnv({ HOME: dir });
  delete env.GT_TOWN;
  try {
    const r = gt(['demo', '--dir', dir, '--json', '--timeout', '100'], { cwd: dir, env });
    assert.equal(r.code, 0, r.stderr.slice(-2000));
    const s = JSON.parse(r.stdout);
    assert.equal(s.landed, true);
    assert.equal(s.status.total, 10, '8 beads + 2 fix beads');
    assert.deepEqual(s.bounced.map((b: { reason: string }) => b.reason).sort(), ['conflict', 'red']);
    assert.equal(s.merged.length, 8);
    assert.equal(s.mainLog.length, 9, 'initial commit + 8 merges');
    assert.match(r.stderr, /✗ bounced .*conflict in FEATURES\.md/);
    assert.match(r.stderr, /convoy 10\/10 landed/);
    // Capacity 3 of 8 beads, and a chain: staged and queued work is shown, then slung as it frees up.
    assert.match(r.stderr, /⏸ staged .*queued: capacity 3\/3/);
    assert.match(r.stderr, /⏸ staged .*"Write a usage guide": blocked by /);
    assert.match(r.stderr, /⚙ slung .*"Write a usage guide" .*its blocker landed/);
    assert.doesNotMatch(r.stderr, /polecats [4-9]\/3/, 'never more than three polecats');
    // main is green: the sample project's tests pass at its tip
    const town = join(dir, 'town');
    const check = join(dir, 'check');
    execFileSync('git', ['clone', '-q', join(town, 'calc', '.repo.git'), check], { env });
    const tests = execFileSync(process.execPath, ['run-tests.js'], { cwd: check, encoding: 'utf8' });
    assert.match(tests, /passed, 0 failed/);
    assert.match(execFileSync(process.execPath, ['-e', "import('./src/add.js').then(m => console.log(m.add(1, 2, 3, 4)))"], { cwd: check, encoding: 'utf8' }), /^10$/m);
    const mail = gt(['mail', 'inbox', 'mayor', '--json'], { cwd: dir, env: { ...env, GT_TOWN: town } });
    assert.ok(JSON.parse(mail.stdout).some((m: { subject: string }) => m.subject.startsWith('Convoy landed')));
  } finally {
    sweepTown(join(dir, 'town'));
    cleanup();
  }
});
