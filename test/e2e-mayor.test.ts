// The Mayor end to end: the real `claude` binary (driven by the stub model) runs as the Mayor with
// its real role prompt, environment and tools. Told by `gt nudge mayor`, and separately by mail,
// to build one thing in each of two rigs, it files the beads as a person would
// (`cd $GT_TOWN/<rig> && bd create ...`) and slings them through its Bash tool; the deacon and
// shell-agent polecats land the work on each rig's main.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'smol-toml';
import { makeTown, makeProject, withStore, type TownFixture, sweepTown } from './support/town-fixture.js';
import { startStubModel, type StubModel } from './support/stub-model.js';
import { claudeEnv } from './support/claude.js';
import { until } from './support/wait.js';

let f: TownFixture;
let stub: StubModel | undefined;
before(() => {
  f = makeTown({ testCmd: 'true' });
  const web = makeProject(join(f.root, 'web-project'));
  const add = f.gt(['rig', 'add', 'web', web, '--test-cmd', 'true']);
  if (add.code !== 0) throw new Error(add.stderr);
  const path = join(f.town, 'town.toml');
  // The Mayor is claude; polecats are the shell agent, so the work itself needs no model.
  writeFileSync(path, stringify({ ...parse(readFileSync(path, 'utf8')), runtime: { mode: 'tmux' }, agents: { default: 'claude', roles: { polecat: 'shell' } } }));
});
after(async () => {
  f.gt(['down', '--all']);
  sweepTown(f.town);
  await stub?.close();
  f.cleanup();
});

/** The Bash command the Mayor runs to file a bead in a rig and sling it there. */
function fileAndSling(rig: string, title: string, file: string): string {
  const description = `Create ${file}.\\n\\n\`\`\`sh\\necho "${title}" > ${file}\\n\`\`\`\\n`;
  return `cd "$GT_TOWN/${rig}" && id=$(bd create "${title}" --acceptance "${file} is on main" -d "$(printf '${description}')" --silent) && gt sling "$id" ${rig}`;
}

const bash = (command: string, description: string) => ({ name: 'Bash' as const, input: { command, description } });

test('the Mayor, told by nudge and by mail, files and slings work in two rigs; it lands in each', { timeout: 300_000 }, async () => {
  // The scripted model acts only on what it is told: each step after a message checks the text the
  // real session sent it (the nudge as typed, the mail as `gt mail read` printed it).
  const idle = { text: 'Nothing was asked of me.' };
  stub = await startStubModel([
    { text: 'Priming.', tool: bash('gt prime', 'prime') },
    { text: 'Mayor standing by.' },
    // Told by nudge: one thing in each rig.
    { branches: [{ when: /Please build a greeting in demo and an index page in web/, turn: { text: 'Filing the greeting in demo.', tool: bash(fileAndSling('demo', 'Add a greeting', 'hello.txt'), 'file and sling in demo') } }], otherwise: idle },
    { text: 'Filing the page in web.', tool: bash(fileAndSling('web', 'Add an index page', 'index.html'), 'file and sling in web') },
    { text: 'Both are slung.' },
    // Told by mail: find it in the inbox, read it, then one more thing in each rig.
    { branches: [{ when: /mail/i, turn: { text: 'Checking my mail.', tool: bash('gt mail inbox', 'inbox') } }], otherwise: idle },
    {
      branches: [{
        when: /More work/,
        turn: { text: 'Reading it.', tool: { name: 'Bash', input: (ctx) => ({ command: `gt mail read ${/(\S+)\s+overseer\s+More work/.exec(ctx.lastUserText)![1]}`, description: 'read' }) } },
      }],
      otherwise: idle,
    },
    { branches: [{ when: /A farewell in demo and an about page in web, please\./, turn: { text: 'Filing the farewell in demo.', tool: bash(fileAndSling('demo', 'Add a farewell', 'bye.txt'), 'file and sling in demo') } }], otherwise: idle },
    { text: 'Filing the about page in web.', tool: bash(fileAndSling('web', 'Add an about page', 'about.html'), 'file and sling in web') },
    { text: 'Done: all four are slung.' },
  ]);
  const env = { ...f.env, ...claudeEnv(stub.url) };
  assert.equal((await f.gtAsync(['up'], env)).code, 0);
  const started = await f.gtAsync(['mayor', 'start', '--json'], env);
  assert.equal(started.code, 0, started.stderr);
  assert.equal(JSON.parse(started.stdout).agent.adapter, 'claude');
  await until('the Mayor to stand by', () => { const r = f.gt(['peek', 'mayor']); return r.stdout.includes('Mayor standing by.') && r; }, 60_000);
  // The role prompt the real session read teaches the tools.
  const primed = await stub.waitFor((r) => r.step === 1, 30_000);
  assert.match(JSON.stringify(primed.body?.messages), /You are the Mayor/);

  const nudged = await f.gtAsync(['nudge', 'mayor', 'Please build a greeting in demo and an index page in web.'], env);
  assert.equal(nudged.code, 0, nudged.stderr);
  await stub.waitFor((r) => r.step === 4, 90_000);
  await until('the Mayor to stand by again', () => { const r = f.gt(['peek', 'mayor']); return r.stdout.includes('Both are slung.') && r; }, 60_000);

  const mailed = await f.gtAsync(['mail', 'send', 'mayor', '-s', 'More work', '-m', 'A farewell in demo and an about page in web, please.', '--nudge'], env);
  assert.equal(mailed.code, 0, mailed.stderr);
  await stub.waitFor((r) => r.step === 9, 120_000);
  assert.deepEqual(stub.mainRequests().filter((r) => r.reply?.includes('Nothing was asked of me.')).map((r) => r.step), [], 'every step acted on what the Mayor was told');

  const landed = (rig: string, file: string) => {
    try { return f.git(join(f.town, rig, '.repo.git'), ['show', `main:${file}`]); } catch { return undefined; }
  };
  await until('all four to land', () => landed('demo', 'hello.txt') && landed('demo', 'bye.txt') && landed('web', 'index.html') && landed('web', 'about.html'), 180_000);
  assert.equal(landed('demo', 'hello.txt'), 'Add a greeting');
  assert.equal(landed('web', 'about.html'), 'Add an about page');
  for (const [rig, titles] of [['demo', ['Add a greeting', 'Add a farewell']], ['web', ['Add an index page', 'Add an about page']]] as const) {
    await withStore(join(f.town, rig, '.beads'), async (s) => {
      for (const t of titles) {
        const b = (await s.list({ includeClosed: true })).find((x) => x.title === t);
        assert.ok(b, `${t} filed in ${rig}`);
        assert.equal(b.status, 'closed');
        assert.equal(b.created_by ?? 'mayor', 'mayor');
      }
    });
  }
  await withStore(join(f.town, '.beads'), async (hq) => {
    // HQ holds the convoys and the landing mail; the work itself was filed in the rigs.
    assert.deepEqual((await hq.list({ includeClosed: true, type: 'task' })).map((b) => b.title), [], 'no work filed into HQ by mistake');
    assert.equal((await hq.list({ includeClosed: true, type: 'convoy' })).filter((c) => c.status === 'closed').length, 4, 'four convoys landed');
  });
});
