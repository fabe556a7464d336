// `gt daemon`: the patrol loop in the foreground. Work slung to shell-agent polecats lands with
// nothing but the daemon running; SIGTERM stops it cleanly.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'smol-toml';
import { makeTown, createRigBead, type TownFixture, sweepTown } from './support/town-fixture.js';
import { until } from './support/wait.js';
import { gtBin } from './support/cli.js';

let f: TownFixture;
before(() => {
  f = makeTown({ testCmd: 'true' });
  const path = join(f.town, 'town.toml');
  writeFileSync(path, stringify({ ...parse(readFileSync(path, 'utf8')), runtime: { mode: 'headless' }, agents: { default: 'shell' } }));
});
after(() => {
  sweepTown(f.town);
  f.cleanup();
});

test('the daemon lands slung work on its own and stops on SIGTERM', { timeout: 90_000 }, async () => {
  const daemon = spawn(process.execPath, [gtBin, 'daemon', '--max-delay', '2'], { cwd: f.root, env: f.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  daemon.stdout.on('data', (c) => (out += c));
  daemon.stderr.on('data', (c) => (out += c));
  const exited = new Promise<number | null>((res) => daemon.on('exit', (code) => res(code)));
  try {
    const a = await createRigBead(f.town, 'file a', '```sh\necho a > a.txt\n```');
    const b = await createRigBead(f.town, 'file b', '```sh\necho b > b.txt\n```');
    const slung = f.gtJson(['sling', a, b, 'demo']);
    const landed = await until('the daemon to land the convoy', () => {
      const c = f.gtJson(['convoy', 'status', slung.convoy]);
      return c.landed && c;
    }, 60_000);
    assert.equal(landed.closed, 2);
    assert.equal(f.git(join(f.town, 'demo', '.repo.git'), ['show', 'main:a.txt']), 'a');
  } finally {
    daemon.kill('SIGTERM');
  }
  assert.equal(await exited, 0, out);
  // Read once it has exited, so everything it wrote has arrived.
  assert.match(out, /patrolling/);
});
