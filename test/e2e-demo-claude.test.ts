// `gt demo --agent claude`: the whole loop with real Claude Code sessions (one per polecat, in
// real tmux, concurrently) driven by the stub model. The stub plays a model that reads its hook,
// does what the bead says (the bead's `sh` block; for a bounced fix bead, the original's `sh fix`
// block), commits and runs `gt done` — every action through the real claude's Bash tool.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startStubModel, type StubModel, type TurnContext } from './support/stub-model.js';
import { sweepTown } from './support/town-fixture.js';
import { claudeEnv } from './support/claude.js';
import { gtBin, runAsync, testEnv, tempDir } from './support/cli.js';
import { extractShellBlock } from '../src/runtime/shell-agent.js';

let stub: StubModel | undefined;
const tmp = tempDir('gt-demo-claude-');
after(async () => {
  sweepTown(join(tmp.dir, 'town'));
  await stub?.close();
  tmp.cleanup();
});

/** The JSON a tool printed (the last tool result), or undefined. */
function toolJson(ctx: TurnContext): any {
  const t = ctx.lastUserText;
  const start = t.search(/[[{]/);
  if (start < 0) return undefined;
  try {
    return JSON.parse(t.slice(start, Math.max(t.lastIndexOf('}'), t.lastIndexOf(']')) + 1));
  } catch {
    return undefined;
  }
}

const runAndHandIn = (script: string, title: string) =>
  `bash -e <<'GT_SCRIPT'\n${script}GT_SCRIPT\ngit add -A && git commit -q -m ${JSON.stringify(title)} && gt done`;

test('gt demo --agent claude lands the convoy with real Claude Code sessions', { timeout: 240_000 }, async () => {
  stub = await startStubModel([
    { text: 'Reading my hook.', tool: { name: 'Bash', input: { command: 'gt hook --json', description: 'read my hook' } } },
    {
      branches: [{ when: /"bounce_of"/, turn: { text: 'This is bounced work; reading the original bead.', tool: { name: 'Bash', input: (ctx) => ({ command: `bd show ${toolJson(ctx).bead.fields.bounce_of} --json`, description: 'read the original' }) } } }],
      otherwise: {
        text: 'Doing the work the bead describes.',
        tool: { name: 'Bash', input: (ctx) => { const b = toolJson(ctx).bead; return { command: runAndHandIn(extractShellBlock(b.description) ?? 'true\n', b.title), description: 'work, commit, gt done' }; } },
      },
    },
    {
      branches: [{
        when: /"description"/,
        turn: {
          text: 'Redoing it on top of main, corrected.',
          tool: { name: 'Bash', input: (ctx) => { const o = toolJson(ctx)[0]; return { command: runAndHandIn(extractShellBlock(o.description, 'fix') ?? extractShellBlock(o.description) ?? 'true\n', `Redo: ${o.title}`), description: 'redo, commit, gt done' }; } },
        },
      }],
      otherwise: { text: 'Handed in.' },
    },
    { text: 'Handed in.' },
  ]);
  const env = { ...testEnv({ HOME: tmp.dir }), ...claudeEnv(stub.url) };
  delete env.GT_TOWN;
  const r = await runAsync(gtBin, ['demo', '--agent', 'claude', '--dir', tmp.dir, '--json', '--timeout', '200'], { cwd: tmp.dir, env });
  assert.equal(r.code, 0, r.stderr.slice(-3000));
  const s = JSON.parse(r.stdout);
  assert.equal(s.landed, true);
  assert.deepEqual(s.bounced.map((b: { reason: string }) => b.reason).sort(), ['conflict', 'red']);
  assert.equal(s.merged.length, 8);
  // Every polecat was a real claude session that talked to the stub: one opening turn each.
  const openings = stub.mainRequests().filter((q) => q.step === 0).length;
  assert.ok(openings >= 10, `10 claude sessions (8 beads + 2 fixes), saw ${openings}`);
  // Each of the 10 hand-ins was asked of claude by the stub, and each happened: 10 MRs exist, and
  // in a claude-only town nothing but claude's Bash tool runs `gt done`. (Whether claude reports
  // the tool's output back to the model is a race: the session is stopped a second after gt done.)
  const askedToHandIn = stub.mainRequests().filter((q) => /gt done/.test(q.reply ?? '')).length;
  assert.ok(askedToHandIn >= 10, `the model asked each session to run gt done, saw ${askedToHandIn}`);
  assert.equal(new Set([...s.merged, ...s.bounced].map((m: { mr: string }) => m.mr)).size, 10, 'one MR per hand-in');
});
