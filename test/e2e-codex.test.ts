// End to end with the real `codex` binary driven by the stub OpenAI model, in a real town: sling a
// bead with --agent codex; codex runs `gt hook --json`, writes a file, commits and runs `gt done`,
// all through its own exec_command tool calls. The commit is on the polecat's branch, the MR bead
// exists, the hook JSON reached the model as a tool output, and the session ends.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTown, type TownFixture } from './support/town-fixture.js';
import { startStubOpenAi, inputText, type StubOpenAi } from './support/stub-openai.js';
import { codexBin, codexEnv } from './support/codex.js';
import { sweepTown, until } from './support/claude.js';
import { runAsync, gtBin } from './support/cli.js';
import { openStore } from '../src/beads/store.js';

let f: TownFixture;
let stub: StubOpenAi | undefined;
before(() => {
  f = makeTown();
});
after(async () => {
  sweepTown(f.town);
  await stub?.close();
  f.cleanup();
});

function createBead(title: string, description: string): string {
  const s = openStore(join(f.town, 'demo', '.beads'));
  try { return s.create({ title, description }, 'overseer').id; } finally { s.close(); }
}

const gtAsync = (args: string[], env: NodeJS.ProcessEnv) => runAsync(gtBin, args, { cwd: f.root, env });

/** [adapter, mode] of the identity's latest session record. */
function lastSession(address: string): [string, string] | undefined {
  const s = openStore(join(f.town, 'demo', '.beads'));
  try {
    const sessions = s.list({ type: 'agent' }).find((b) => b.fields.address === address)?.fields.sessions as { adapter: string; mode: string }[] | undefined;
    const last = sessions?.at(-1);
    return last && [last.adapter, last.mode];
  } finally { s.close(); }
}

function mrFor(bead: string) {
  const s = openStore(join(f.town, 'demo', '.beads'));
  try { return s.list({ type: 'merge-request', includeClosed: true }).find((m) => m.fields.source_bead === bead); } finally { s.close(); }
}

/** The tool outputs codex sent back to the model in a request. */
const toolOutputs = (body: { input: Array<{ type?: string }> } | undefined) =>
  (body?.input ?? []).filter((i) => i.type === 'function_call_output').map((i) => inputText(i));

test('the codex binary is installed (npm ci installs @openai/codex)', () => {
  assert.ok(existsSync(codexBin), `${codexBin} missing: run npm ci`);
});

test('headless: sling --agent codex -> codex exec runs gt hook, writes, commits, gt done -> branch commit, MR bead, session ended', async () => {
  stub = await startStubOpenAi([
    { text: 'Reading my hook.', exec: 'gt hook --json' },
    { text: 'Writing the feature.', exec: 'printf "made by codex\\n" > feature.txt' },
    { text: 'Committing and handing in.', exec: 'git add -A && git commit -q -m "add feature.txt" && gt done' },
    { text: 'Work handed in.' },
  ]);
  const env = { ...f.env, ...codexEnv(stub.url, f.root) };
  const bead = createBead('add feature.txt', 'Create feature.txt containing "made by codex", commit, gt done.');
  const rigToml = join(f.town, 'demo', 'rig.toml');
  const before = readFileSync(rigToml, 'utf8');
  appendFileSync(rigToml, '\n[runtime]\nmode = "headless"\n');
  try {
    const slung = await gtAsync(['sling', bead, 'demo', '--agent', 'codex', '--json'], env);
    assert.equal(slung.code, 0, slung.stderr);
    const h = JSON.parse(slung.stdout).hooked[0] as { agent: string; branch: string; workdir: string; session: string };
    assert.equal(h.session, 'started');
    assert.deepEqual(lastSession(h.agent), ['codex', 'headless']);

    // The hook was read through gt by codex's own tool call, and its JSON came back to the model.
    const second = await stub.waitFor((r) => r.step === 1, 45_000);
    const hookOut = toolOutputs(second.body).join('\n');
    assert.match(hookOut, new RegExp(`"id":\\s*"${bead}"`));
    assert.match(hookOut, /Process exited with code 0/);

    const mr = await until('the MR bead', () => mrFor(bead), 45_000);
    assert.equal(mr.fields.branch, h.branch);
    const repo = join(f.town, 'demo', '.repo.git');
    assert.equal(f.git(repo, ['show', `${h.branch}:feature.txt`]), 'made by codex');
    assert.equal(f.git(repo, ['log', '-1', '--format=%s', h.branch]), 'add feature.txt');

    // The session ends (gt done stops it); its log is readable.
    await until('the session to end', () => {
      const r = f.gt(['session', 'list', '--json']);
      return r.code === 0 && !(JSON.parse(r.stdout) as Array<{ agent: string }>).some((x) => x.agent === h.agent);
    }, 20_000);
    const peek = f.gt(['peek', h.agent]);
    assert.equal(peek.code, 0, peek.stderr);
    assert.match(peek.stdout, /hook released[\s\S]*Work handed in/);

    // Every main request was a Responses API call offering codex's shell tool, in scenario order.
    const steps = stub.mainRequests().map((r) => r.step);
    assert.deepEqual(steps.slice(0, 3), [0, 1, 2]);
    assert.ok(stub.requests.every((r) => r.path === '/v1/responses'), stub.requests.map((r) => r.path).join(','));
  } finally {
    writeFileSync(rigToml, before);
  }
});
