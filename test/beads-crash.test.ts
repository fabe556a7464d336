// The JSONL is written after a command's commit (the flush), so a process can die in between.
// A real child process commits a write and then spins (its scheduled flush can never run) until
// we SIGKILL it; the next bd process must find the committed write and put it in the JSONL, even
// when the file was changed underneath in the meantime (git pull). A process that exits without
// closing its store is flushed by the exit hook.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { bd, repoRoot, tempDir, testEnv } from './support/cli.js';
import { isAlive, killGroup, spawnDetached } from '../src/lib/proc.js';

const storeUrl = pathToFileURL(join(repoRoot, 'dist', 'src', 'beads', 'open.js')).href;

/** Starts `node -e <body>` with `store` open on beadsDir and `done(value)` writing doneFile. */
function child(dir: string, beadsDir: string, body: string): { pid: number; doneFile: string; log: string } {
  const doneFile = join(dir, `done-${Math.random().toString(36).slice(2)}`);
  const log = `${doneFile}.log`;
  const code = `import { openStore } from ${JSON.stringify(storeUrl)};
import { writeFileSync } from 'node:fs';
const store = await openStore({ kind: 'sqlite', beadsDir: ${JSON.stringify(beadsDir)} });
const done = (v) => writeFileSync(${JSON.stringify(doneFile)}, String(v));
${body}`;
  const pid = spawnDetached(process.execPath, ['--input-type=module', '-e', code], { cwd: dir, logFile: log });
  return { pid, doneFile, log };
}

async function waitFor(what: string, ok: () => boolean, log: string): Promise<void> {
  for (let i = 0; i < 1500; i++) {
    if (ok()) return;
    await sleep(20);
  }
  throw new Error(`timed out waiting for ${what}; child log: ${existsSync(log) ? readFileSync(log, 'utf8') : '(none)'}`);
}

async function killHard(pid: number, log: string): Promise<void> {
  killGroup(pid, 'SIGKILL');
  await waitFor(`pid ${pid} to die`, () => !isAlive(pid), log);
}

test('a writer SIGKILLed after commit, before its flush: the next bd process exports the write', async () => {
  const { dir, cleanup } = tempDir('beads-crash-');
  const pids: number[] = [];
  try {
    const env = testEnv({ BD_ACTOR: 'tester' });
    const ok = (args: string[]) => {
      const r = bd(args, { cwd: dir, env });
      assert.equal(r.code, 0, `bd ${args.join(' ')}: ${r.stderr}`);
      return r.stdout.trim();
    };
    ok(['init', '--prefix', 'cr']);
    const first = ok(['create', 'first', '--silent']);
    const second = ok(['create', 'second', '--silent']);
    const beadsDir = join(dir, '.beads');
    const jsonl = join(beadsDir, 'issues.jsonl');
    const before = readFileSync(jsonl, 'utf8');

    // 1. Commit a create, then spin: the flush scheduled for the next tick never runs.
    const c = child(dir, beadsDir, `const a = await store.create({ title: 'made before the kill' }, 'crasher');
done(a.id);
for (;;) {}`);
    pids.push(c.pid);
    await waitFor('the child to commit', () => existsSync(c.doneFile), c.log);
    await killHard(c.pid, c.log);
    const lost = readFileSync(c.doneFile, 'utf8');
    assert.equal(readFileSync(jsonl, 'utf8'), before, 'the killed writer never wrote the JSONL');
    const listed = JSON.parse(ok(['list', '--json'])) as { id: string }[];
    assert.deepEqual(listed.map((i) => i.id).sort(), [first, second, lost].sort());
    assert.ok(readFileSync(jsonl, 'utf8').includes(`"id":"${lost}"`), 'bd list flushed the dead writer\'s change');
    assert.deepEqual(JSON.parse(ok(['doctor', '--json'])).problems, []);

    // 2. Kill after an update, then change the JSONL underneath (a pull edits both issues):
    //    the unexported local edit wins for its id, the pulled edit of the other issue is kept.
    const c2 = child(dir, beadsDir, `await store.update(${JSON.stringify(first)}, { title: 'first (local edit)' }, 'crasher');
done('ok');
for (;;) {}`);
    pids.push(c2.pid);
    await waitFor('the child to commit', () => existsSync(c2.doneFile), c2.log);
    await killHard(c2.pid, c2.log);
    const pulled = readFileSync(jsonl, 'utf8').split('\n').filter(Boolean).map((l) => {
      const r = JSON.parse(l) as { id: string; title: string };
      return JSON.stringify({ ...r, title: `${r.title} (pulled)` });
    });
    writeFileSync(jsonl, pulled.join('\n') + '\n');
    const exported = ok(['export']);
    assert.match(exported, /\d/);
    const byId = Object.fromEntries(readFileSync(jsonl, 'utf8').split('\n').filter(Boolean).map((l) => {
      const r = JSON.parse(l) as { id: string; title: string };
      return [r.id, r.title];
    }));
    assert.deepEqual(byId, { [first]: 'first (local edit)', [second]: 'second (pulled)', [lost]: 'made before the kill (pulled)' });
    assert.deepEqual(JSON.parse(ok(['doctor', '--json'])).problems, []);
  } finally {
    for (const pid of pids) killGroup(pid, 'SIGKILL');
    cleanup();
  }
});

test('a process that exits without closing its store is flushed by the exit hook', async () => {
  const { dir, cleanup } = tempDir('beads-exit-');
  const pids: number[] = [];
  try {
    const env = testEnv({ BD_ACTOR: 'tester' });
    assert.equal(bd(['init', '--prefix', 'ex'], { cwd: dir, env }).code, 0);
    const beadsDir = join(dir, '.beads');
    // process.exit in the same tick as the write: the scheduled flush never runs, the hook does.
    const c = child(dir, beadsDir, `const ids = [];
for (let i = 0; i < 5; i++) ids.push((await store.create({ title: 'bye ' + i }, 'leaver')).id);
done(ids.join(','));
process.exit(0);`);
    pids.push(c.pid);
    await waitFor('the child to exit', () => existsSync(c.doneFile) && !isAlive(c.pid), c.log);
    const ids = readFileSync(c.doneFile, 'utf8').split(',');
    const inFile = readFileSync(join(beadsDir, 'issues.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { id: string }).id);
    assert.deepEqual(inFile, [...ids].sort());
    assert.equal(readFileSync(c.log, 'utf8'), '');
  } finally {
    for (const pid of pids) killGroup(pid, 'SIGKILL');
    cleanup();
  }
});
