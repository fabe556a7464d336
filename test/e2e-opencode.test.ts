// End to end with the real `opencode` binary driven by the stub Anthropic model (opencode's own
// `anthropic` provider, baseURL in its config), in a real town: sling a bead with --agent opencode;
// opencode runs `gt hook --json`, writes a file, commits and runs `gt done`, all through its own
// `bash` tool calls. The commit is on the polecat's branch, the MR bead exists, the hook JSON reached
// the model as a tool result, and the session ends. Headless (`opencode run`), then the TUI in tmux.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { assertCostsRecorded, assertHandedIn } from './support/agent-e2e.js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTown, type TownFixture, createRigBead, lastSessionOf, sessionGone, withHeadlessRig, sweepTown } from './support/town-fixture.js';
import { startStubModel, type StubModel, type StubStep, type MessagesRequest } from './support/stub-model.js';
import { opencodeBin, opencodeEnv } from './support/opencode.js';
import { until } from './support/wait.js';

let f: TownFixture;
let stub: StubModel | undefined;
before(() => {
  f = makeTown();
});
after(async () => {
  sweepTown(f.town);
  await stub?.close();
  f.cleanup();
});

async function startStub(steps: StubStep[]): Promise<StubModel> {
  await stub?.close();
  stub = await startStubModel(steps);
  return stub;
}

/** The tool results opencode sent back to the model in a request. */
const toolResults = (body: MessagesRequest | undefined) =>
  (body?.messages ?? []).flatMap((m) => (typeof m.content === 'string' ? [] : m.content))
    .filter((b) => b.type === 'tool_result')
    .map((b) => (typeof b.content === 'string' ? b.content : JSON.stringify(b.content)));

const bash = (command: string, description: string) => ({ name: 'bash' as const, input: { command, description } });

/** hook -> write -> commit + gt done, each a command opencode runs through its own `bash` tool. */
const workScenario = (file: string, content: string): StubStep[] => [
  { text: 'Reading my hook.', tool: bash('gt hook --json', 'read my hook') },
  { text: 'Writing the feature.', tool: bash(`printf '${content}\\n' > ${file}`, 'write the feature') },
  { text: 'Committing and handing in.', tool: bash(`git add -A && git commit -q -m "add ${file}" && gt done`, 'commit and hand in') },
  { text: 'Work handed in.' },
];

/** Slings a bead to opencode and checks the whole flow. */
async function slingAndWork(opts: { file: string; mode: 'headless' | 'tmux' }) {
  const s = await startStub(workScenario(opts.file, `made by opencode (${opts.mode})`));
  const env = { ...f.env, ...opencodeEnv(s.url, f.root) };
  const bead = await createRigBead(f.town, `add ${opts.file}`, `Create ${opts.file}, commit, gt done.`);
  const slung = await f.gtAsync(['sling', bead, 'demo', '--agent', 'opencode', '--json'], env);
  assert.equal(slung.code, 0, slung.stderr);
  const h = JSON.parse(slung.stdout).hooked[0] as { agent: string; branch: string; workdir: string; session: string };
  assert.equal(h.session, 'started');
  assert.deepEqual(await lastSessionOf(f.town, h.agent), ['opencode', opts.mode]);

  // The hook was read through gt by opencode's own tool call, and its JSON came back to the model.
  const second = await s.waitFor((r) => r.step === 1, 120_000);
  assert.match(toolResults(second.body).join('\n'), new RegExp(`"id":\\s*"${bead}"`));

  await assertHandedIn(f, { bead, agent: h.agent, branch: h.branch, file: opts.file, content: `made by opencode (${opts.mode})` });
  const main = s.mainRequests();
  assert.deepEqual(main.slice(0, 3).map((r) => r.step), [0, 1, 2]);
  // Its usage, as the CLI recorded it on disk, is what `gt costs` (and the dashboard) show.
  await assertCostsRecorded(f, h.agent, main);
  // The agent ran in the polecat's worktree (opencode states it in its system prompt).
  assert.ok(JSON.stringify(main[0]!.body?.system).includes(h.workdir), 'opencode ran in the polecat worktree');
  assert.ok(s.requests.every((r) => r.path === '/v1/messages'), s.requests.map((r) => r.path).join(','));
  return { h, main };
}

const headless = <T>(fn: () => Promise<T>) => withHeadlessRig(f.town, fn);

test('the opencode binary is installed (npm ci installs opencode-ai)', () => {
  assert.ok(existsSync(opencodeBin), `${opencodeBin} missing: run npm ci`);
});

test('headless: opencode run runs gt hook, writes, commits, gt done -> branch commit, MR bead, session ended', async () => {
  await headless(async () => {
    const { h } = await slingAndWork({ file: 'headless.txt', mode: 'headless' });
    const peek = f.gt(['peek', h.agent]);
    assert.equal(peek.code, 0, peek.stderr);
    // opencode run's own log of its bash calls. What it prints after gt done may be cut off (gt done
    // ends the session a second later); the MR bead checked above proves the hand-in happened.
    assert.match(peek.stdout, /git commit[^\n]*&& gt done/);
  });
});

test('tmux (interactive TUI): sling --agent opencode works the bead to an MR and the session ends', async () => {
  await slingAndWork({ file: 'tui.txt', mode: 'tmux' });
});

test('GUPP + nudge: an idle opencode TUI with work on its hook acts when nudged', async () => {
  const s = await startStub([
    { text: 'Standing by.' },
    { text: 'Nudged: checking my hook.', tool: bash('gt hook --json > hook-seen.json', 'read my hook') },
    { text: 'Hook read.' },
  ]);
  const env = { ...f.env, ...opencodeEnv(s.url, f.root) };
  const bead = await createRigBead(f.town, 'nudge me', 'Work that waits for a nudge.');
  const slung = await f.gtAsync(['sling', bead, 'demo', '--agent', 'opencode', '--json'], env);
  assert.equal(slung.code, 0, slung.stderr);
  const h = JSON.parse(slung.stdout).hooked[0] as { agent: string; workdir: string };
  // opencode's cold start (Bun, its plugins, the TUI) took over 30 s on a loaded 2-core machine,
  // and once (load ~8, title request sent) over 120 s before its first main request.
  await s.waitFor((r) => r.step === 0, 240_000)
    .catch((e: Error) => { throw new Error(`${e.message}; requests: ${JSON.stringify(s.requests.map((r) => [r.kind, r.path]))}; screen:\n${f.gt(['peek', h.agent, '-n', '60']).stdout}`); });
  let screen = '';
  const peek = await until('the idle prompt', () => {
    const r = f.gt(['peek', h.agent, '-n', '60']);
    screen = r.stdout + r.stderr;
    return r.stdout.includes('Standing by.') && /ctrl\+p commands/.test(r.stdout) && !/esc interrupt/.test(r.stdout) && r;
  }).catch((e: Error) => { throw new Error(`${e.message}; screen:\n${screen}`); });
  assert.equal(peek.code, 0);
  assert.equal(existsSync(join(h.workdir, 'hook-seen.json')), false, 'nothing happens without a nudge');

  const n = await f.gtAsync(['nudge', h.agent, 'GUPP: work the bead on your hook', '--json'], env);
  assert.equal(n.code, 0, n.stderr);
  assert.equal(JSON.parse(n.stdout).idle, true);
  const req = await s.waitFor((r) => r.step === 1, 60_000)
    .catch((e: Error) => { throw new Error(`${e.message}; screen:\n${f.gt(['peek', h.agent, '-n', '60']).stdout}`); });
  assert.ok(JSON.stringify(req.body?.messages).includes('GUPP: work the bead on your hook'));
  const seen = await until('hook-seen.json in the worktree', () => existsSync(join(h.workdir, 'hook-seen.json')) && readFileSync(join(h.workdir, 'hook-seen.json'), 'utf8'));
  assert.equal(JSON.parse(seen).bead.id, bead);

  const killed = f.gt(['session', 'kill', h.agent]);
  assert.equal(killed.code, 0, killed.stderr);
  assert.ok(sessionGone(f, h.agent)());
});
