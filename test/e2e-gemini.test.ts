// End to end with the real `gemini` binary driven by the stub Gemini model, in a real town: sling a
// bead with --agent gemini; gemini runs `gt hook --json`, writes a file, commits and runs `gt done`,
// all through its own run_shell_command calls. The commit is on the polecat's branch, the MR bead
// exists, the hook JSON reached the model as a function response, and the session ends.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { assertCostsRecorded, assertHandedIn } from './support/agent-e2e.js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTown, type TownFixture, createRigBead, lastSessionOf, sessionGone, withHeadlessRig, sweepTown } from './support/town-fixture.js';
import { startStubGemini, toolOutputs, type GeminiTurn, type StubGemini } from './support/stub-gemini.js';
import { geminiBin, geminiEnv } from './support/gemini.js';
import { until } from './support/wait.js';

let f: TownFixture;
let stub: StubGemini | undefined;
before(() => {
  f = makeTown();
});
after(async () => {
  sweepTown(f.town);
  await stub?.close();
  // A gemini killed with its tmux server may still be flushing its chat file under HOME for a moment.
  await until('the town dir removed', () => { try { f.cleanup(); return true; } catch { return false; } }, 10_000);
});

async function startStub(steps: GeminiTurn[]): Promise<StubGemini> {
  await stub?.close();
  stub = await startStubGemini(steps);
  return stub;
}

/** hook -> write -> commit + gt done, each a shell command gemini runs through its own tool. */
const workScenario = (file: string, content: string): GeminiTurn[] => [
  { text: 'Reading my hook.', exec: 'gt hook --json' },
  { text: 'Writing the feature.', exec: `printf '${content}\\n' > ${file}` },
  { text: 'Committing and handing in.', exec: `git add -A && git commit -q -m "add ${file}" && gt done` },
  { text: 'Work handed in.' },
];

/** Slings a bead to gemini and checks the whole flow; returns the stub's main requests. */
async function slingAndWork(opts: { file: string; mode: 'headless' | 'tmux' }) {
  const s = await startStub(workScenario(opts.file, `made by gemini (${opts.mode})`));
  const env = { ...f.env, ...geminiEnv(s.url) };
  const bead = await createRigBead(f.town, `add ${opts.file}`, `Create ${opts.file}, commit, gt done.`);
  const slung = await f.gtAsync(['sling', bead, 'demo', '--agent', 'gemini', '--json'], env);
  assert.equal(slung.code, 0, slung.stderr);
  const h = JSON.parse(slung.stdout).hooked[0] as { agent: string; branch: string; session: string };
  assert.equal(h.session, 'started');
  assert.deepEqual(await lastSessionOf(f.town, h.agent), ['gemini', opts.mode]);

  // The hook was read through gt by gemini's own tool call, and its JSON came back to the model.
  const second = await s.waitFor((r) => r.step === 1, 45_000);
  const hookOut = toolOutputs(second.body).join('\n');
  assert.match(hookOut, new RegExp(`"id":\\s*"${bead}"`));

  await assertHandedIn(f, { bead, agent: h.agent, branch: h.branch, file: opts.file, content: `made by gemini (${opts.mode})` });
  const main = s.mainRequests();
  assert.deepEqual(main.slice(0, 3).map((r) => r.step), [0, 1, 2]);
  // Its usage, as the CLI recorded it on disk, is what `gt costs` (and the dashboard) show.
  await assertCostsRecorded(f, h.agent, main);
  assert.ok(s.requests.every((r) => r.kind !== 'other'), s.requests.map((r) => r.path).join(','));
  return { h, main };
}

const headless = <T>(fn: () => Promise<T>) => withHeadlessRig(f.town, fn);

test('the gemini binary is installed (npm ci installs @google/gemini-cli)', () => {
  assert.ok(existsSync(geminiBin), `${geminiBin} missing: run npm ci`);
});

test('headless (gemini -p): runs gt hook, writes, commits, gt done -> branch commit, MR bead, session ended', async () => {
  await headless(async () => {
    const { h, main } = await slingAndWork({ file: 'headless.txt', mode: 'headless' });
    assert.ok(main.every((r) => /:streamGenerateContent$/.test(r.path)), main.map((r) => r.path).join(','));
    const peek = f.gt(['peek', h.agent]);
    assert.equal(peek.code, 0, peek.stderr);
    // gt done ends the session, so the model's last words may never be printed: check those before it.
    assert.match(peek.stdout, /Reading my hook\.[\s\S]*Committing and handing in\./);
  });
});

test('tmux (interactive TUI): sling --agent gemini works the bead to an MR and the session ends', async () => {
  const { main } = await slingAndWork({ file: 'tui.txt', mode: 'tmux' });
  assert.ok(main.every((r) => /:streamGenerateContent$/.test(r.path)));
});

test('GUPP + nudge: an idle gemini TUI with work on its hook acts when nudged', async () => {
  const s = await startStub([
    { text: 'Standing by.' },
    { text: 'Nudged: checking my hook.', exec: 'gt hook --json > hook-seen.json' },
    { text: 'Hook read.' },
  ]);
  const env = { ...f.env, ...geminiEnv(s.url) };
  const bead = await createRigBead(f.town, 'nudge me', 'Work that waits for a nudge.');
  const slung = await f.gtAsync(['sling', bead, 'demo', '--agent', 'gemini', '--json'], env);
  assert.equal(slung.code, 0, slung.stderr);
  const h = JSON.parse(slung.stdout).hooked[0] as { agent: string; workdir: string };
  await s.waitFor((r) => r.step === 0, 30_000);
  let screen = '';
  const peek = await until('the idle prompt', () => {
    const r = f.gt(['peek', h.agent, '-n', '60']);
    screen = r.stdout + r.stderr;
    return r.stdout.includes('Standing by.') && /Type your message/.test(r.stdout) && r;
  }).catch((e: Error) => { throw new Error(`${e.message}; screen:\n${screen}`); });
  assert.equal(peek.code, 0);
  assert.equal(existsSync(join(h.workdir, 'hook-seen.json')), false, 'nothing happens without a nudge');

  const n = await f.gtAsync(['nudge', h.agent, 'GUPP: work the bead on your hook', '--json'], env);
  assert.equal(n.code, 0, n.stderr);
  assert.equal(JSON.parse(n.stdout).idle, true);
  const req = await s.waitFor((r) => r.step === 1, 30_000).catch((e: Error) => { throw new Error(`${e.message}; screen:\n${f.gt(['peek', h.agent, '-n', '60']).stdout}`); });
  assert.ok(JSON.stringify(req.body?.contents).includes('GUPP: work the bead on your hook'));
  const seen = await until('hook-seen.json in the worktree', () => existsSync(join(h.workdir, 'hook-seen.json')) && readFileSync(join(h.workdir, 'hook-seen.json'), 'utf8'));
  assert.equal(JSON.parse(seen).bead.id, bead);

  const killed = f.gt(['session', 'kill', h.agent]);
  assert.equal(killed.code, 0, killed.stderr);
  assert.ok(sessionGone(f, h.agent)());
});
