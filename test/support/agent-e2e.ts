// The end of every agent CLI's end-to-end flow, checked the same way whatever the agent: the work
// it committed is on the polecat's branch, `gt done` filed the MR bead, and the session ended.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { until } from './claude.js';
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
