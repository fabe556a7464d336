// `gt demo`: a fresh town in a temp dir with a small sample project that has real tests, a convoy
// of eight beads (two that conflict with each other, one that breaks a test, one that waits for
// another to land) slung to a rig whose capacity is three polecats, run by the built-in shell agent
// (or real Claude Code with --agent claude): staged and queued work slung as it frees up, the
// refinery merging, bouncing and re-merging, and live progress until the convoy lands.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { UserError } from '../lib/errors.js';
import { git } from '../lib/git.js';
import { which } from '../lib/proc.js';
import { binDir } from '../lib/paths.js';
import { readToml, writeToml } from '../town/config.js';
import { installTown, setUpRig } from '../town/install.js';
import { loadTown, TOWN_FILE, type Town } from '../town/town.js';
import type { Rig } from '../town/rig.js';
import { convoyStatus, type ConvoyStatus } from '../work/convoy.js';
import { listMergeRequests, type MergeRequest } from '../work/merge-request.js';
import { sling } from '../work/sling.js';
import { listAgents, type Agent } from '../town/identity.js';
import { agentLiveness, lastWords, providerFor, stopAllSessions, waitsForPerson } from '../runtime/launch.js';
import { DEMO_BEADS, DEMO_MAX_POLECATS, SAMPLE_FILES, SAMPLE_TEST_CMD } from './demo-project.js';
import { capacityView } from '../work/capacity.js';
import { patrolOnce } from './patrol.js';

export interface DemoOptions {
  dir?: string;
  agent?: string;
  mode?: 'tmux' | 'headless';
  batch?: number;
  timeoutSec?: number;
  log?: (line: string) => void;
  /** Failures along the way (a session that did not start); default stderr. */
  warn?: (line: string) => void;
}

export interface DemoSummary {
  root: string;
  town: string;
  convoy: string;
  landed: boolean;
  seconds: number;
  merged: { mr: string; bead: string; title: string; commit?: string }[];
  bounced: { mr: string; bead: string; title: string; reason: string }[];
  mainLog: string[];
  status: ConvoyStatus;
  /** When it did not land: each unfinished polecat and the last thing its agent printed. */
  stuck?: { agent: string; alive: boolean; lastWords: string }[];
}

async function makeSampleProject(dir: string): Promise<void> {
  for (const [name, content] of Object.entries(SAMPLE_FILES)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  await git(dir, ['init', '-q', '-b', 'main']);
  await git(dir, ['add', '-A']);
  await git(dir, ['-c', 'user.name=Gas Town Demo', '-c', 'user.email=demo@gastown.local', 'commit', '-qm', 'calc: initial version with add and tests']);
}

function describeMr(mr: MergeRequest, titles: Map<string, string>): string {
  const last = mr.attempts[mr.attempts.length - 1];
  const title = titles.get(mr.source_bead) ?? mr.source_bead;
  switch (mr.state) {
    case 'queued': return `→ queued    ${mr.id} "${title}" from ${mr.polecat ?? mr.branch}`;
    case 'testing': return `… testing   ${mr.id} "${title}"`;
    case 'merged': return `✓ merged    ${mr.id} "${title}" as ${mr.merge_commit?.slice(0, 8) ?? '?'}`;
    case 'bounced': return `✗ bounced   ${mr.id} "${title}": ${last?.outcome === 'conflict' ? `conflict in ${last.conflict_files?.join(', ')}` : last?.outcome === 'red' ? 'tests failed' : last?.detail ?? 'error'}`;
  }
}

/** What the demo knows of one polecat when it asks whether the convoy can still land. */
export interface PolecatEvidence {
  address: string;
  alive: boolean;
  /** Its launch failed, or its agent exited non-zero (a clean exit, or a session gone, is not a failure). */
  failed: boolean;
  lastWords: string;
}

/**
 * Why the demo cannot land, or undefined while it can: no polecat has handed in any work and
 * every one of them is dead from a failure (the agent could not start, or quit at once: claude
 * refusing to run as root) or waits at a login screen (no credentials). Waiting longer would only restart it into the
 * same wall. Pure.
 */
export function cannotLand(polecats: PolecatEvidence[], mergeRequests: number): string | undefined {
  if (mergeRequests > 0 || !polecats.length || polecats.some((p) => p.alive || !p.failed)) return undefined;
  const words = [...new Set(polecats.map((p) => p.lastWords).filter(Boolean))];
  return `every polecat's agent failed before handing in any work${words.length ? `; the agent said: ${words.slice(0, 2).join(' / ')}` : ''}`;
}

async function polecatEvidence(town: Town, agent: Agent): Promise<PolecatEvidence> {
  const alive = (await agentLiveness(town, agent.address)).alive;
  // Alive at a login screen is as hopeless as dead: it will not work until a person logs it in.
  const stuck = alive ? waitsForPerson(town, agent) : undefined;
  if (stuck) return { address: agent.address, alive: false, failed: true, lastWords: stuck };
  const s = agent.sessions.at(-1);
  const info = s && providerFor(town, s.mode).get(s.session_name);
  const failed = !alive && (!s || (info !== undefined && info.exitStatus !== undefined && info.exitStatus !== 0));
  return { address: agent.address, alive, failed, lastWords: alive ? '' : lastWords(town, agent) };
}

export async function runDemo(opts: DemoOptions = {}): Promise<DemoSummary> {
  const log = opts.log ?? ((l: string) => process.stdout.write(l + '\n'));
  const started = Date.now();
  const agent = opts.agent ?? 'shell';
  if (agent === 'claude' && !which('claude')) throw new UserError('gt demo --agent claude needs the `claude` CLI on PATH', 'install it with npm i -g @anthropic-ai/claude-code and log in, or run gt demo without --agent');
  const mode = opts.mode ?? (which('tmux') ? 'tmux' : 'headless');
  const root = opts.dir ?? mkdtempSync(join(tmpdir(), 'gt-demo-'));
  mkdirSync(root, { recursive: true });
  const townDir = join(root, 'town');
  const project = join(root, 'calc');
  // Agents' gt/bd calls find this town through their session env; ours through GT_TOWN.
  process.env.GT_TOWN = townDir;

  log(`Gas Town demo in ${root}`);
  await makeSampleProject(project);
  const { town: fresh } = await installTown(townDir, 'demo');
  writeToml(join(townDir, TOWN_FILE), { ...fresh.config, runtime: { mode }, agents: { default: agent, roles: { polecat: agent } } });
  await fresh.stores.closeAll();
  const town: Town = loadTown(townDir);
  // Whatever happens, the demo's sessions and its tmux server end with it.
  try {
    return await landConvoy(town, { root, project, agent, mode, started }, opts, log);
  } finally {
    await stopAllSessions(town);
  }
}

interface DemoRun { root: string; project: string; agent: string; mode: string; started: number }

async function landConvoy(fresh: Town, { root, project, agent, mode, started }: DemoRun, opts: DemoOptions, log: (l: string) => void): Promise<DemoSummary> {
  const townDir = fresh.root;
  const { rig: added } = await setUpRig(fresh, 'calc', project, { testCmd: SAMPLE_TEST_CMD, prefix: 'calc' });
  const rigToml = join(added.root, 'rig.toml');
  writeToml(rigToml, { ...readToml<object>(rigToml), max_polecats: DEMO_MAX_POLECATS });
  // Rigs are read once per town handle: a new one sees the new capacity (and holds the stores from here on).
  await fresh.stores.closeAll();
  const town = loadTown(townDir);
  try {
    return await watchConvoy(town, added, { root, project, agent, mode, started }, opts, log);
  } finally {
    await town.stores.closeAll();
  }
}

async function watchConvoy(town: Town, added: Rig, { root, project, agent, mode, started }: DemoRun, opts: DemoOptions, log: (l: string) => void): Promise<DemoSummary> {
  const townDir = town.root;
  log(`Town at ${townDir}; rig 'calc' from ${project} (tests: ${SAMPLE_TEST_CMD}; at most ${DEMO_MAX_POLECATS} polecats at once); agents: ${agent} in ${mode} sessions`);

  const store = await town.stores.rig(added);
  const ids: string[] = [];
  for (const b of DEMO_BEADS) {
    const deps = b.blockedBy === undefined ? [] : [{ type: 'blocks', id: ids[b.blockedBy]! }];
    ids.push((await store.create({ title: b.title, description: b.description, priority: b.priority, issue_type: 'task', deps }, 'mayor')).id);
  }
  const titles = new Map(DEMO_BEADS.map((b, i) => [ids[i]!, b.title]));
  log(`Filed ${ids.length} beads ("${DEMO_BEADS.find((b) => b.blockedBy !== undefined)!.title}" waits for "${DEMO_BEADS[DEMO_BEADS.find((b) => b.blockedBy !== undefined)!.blockedBy!]!.title}"); slinging them to rig calc...`);
  const slung = await sling(town, ids, 'calc', { actor: 'mayor' });
  const warn = opts.warn ?? ((l: string) => process.stderr.write(l + '\n'));
  for (const h of slung.hooked) {
    log(`⚙ hooked    ${h.bead} "${titles.get(h.bead)}" -> ${h.agent}`);
    if (h.session === 'failed') warn(`session for ${h.agent} failed: ${h.error}`);
  }
  for (const x of slung.staged) log(`⏸ staged    ${x.bead} "${titles.get(x.bead)}": ${x.reason}`);
  const convoy = slung.convoy!;
  log(`Convoy ${convoy} tracks them. Polecats are working; the refinery merges as MRs arrive; the deacon's patrol slings staged work as it frees up.\n`);

  const seen = new Map<string, string>();
  let lastProgress = '';
  const deadline = started + (opts.timeoutSec ?? 110) * 1000;
  let status = await convoyStatus(town, convoy);
  const stopIfHopeless = async () => {
    const evidence: PolecatEvidence[] = [];
    for (const a of await listAgents(town, { rig: 'calc', role: 'polecat' })) evidence.push(await polecatEvidence(town, a));
    const why = cannotLand(evidence, (await listMergeRequests(store)).length);
    if (why) throw new UserError(`gt demo cannot land its convoy: ${why}`, agent === 'shell' ? 'run gt demo again' : `check that \`${agent}\` runs and is logged in on this machine as this user, or run gt demo without --agent`);
  };
  while (!status.landed && Date.now() < deadline) {
    await stopIfHopeless();
    const patrol = await patrolOnce(town, { batch: opts.batch });
    for (const x of patrol.fed.slung) log(`⚙ slung     ${x.bead} "${titles.get(x.bead) ?? x.bead}" -> ${x.agent} (it was staged; a slot freed${DEMO_BEADS.some((b, i) => ids[i] === x.bead && b.blockedBy !== undefined) ? ' and its blocker landed' : ''})`);
    for (const b of await store.list({ type: 'bug' })) if (!titles.has(b.id)) titles.set(b.id, b.title);
    // In the order things happened: by each MR's latest attempt, else its filing.
    const when = (m: MergeRequest) => m.attempts.at(-1)?.at ?? m.created_at;
    for (const mr of (await listMergeRequests(store)).sort((a, b) => when(a).localeCompare(when(b)))) {
      const line = describeMr(mr, titles);
      if (seen.get(mr.id) !== mr.state) {
        seen.set(mr.id, mr.state);
        if (mr.state !== 'testing') log(line);
      }
    }
    status = await convoyStatus(town, convoy);
    const slots = (await capacityView(town)).rigs.calc!;
    const progress = `  convoy ${status.closed}/${status.total} landed; polecats ${slots.running}/${slots.limit}${status.staged.length ? `; ${status.staged.length} staged` : ''}`;
    if (progress !== lastProgress) {
      log(progress);
      lastProgress = progress;
    }
    if (!status.landed) await new Promise((r) => setTimeout(r, 300));
  }

  const mrs = await listMergeRequests(store);
  const mainLog = (await git(added.repoDir, ['log', '--oneline', added.mainBranch])).split('\n');
  const summary: DemoSummary = {
    root,
    town: townDir,
    convoy,
    landed: status.landed,
    seconds: Math.round((Date.now() - started) / 100) / 10,
    merged: mrs.filter((m) => m.state === 'merged').map((m) => ({ mr: m.id, bead: m.source_bead, title: titles.get(m.source_bead) ?? m.source_bead, commit: m.merge_commit })),
    bounced: mrs.filter((m) => m.state === 'bounced').map((m) => ({ mr: m.id, bead: m.source_bead, title: titles.get(m.source_bead) ?? m.source_bead, reason: m.attempts.at(-1)?.outcome ?? '?' })),
    mainLog,
    status,
  };
  if (!status.landed) {
    summary.stuck = [];
    for (const a of await listAgents(town, { rig: 'calc', role: 'polecat' })) summary.stuck.push({ agent: a.address, alive: (await agentLiveness(town, a.address)).alive, lastWords: lastWords(town, a) });
  }
  return summary;
}

export function renderSummary(s: DemoSummary): string {
  const gt = which('gt') ? 'gt' : join(binDir(), 'gt');
  const lines = [
    '',
    s.landed ? `Convoy ${s.convoy} LANDED in ${s.seconds}s: ${s.status.closed}/${s.status.total} beads closed.` : `Convoy ${s.convoy} did NOT land in ${s.seconds}s (${s.status.closed}/${s.status.total} closed).`,
    ...(s.stuck?.length ? ['  unfinished polecats, and the last thing each agent printed:', ...s.stuck.map((p) => `    ${p.agent} (${p.alive ? 'running' : 'dead'}): ${p.lastWords || '(nothing)'}`)] : []),
    `  merged:  ${s.merged.length} MRs`,
    `  bounced: ${s.bounced.length} (${s.bounced.map((b) => `"${b.title}": ${b.reason}`).join('; ') || 'none'})${s.bounced.length && s.landed ? ' — each came back as a fix bead, was redone and merged' : ''}`,
    '',
    `main now (${s.mainLog.length} commits):`,
    ...s.mainLog.slice(0, 14).map((l) => `  ${l}`),
    '',
    'Where to look:',
    `  export GT_TOWN=${s.town}`,
    `  ${gt} convoy status ${s.convoy}   # the convoy's tree`,
    `  ${gt} mq list --all             # every merge request with its attempts`,
    `  ${gt} status                    # the town at a glance`,
    `  ${gt} mail inbox mayor          # the landing notice`,
    `  ${gt} dashboard --open          # the control room in a browser (it prints the URL with its token)`,
  ];
  return lines.join('\n');
}
