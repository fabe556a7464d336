// End to end with the real `claude` binary driven by the stub model, in a real town:
// 1. sling -> a real tmux session runs claude, which runs `gt hook --json`, writes a file, commits,
//    and runs `gt done`: the commit is on the polecat's branch, the MR bead exists, the session
//    ends, usage is recorded; then seance resumes that session and the stub sees the old conversation.
// 2. GUPP + nudge: a claude session idles at its prompt with work on its hook; `gt nudge` makes it act.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTown, type TownFixture, createRigBead, lastSessionOf, mrForBead, withStore, sweepTown } from './support/town-fixture.js';
import { startStubModel, type StubModel } from './support/stub-model.js';
import { claudeEnv } from './support/claude.js';
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

test('sling to claude: hook, write, commit, gt done -> branch commit, MR bead, session ended, usage; then seance', async () => {
  stub = await startStubModel([
    { text: 'Reading my hook.', tool: { name: 'Bash', input: { command: 'gt hook --json', description: 'read hook' } } },
    { text: 'Writing the feature.', tool: { name: 'Write', input: (ctx) => ({ file_path: join(ctx.cwd, 'feature.txt'), content: 'made by claude\n' }) } },
    { text: 'Committing and handing in.', tool: { name: 'Bash', input: { command: 'git add feature.txt && git commit -q -m "add feature.txt" && gt done', description: 'commit and done' } } },
    { text: 'Work handed in.' },
    // The seance question arrives in a resumed conversation that still holds the turns above.
    { text: (ctx) => (ctx.history.some((h) => h.includes('made by claude')) ? 'SEANCE: I wrote feature.txt saying "made by claude".' : 'SEANCE: I remember nothing.') },
  ]);
  const env = { ...f.env, ...claudeEnv(stub.url) };
  const bead = await createRigBead(f.town, 'add feature.txt', 'Create feature.txt containing "made by claude", commit, gt done.');
  const slung = await f.gtAsync(['sling', bead, 'demo', '--json'], env);
  assert.equal(slung.code, 0, slung.stderr);
  const h = JSON.parse(slung.stdout).hooked[0] as { agent: string; branch: string; workdir: string };

  // A real tmux session on the town's server ran the real claude (recorded on the identity: the
  // session may already have finished, gt done ends it).
  assert.deepEqual(await lastSessionOf(f.town, h.agent), ['claude', 'tmux']);

  // The hook was read through gt by the agent itself (its tool result reached the model).
  await stub.waitFor((r) => r.step === 1 && JSON.stringify(r.body?.messages).includes(bead), 45_000);
  // The MR bead appears once gt done ran inside the session.
  const mr = await until('the MR bead', () => mrForBead(f.town, bead), 45_000);
  assert.equal(mr.fields.branch, h.branch);
  const repo = join(f.town, 'demo', '.repo.git');
  assert.equal(f.git(repo, ['show', `${h.branch}:feature.txt`]), 'made by claude');
  assert.equal(f.git(repo, ['log', '-1', '--format=%s', h.branch]), 'add feature.txt');

  // The session ends by itself after gt done.
  await until('the session to end', () => {
    const r = f.gt(['session', 'list', '--json']);
    return r.code === 0 && !(JSON.parse(r.stdout) as Array<{ agent: string }>).some((x) => x.agent === h.agent);
  }, 20_000);

  // Usage and cost from the session's transcript, per session and per identity.
  const costs = f.gtJson<{ sessions: Array<{ agent: string; bead?: string; usage: { inputTokens: number; costUsd: number } }>; byAgent: Record<string, unknown> }>(['costs', '--agent', h.agent]);
  const sc = costs.sessions.find((s) => s.agent === h.agent);
  assert.ok(sc && sc.usage.inputTokens > 0 && sc.usage.costUsd > 0, 'usage recorded');
  assert.equal(sc.bead, bead);
  assert.ok(costs.byAgent[h.agent]);

  // Seance: the predecessor session is listed and answers from its own conversation.
  const preds = f.gtJson<Array<{ session_id: string; ended_at?: string }>>(['seance', h.agent]);
  assert.equal(preds.length, 1);
  assert.ok(preds[0]!.ended_at);
  const asked = await f.gtAsync(['seance', h.agent, '--ask', 'What did you write?', '--json'], env);
  assert.equal(asked.code, 0, asked.stderr);
  assert.match(JSON.parse(asked.stdout).answer, /SEANCE: I wrote feature.txt/);
  const resumed = stub.mainRequests().at(-1)!;
  assert.ok(JSON.stringify(resumed.body?.messages).includes('What did you write?'));
});

test('GUPP + nudge: an idle claude with work on its hook acts when nudged', async () => {
  await stub?.close();
  stub = await startStubModel([
    { text: 'Standing by.' },
    { text: 'Nudged: checking my hook.', tool: { name: 'Bash', input: { command: 'gt hook --json > hook-seen.json', description: 'read hook' } } },
    { text: 'Hook read.' },
  ]);
  const env = { ...f.env, ...claudeEnv(stub.url) };
  const bead = await createRigBead(f.town, 'nudge me', 'Work that waits for a nudge.');
  const slung = await f.gtAsync(['sling', bead, 'demo', '--json'], env);
  assert.equal(slung.code, 0, slung.stderr);
  const h = JSON.parse(slung.stdout).hooked[0] as { agent: string; workdir: string };
  await stub.waitFor((r) => r.step === 0, 30_000);
  const peek = await until('the idle prompt', () => { const r = f.gt(['peek', h.agent]); return r.stdout.includes('Standing by.') && r; });
  assert.equal(peek.code, 0);
  assert.equal(existsSync(join(h.workdir, 'hook-seen.json')), false, 'nothing happens without a nudge');

  const n = await f.gtAsync(['nudge', h.agent, 'GUPP: work the bead on your hook', '--json'], env);
  assert.equal(n.code, 0, n.stderr);
  assert.equal(JSON.parse(n.stdout).idle, true);
  const req = await stub.waitFor((r) => r.step === 1, 30_000);
  assert.ok(JSON.stringify(req.body?.messages).includes('GUPP: work the bead on your hook'));
  const seen = await until('hook-seen.json in the worktree', () => existsSync(join(h.workdir, 'hook-seen.json')) && readFileSync(join(h.workdir, 'hook-seen.json'), 'utf8'));
  assert.equal(JSON.parse(seen).bead.id, bead);

  const killed = f.gt(['session', 'kill', h.agent]);
  assert.equal(killed.code, 0, killed.stderr);
  assert.equal(f.gtJson<unknown[]>(['session', 'list']).length, 0);
});

test('headless mode: claude -p works the hooked bead to an MR as a detached process with a log', async () => {
  await stub?.close();
  stub = await startStubModel([
    { text: 'Reading my hook.', tool: { name: 'Bash', input: { command: 'gt hook --json', description: 'read hook' } } },
    { text: 'Working.', tool: { name: 'Bash', input: { command: 'echo headless > headless.txt && git add headless.txt && git commit -q -m "headless work" && gt done', description: 'work and hand in' } } },
    { text: 'Handed in.' },
  ]);
  const env = { ...f.env, ...claudeEnv(stub.url) };
  const bead = await createRigBead(f.town, 'headless work', 'Write headless.txt, commit, gt done.');
  const rigToml = join(f.town, 'demo', 'rig.toml');
  const { appendFileSync } = await import('node:fs');
  appendFileSync(rigToml, '\n[runtime]\nmode = "headless"\n');
  try {
    const slung = await f.gtAsync(['sling', bead, 'demo', '--json'], env);
    assert.equal(slung.code, 0, slung.stderr);
    const h = JSON.parse(slung.stdout).hooked[0] as { agent: string; branch: string };
    assert.deepEqual(await lastSessionOf(f.town, h.agent), ['claude', 'headless']);
    await until('the MR bead', () => withStore(join(f.town, 'demo', '.beads'), async (s) => (await s.list({ type: 'merge-request' })).find((m) => m.fields.source_bead === bead)), 45_000);
    assert.equal(f.git(join(f.town, 'demo', '.repo.git'), ['show', `${h.branch}:headless.txt`]), 'headless');
    const log = f.gt(['peek', h.agent]);
    assert.equal(log.code, 0, log.stderr);
    assert.match(log.stdout, /headless|Handed in|result/, 'the session log is readable');
  } finally {
    const { readFileSync, writeFileSync } = await import('node:fs');
    writeFileSync(rigToml, readFileSync(rigToml, 'utf8').replace('\n[runtime]\nmode = "headless"\n', ''));
  }
});
