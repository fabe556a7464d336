// `gt done`: a polecat hands its finished branch to the refinery. Verifies the worktree is
// committed, files one MR bead (idempotent), releases the hook and marks the polecat done. Each
// step is checked against persisted state, so a crashed `gt done` can simply run again.
import { UserError } from '../lib/errors.js';
import { gitErrorLine, gitTry } from '../lib/git.js';
import { fitTitle } from '../beads/model.js';
import { mustGetAgent, updateAgentFields } from '../town/identity.js';
import { loadRig } from '../town/rig.js';
import type { Town } from '../town/town.js';
import { isShared, machineName } from '../town/machine.js';
import { fileMergeRequest, listMergeRequests, type MergeRequest } from './merge-request.js';

export interface DoneResult {
  agent: string;
  bead: string;
  mr: MergeRequest;
  created: boolean;
}

async function gitOut(cwd: string, args: string[]): Promise<string> {
  const r = await gitTry(cwd, args);
  if (r.code !== 0) throw new UserError(`git ${args[0]} failed in ${cwd}: ${gitErrorLine(r.stderr)}`);
  return r.stdout.trim();
}

export async function done(town: Town, address: string, actor: string): Promise<DoneResult> {
  const agent = await mustGetAgent(town, address);
  if (agent.role !== 'polecat' || !agent.rig || !agent.branch) {
    throw new UserError(`gt done is for polecats; ${agent.address} is a ${agent.role}`);
  }
  // Its machine was taken for dead and the bead adopted, the name reused by the adopter: this
  // session is a leftover and must not hand in over the adopter's work (work/adopt.ts).
  if (isShared(town) && agent.machine && agent.machine !== machineName(town)) throw new UserError(`${agent.address} runs on machine ${agent.machine ?? '?'}, not this one (${machineName(town)}): its work was adopted there`, 'this session is a leftover; stop it');
  const rig = loadRig(town, agent.rig);
  const store = await town.stores.rig(rig);
  if (!agent.hook) {
    // Already done (a re-run after a crash or a second call): report the MR we filed.
    const mr = (await listMergeRequests(store)).filter((m) => m.branch === agent.branch).pop();
    if (mr) return { agent: agent.address, bead: mr.source_bead, mr, created: false };
    throw new UserError(`${agent.address} has nothing on its hook`, "nothing to hand in; see 'gt hook'");
  }
  const dirty = await gitOut(agent.workdir, ['status', '--porcelain']);
  if (dirty) {
    const files = dirty.split('\n').map((l) => l.slice(3)).slice(0, 5).join(', ');
    throw new UserError(`worktree has uncommitted changes (${files}${dirty.split('\n').length > 5 ? ', ...' : ''})`, 'commit or discard them, then run gt done again');
  }
  const head = await gitOut(agent.workdir, ['symbolic-ref', '--quiet', '--short', 'HEAD']).catch(() => '');
  if (head !== agent.branch) throw new UserError(`worktree is on '${head || 'a detached HEAD'}', not on ${agent.branch}`, `git checkout ${agent.branch}`);
  const ahead = Number(await gitOut(agent.workdir, ['rev-list', '--count', `${rig.mainBranch}..HEAD`]));
  if (!ahead) throw new UserError(`no commits on ${agent.branch} beyond ${rig.mainBranch}`, 'commit your work, then run gt done');

  // The hooked bead may live in another database than the MR (an HQ bead slung to this rig).
  const beadStore = await town.stores.forBead(agent.hook);
  const bead = await beadStore.mustGet(agent.hook);
  // The worktree shares the rig repo's refs, so the branch is already there for this machine's
  // refinery. In a town shared across machines the refinery may run on another one: the branch goes
  // to the rig's remote, where whichever machine holds the refinery lease fetches it.
  if (isShared(town) && rig.remote) {
    const pushed = await gitTry(rig.repoDir, ['push', '--quiet', '--force', '--no-verify', '--', rig.remote, `refs/heads/${agent.branch}:refs/heads/${agent.branch}`]);
    if (pushed.code !== 0) throw new UserError(`cannot push ${agent.branch} to the rig's remote (${rig.remote}): ${gitErrorLine(pushed.stderr)}`, 'the refinery may run on another machine and needs the branch there; fix the remote, then run gt done again');
  }
  const { mr, created } = await fileMergeRequest(
    store,
    { rig: rig.name, branch: agent.branch, target: rig.mainBranch, source_bead: bead.id, polecat: agent.address, priority: bead.priority, title: fitTitle(`Merge: ${bead.title}`) },
    actor,
  );
  await beadStore.transaction(async (tx) => {
    const b = await tx.mustGet(bead.id);
    if (b.status === 'hooked') await tx.update(bead.id, { status: 'in_progress' }, actor);
  });
  await updateAgentFields(town, agent.address, { hook_bead: null, agent_state: 'done', state_reason: `filed ${mr.id}` }, actor);
  return { agent: agent.address, bead: bead.id, mr, created };
}
