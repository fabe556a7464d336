// A worker process for the beads concurrency tests: many of these run at once against one
// database, each with its own store handle, the way many agents' bd calls do.
//   claim <beadsDir> <actor> <idsJsonFile> <goFile>  -> claims every id in order, prints {won, lost, errors}
//   mixed <beadsDir> <actor> <n>                      -> n mixed writes, prints {created, errors}
//   hold <beadsDir> <actor> <readyFile> <goFile>      -> holds a write transaction: writes readyFile
//                                                        inside it, commits once goFile exists
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { openStore } from '../../src/beads/open.js';
import { ConflictError } from '../../src/lib/errors.js';

const [mode, beadsDir, actor, arg, goFile] = process.argv.slice(2) as [string, string, string, string, string];
const store = await openStore({ kind: 'sqlite', beadsDir });
const errors: string[] = [];

if (mode === 'claim') {
  const ids = JSON.parse(readFileSync(arg, 'utf8')) as string[];
  while (!existsSync(goFile)) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2); // start together
  const won: string[] = [];
  let lost = 0;
  for (const id of ids) {
    try {
      await store.claim(id, actor);
      won.push(id);
    } catch (e) {
      if (e instanceof ConflictError && /already claimed by /.test(e.message)) lost++;
      else errors.push(String(e));
    }
  }
  process.stdout.write(JSON.stringify({ won, lost, errors }));
} else if (mode === 'mixed') {
  const n = Number(arg);
  const created: string[] = [];
  for (let i = 0; i < n; i++) {
    try {
      const k = i % 6;
      if (k === 0 || created.length < 2) created.push((await store.create({ title: `${actor} #${i}`, labels: [actor] }, actor)).id);
      else {
        const target = created[i % created.length]!;
        if (k === 1) await store.update(target, { notes: `note ${i}`, priority: i % 5 }, actor);
        else if (k === 2) await store.addComment(target, `comment ${i}`, actor);
        else if (k === 3) await store.addLabel(target, `l${i % 7}`, actor);
        else if (k === 4) await store.addDependency(target, created[(i + 1) % created.length]!, 'related', actor);
        else await store.closeIssues([target], `done ${i}`, actor);
      }
    } catch (e) {
      errors.push(String(e));
    }
  }
  process.stdout.write(JSON.stringify({ created, errors }));
} else if (mode === 'hold') {
  await store.transaction(async (tx) => {
    await tx.create({ title: `held by ${actor}` }, actor);
    writeFileSync(arg, String(process.pid));
    while (!existsSync(goFile)) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
  });
}
await store.close();
