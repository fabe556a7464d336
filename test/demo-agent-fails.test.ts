// `gt demo --agent claude` where claude cannot run (here: a `claude` on PATH that refuses, as the
// real one does as root): the demo stops as soon as every polecat has failed, says why in the
// agent's own words, exits non-zero, and leaves no session or tmux server behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { gt, testEnv, tempDir, type CliResult } from './support/cli.js';
import { sweepTown, townId } from './support/town-fixture.js';
import { groupAlive } from '../src/runtime/session.js';
import { listAgents } from '../src/town/identity.js';
import { closeTown, loadTown } from '../src/town/town.js';

const REFUSAL = '--dangerously-skip-permissions cannot be used with root/sudo privileges for security reasons';

/** `gt demo --agent claude` in a temp dir with a fake `claude` running `script`; the demo's town and the result. */
async function demoWithFakeClaude(prefix: string, script: string, args: string[], check: (r: CliResult, town: string) => void | Promise<void>): Promise<void> {
  const { dir, cleanup } = tempDir(prefix);
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'claude'), `#!/bin/sh\n${script}\n`);
  chmodSync(join(bin, 'claude'), 0o755);
  const env = testEnv({ HOME: dir });
  env.PATH = `${bin}:${env.PATH}`;
  delete env.GT_TOWN;
  const town = join(dir, 'demo', 'town');
  try {
    await check(gt(['demo', '--agent', 'claude', '--dir', join(dir, 'demo'), ...args], { cwd: dir, env }), town);
    assert.notEqual(spawnSync('tmux', ['-L', `gt-${townId(town)}`, 'list-sessions'], { encoding: 'utf8' }).status, 0, 'the tmux server is gone');
  } finally {
    sweepTown(town);
    cleanup();
  }
}

for (const mode of ['tmux', 'headless'] as const) {
  test(`gt demo --agent claude (${mode}) whose claude refuses to start: fails at once with its words, cleans up`, async () => {
    await demoWithFakeClaude('gt-demo-fail-', `echo "${REFUSAL}" >&2\nexit 1`, ['--timeout', '100', ...(mode === 'headless' ? ['--headless'] : [])], async (r, town) => {
      assert.equal(r.code, 1, r.stdout + r.stderr);
      // It stopped for the reason, not at the timeout (which would print the summary instead).
      assert.match(r.stderr, /gt: gt demo cannot land its convoy: every polecat's agent failed before handing in any work; the agent said: .*cannot be used with root\/sudo privileges/);
      assert.doesNotMatch(r.stdout, /did NOT land/);
      // Nothing of the demo runs on: no headless session process either.
      const handle = loadTown(town);
      try {
        for (const a of await listAgents(handle, { role: 'polecat' })) {
          const pid = a.sessions.at(-1)?.pid;
          if (pid) assert.equal(groupAlive(pid), false, `${a.address}'s session is gone`);
        }
      } finally {
        await closeTown(handle);
      }
    });
  });
}

test('gt demo --agent claude whose claude waits at a login screen: fails at once with that line, cleans up', async () => {
  await demoWithFakeClaude('gt-demo-stuck-', 'echo "Invalid API key · Please run /login"\nexec sleep 300', ['--timeout', '100'], (r) => {
    assert.equal(r.code, 1, r.stdout + r.stderr);
    // The sessions live on at the login screen: it stopped for that, not at the timeout.
    assert.match(r.stderr, /gt demo cannot land its convoy: .*the agent said: Invalid API key · Please run \/login/);
    assert.doesNotMatch(r.stdout, /did NOT land/);
  });
});

test('gt demo whose agent works but too slowly: at the timeout it says what each agent shows', async () => {
  await demoWithFakeClaude('gt-demo-slow-', 'echo "Thinking about it"\nexec sleep 300', ['--timeout', '3'], (r) => {
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /did NOT land/);
    assert.match(r.stdout, /unfinished polecats, and the last thing each agent printed:\n {4}calc\/polecats\/\S+ \(running\): Thinking about it\n/);
  });
});
