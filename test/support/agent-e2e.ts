// The end of every agent CLI's end-to-end flow, checked the same way whatever the agent: the work
// it committed is on the polecat's branch, `gt done` filed the MR bead, and the session ended.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { until } from './wait.js';
import { mrForBead, sessionGone, type TownFixture } from './town-fixture.js';

export async function assertHandedIn(f: TownFixture, o: { bead: string; agent: string; branch: string; file: string; content: string }): Promise<void> {
  const mr = await until('the MR bead', () => mrForBead(f.town, o.bead), 45_000);
  assert.equal(mr.fields.branch, o.branch);
  const repo = join(f.town, 'demo', '.repo.git');
  assert.equal(f.git(repo, ['show', `${o.branch}:${o.file}`]), o.content);
  assert.equal(f.git(repo, ['log', '-1', '--format=%s', o.branch]), `add ${o.file}`);
  // gt done ends the session.
  await until('the session to end', sessionGone(f, o.agent), 20_000);
}

/**
 * `gt costs` shows the agent's session with exactly the tokens the stub model reported for its
 * agent-loop requests: the first `atLeast` of them (their tool calls ran, so the CLI recorded their
 * answers) and maybe later ones (`gt done` may stop the CLI before it records the last answer).
 */
export async function assertCostsRecorded(f: TownFixture, agent: string, main: Array<{ tokens?: { input: number; output: number } }>, atLeast = 3): Promise<void> {
  type U = { inputTokens: number; outputTokens: number; cacheReadTokens: number; costUsd: number; models: string[] };
  const prefixes: string[] = [];
  let input = 0;
  let output = 0;
  main.forEach((r, i) => {
    input += r.tokens?.input ?? 0;
    output += r.tokens?.output ?? 0;
    if (i + 1 >= atLeast) prefixes.push(`${input}/${output}`);
  });
  let seen = '(nothing)';
  const u = await until(`gt costs to show ${agent} with ${prefixes.join(' or ')} tokens in/out`, () => {
    const got = f.gtJson<{ byAgent: Record<string, U> }>(['costs', '--agent', agent, '--json']).byAgent[agent];
    seen = got ? `${got.inputTokens + got.cacheReadTokens}/${got.outputTokens}` : '(nothing)';
    return got && prefixes.includes(seen) && got;
  }, 20_000).catch((e: Error) => { throw new Error(`${e.message}; last seen ${seen}`); });
  assert.ok(u.costUsd > 0, `priced: ${JSON.stringify(u)}`);
  assert.ok(u.models.length > 0);
}
