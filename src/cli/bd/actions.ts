// bd command actions: parse values, call the store, print text or --json. No tracker logic here.
import type { Command } from 'commander';
import { existsSync, readFileSync, writeFileSync, appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { output, warn } from '../output.js';
import { UserError, UsageError } from '../../lib/errors.js';
import { gitSyncTry } from '../../lib/git.js';
import { which } from '../../lib/proc.js';
import { binDir, selfArgs } from '../../lib/paths.js';
import { resolveActor } from '../../beads/actor.js';
import type { ListFilter, Store } from '../../beads/api.js';
import { openStore } from '../../beads/open.js';
import { SqliteStore } from '../../beads/sqlite/store.js';
import { byStore } from './ctx.js';
import { findBeadsDir, openLocalStore, openStoreForId } from '../../beads/routes.js';
import { importJsonl, issueToRecord } from '../../beads/jsonl.js';
import { prefixOfJsonl } from '../../beads/ids.js';
import { DEFAULT_SYNC_BRANCH, withJsonlMirror } from '../../beads/branch-sync.js';
import { isStatus, parsePriority, statusShaped, type Issue, type Status } from '../../beads/model.js';
import { formatIssueLine } from './format.js';
import { writeOut } from '../stdout.js';

interface Ctx { program: Command; args: unknown[]; opts: Record<string, unknown> }

const g = (c: Ctx) => c.program.opts() as { db?: string; actor?: string; json?: boolean };
const actor = (c: Ctx) => resolveActor(g(c).actor);
const cwd = () => process.cwd();

function local(c: Ctx): Promise<Store> {
  return openLocalStore(cwd(), { db: g(c).db });
}
function forId(c: Ctx, id: string): Promise<Store> {
  return openStoreForId(cwd(), id, { db: g(c).db });
}
/** Runs fn on the store once it opens, then closes it (flushing the JSONL) whatever happened. */
async function using<T>(open: Promise<Store>, fn: (s: Store) => Promise<T>): Promise<T> {
  const store = await open;
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

const rec = (i: Issue) => issueToRecord(i);

function priority(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const p = parsePriority(String(v));
  if (p === undefined) throw new UserError(`invalid priority "${v}"`, 'priority is 0 (critical) to 4 (backlog), e.g. -p 1');
  return p;
}
function status(v: unknown): Status | undefined {
  if (v === undefined) return undefined;
  const s = String(v).replace('-', '_');
  // A custom status (bd config set status.custom ...) is checked by the store, which knows them.
  if ((!isStatus(s) && !statusShaped(s)) || s === 'tombstone') {
    throw new UserError(`invalid status "${v}"`, 'use open, in_progress, blocked, deferred, closed, pinned, hooked or a configured custom status');
  }
  return s;
}
function statuses(v: unknown): Status[] | undefined {
  return v === undefined ? undefined : (v as string[]).map((s) => status(s)!);
}
function count(v: unknown, name: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(String(v))) throw new UserError(`invalid ${name} "${v}"`, `${name} is a whole number`);
  return Number(v);
}

// ---- init ---------------------------------------------------------------------------------------

export async function init(c: Ctx): Promise<void> {
  const dir = g(c).db ? findBeadsDir(cwd(), g(c).db)! : join(cwd(), '.beads');
  const existed = existsSync(join(dir, 'beads.db'));
  const prefix = (c.opts.prefix as string | undefined) ?? (existed ? undefined : prefixOnSyncBranch(dirname(dir)));
  const info = await using(openStore({ kind: 'sqlite', beadsDir: dir, create: true, prefix }), async (s) => {
    if (prefix && s.prefix !== prefix) throw new UserError(`${dir} already uses prefix "${s.prefix}"`, 'a database keeps its prefix; use another directory');
    const m = withJsonlMirror(s, 'bd init');
    if (!existsSync(m.jsonlPath)) await m.exportAll();
    return { path: dir, prefix: s.prefix, created: !existed };
  });
  writeIfMissing(join(dir, '.gitignore'), '# SQLite database and its WAL files stay local; issues.jsonl is the tracked source of truth\nbeads.db\nbeads.db-*\n*.tmp-*\n');
  const repo = gitSyncTry(dirname(dir), ['rev-parse', '--show-toplevel']);
  let merge = false;
  if (repo.code === 0) {
    const top = repo.stdout.trim();
    const rel = join(dir, 'issues.jsonl').slice(resolve(top).length + 1);
    const attrs = join(top, '.gitattributes');
    const line = `${rel} merge=beads`;
    const current = existsSync(attrs) ? readFileSync(attrs, 'utf8') : '';
    if (!current.split('\n').includes(line)) appendFileSync(attrs, (current && !current.endsWith('\n') ? '\n' : '') + line + '\n');
    // The driver runs `bd` from PATH when it is there (so upgrades apply); else this very binary,
    // through its launcher when it has one (which runs Bun with its safety flags; Bun run bare
    // would read the project's bunfig.toml), else on this runtime.
    const launcher = join(binDir(), 'bd');
    const bd = which('bd') ? 'bd' : existsSync(launcher) ? `"${launcher}"` : [process.execPath, ...selfArgs('bd')].map((a) => `"${a}"`).join(' ');
    gitSyncTry(top, ['config', 'merge.beads.name', 'beads JSONL field-level merge']);
    gitSyncTry(top, ['config', 'merge.beads.driver', `${bd} merge %O %A %B`]);
    merge = true;
  }
  output(g(c).json, { ...info, merge_driver: merge }, (d) =>
    `${d.created ? 'Initialized' : 'Already initialized:'} beads in ${d.path} (prefix ${d.prefix})${d.merge_driver ? '; git merge driver installed' : ''}`);
}

/**
 * A fresh clone whose issues live only on the sync branch (local or the remote's): their prefix.
 * (A `.beads/issues.jsonl` in the work tree is read by the store itself.)
 */
function prefixOnSyncBranch(project: string): string | undefined {
  if (existsSync(join(project, '.beads', 'issues.jsonl'))) return undefined;
  for (const ref of [DEFAULT_SYNC_BRANCH, `origin/${DEFAULT_SYNC_BRANCH}`]) {
    const r = gitSyncTry(project, ['show', `${ref}:.beads/issues.jsonl`]);
    const p = r.code === 0 ? prefixOfJsonl(r.stdout) : undefined;
    if (p) return p;
  }
  return undefined;
}

function writeIfMissing(path: string, text: string): void {
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
}

// ---- close (create, update, reopen: writes.ts) ------------------------------------------------





export async function close(c: Ctx): Promise<void> {
  const who = actor(c);
  const out = await byStore(c, c.args[0] as string[], (s, ids) => s.closeIssues(ids, c.opts.reason as string | undefined, who));
  output(g(c).json, out.map(rec), () => out.map((i) => `Closed ${i.id}: ${i.title}`).join('\n'));
}


// ---- reads (list, show, ready, blocked, stats: reads.ts) ----------------------------------------



export async function ready(c: Ctx): Promise<void> {
  const o = c.opts;
  const json = g(c).json;
  if (o.explain !== undefined) {
    const result = await using(local(c), async (s) => {
      if (typeof o.explain === 'string') {
        const i = await s.mustGet(o.explain);
        const reasons = await s.explain(i.id);
        return [{ id: i.id, title: i.title, ready: reasons.length === 0, reasons }];
      }
      const out: { id: string; title: string; reasons: string[]; ready: boolean }[] = [];
      for (const i of await s.list({ status: ['open', 'in_progress', 'blocked', 'deferred', 'hooked', 'pinned'] })) {
        const reasons = await s.explain(i.id);
        if (reasons.length) out.push({ id: i.id, title: i.title, reasons, ready: false });
      }
      return out;
    });
    return output(json, result, (d) => d.map((r) => r.ready ? `${r.id} is ready: ${r.title}` : `${r.id} is not ready: ${r.reasons.join('; ')}`).join('\n') || 'Every open issue is ready.');
  }
  const filter: ListFilter = {
    assignee: o.assignee as string | undefined, label: o.label as string[] | undefined, type: o.type as string[] | undefined,
    priority: priority(o.priority), limit: count(o.limit, 'limit'),
  };
  if (o.claim) {
    const who = actor(c);
    const claimed = await using(local(c), (s) => s.transaction(async (tx) => {
      const first = (await tx.ready({ ...filter, limit: 1 }))[0];
      return first ? tx.claim(first.id, who) : undefined;
    }));
    if (!claimed) throw new UserError('no ready work to claim', "'bd blocked' shows what is waiting");
    return output(json, rec(claimed), (i) => `Claimed ${i.id}: ${i.title}`);
  }
  const issues = await using(local(c), (s) => s.ready(filter));
  output(json, issues.map(rec), () => (issues.length ? `Ready work (${issues.length}):\n` + issues.map(formatIssueLine).join('\n') : 'No ready work.'));
}


export async function search(c: Ctx): Promise<void> {
  const text = (c.args[0] as string[]).join(' ');
  const filter: ListFilter = { text, status: statuses(c.opts.status), limit: count(c.opts.limit, 'limit') };
  if (!c.opts.all && !c.opts.status) filter.includeClosed = false;
  const issues = await using(local(c), (s) => s.list(filter));
  output(g(c).json, issues.map(rec), () => (issues.length ? issues.map(formatIssueLine).join('\n') : `No issues match "${text}".`));
}


export async function events(c: Ctx): Promise<void> {
  const id = c.args[0] as string;
  const evs = await using(forId(c, id), (s) => s.events(id));
  output(g(c).json, evs, (d) => d.map((e) => `${e.created_at}  ${e.event_type.padEnd(18)} ${e.actor}${e.old_value ? `  ${e.old_value} ->` : ''}${e.new_value ? ` ${e.new_value}` : ''}${e.comment ? `  (${e.comment})` : ''}`).join('\n'));
}

// ---- deps, labels, comments -------------------------------------------------------------------------

export async function depAdd(c: Ctx): Promise<void> {
  const [from, to] = c.args as string[];
  const type = c.opts.type as string;
  const who = actor(c);
  const r = await using(forId(c, from!), async (s) => { await s.addDependency(from!, to!, type, who); return { issue_id: await s.resolveId(from!), depends_on_id: to!, type }; });
  output(g(c).json, r, (d) => `Added: ${d.issue_id} depends on ${d.depends_on_id} (${d.type})`);
}

export async function depRemove(c: Ctx): Promise<void> {
  const [from, to] = c.args as string[];
  const who = actor(c);
  await using(forId(c, from!), (s) => s.removeDependency(from!, to!, c.opts.type as string | undefined, who));
  output(g(c).json, { removed: true, issue_id: from, depends_on_id: to }, () => `Removed: ${from} no longer depends on ${to}`);
}


export async function depCycles(c: Ctx): Promise<void> {
  const cycles = await using(local(c), (s) => s.cycles());
  output(g(c).json, cycles, (d) => (d.length ? d.map((cy) => cy.join(' -> ') + ' -> ' + cy[0]).join('\n') : 'No dependency cycles.'));
}

export async function labelAdd(c: Ctx): Promise<void> {
  const [id, labels] = c.args as [string, string[]];
  const who = actor(c);
  const issue = await using(forId(c, id), (s) => s.transaction(async (tx) => { for (const l of labels) await tx.addLabel(id, l, who); return tx.mustGet(id); }));
  output(g(c).json, { id: issue.id, labels: issue.labels }, (d) => `${d.id} labels: ${d.labels.join(', ')}`);
}

export async function labelRemove(c: Ctx): Promise<void> {
  const [id, labels] = c.args as [string, string[]];
  const who = actor(c);
  const issue = await using(forId(c, id), (s) => s.transaction(async (tx) => { for (const l of labels) await tx.removeLabel(id, l, who); return tx.mustGet(id); }));
  output(g(c).json, { id: issue.id, labels: issue.labels }, (d) => `${d.id} labels: ${d.labels.join(', ') || '(none)'}`);
}

export async function labelList(c: Ctx): Promise<void> {
  const id = c.args[0] as string | undefined;
  if (id) {
    const issue = await using(forId(c, id), (s) => s.mustGet(id));
    return output(g(c).json, issue.labels, (d) => d.join('\n') || `${issue.id} has no labels.`);
  }
  const counts = await using(local(c), async (s) => {
    const m = new Map<string, number>();
    for (const i of await s.list({ includeEphemeral: true })) for (const l of i.labels) m.set(l, (m.get(l) ?? 0) + 1);
    return Object.fromEntries([...m].sort());
  });
  output(g(c).json, counts, (d) => Object.entries(d).map(([l, n]) => `${l} (${n})`).join('\n') || 'No labels.');
}


export async function comments(c: Ctx): Promise<void> {
  const id = c.args[0] as string | undefined;
  if (!id) throw new UsageError('an issue id is required', 'bd comments <id>  or  bd comments add <id> "text"');
  const list = await using(forId(c, id), async (s) => (await s.mustGet(id)).comments);
  output(g(c).json, list, (d) => d.map((x) => `[${x.created_at}] ${x.author}:\n${x.text}`).join('\n\n') || 'No comments.');
}

// ---- sync, health, agents --------------------------------------------------------------------

export async function exportCmd(c: Ctx): Promise<void> {
  const out = c.opts.output as string | undefined;
  if (out) {
    const text = await using(local(c), async (s) => {
      if (s instanceof SqliteStore) await s.refresh(); // a JSONL changed underneath (git pull) first
      return s.exportText();
    });
    if (out === '-') return void writeOut(text);
    writeFileSync(resolve(out), text);
    const n = text ? text.split('\n').length - 1 : 0;
    return output(g(c).json, { path: resolve(out), count: n }, (d) => `Exported ${d.count} issues to ${d.path}`);
  }
  const r = await using(local(c), (s) => withJsonlMirror(s, 'bd export').exportAll());
  output(g(c).json, r, (d) => `Exported ${d.count} issues to ${d.path}`);
}

export async function importCmd(c: Ctx): Promise<void> {
  const file = resolve(c.args[0] as string);
  const who = actor(c);
  const r = await using(local(c), (s) => importJsonl(s, file, who));
  output(g(c).json, r, (d) => `Imported ${file}: ${d.created} created, ${d.updated} updated, ${d.unchanged} unchanged`);
}

export async function sync(c: Ctx): Promise<void> {
  const { syncTarget, syncToBranch } = await import('../../beads/branch-sync.js');
  const store = await local(c);
  try {
    const o = c.opts as { branch?: string; remote?: string; push?: boolean; repo?: string };
    const target = await syncTarget(store, { branch: o.branch, remote: o.remote, repo: o.repo && resolve(o.repo), push: o.push === false ? false : undefined });
    const r = await syncToBranch(store, target);
    if (r.remoteError) warn('bd', `warning: ${r.remoteError} (committed locally; run bd sync again)`);
    output(g(c).json, { ...r, repo: target.repo, remote: target.remote }, (d) => [
      `${d.commit ? `Committed ${d.issues} issues to ${d.branch} (${d.commit.slice(0, 8)})` : `${d.branch} at ${d.tip?.slice(0, 8) ?? '(none)'}: nothing to commit (${d.issues} issues)`}${d.merged ? `; took in ${d.remote}'s changes` : ''}${d.pushed ? `; pushed to ${d.remote}` : ''}`,
      ...d.renamed.map((x) => `${x.from} -> ${x.to}: ${x.side === 'ours' ? 'this clone' : d.remote} had created a different issue under ${x.from} ("${x.title}"); both kept, the later one re-id'd`),
    ].join('\n'));
  } finally {
    await store.close();
  }
}

export async function configGet(c: Ctx): Promise<void> {
  const key = c.args[0] as string;
  const v = await using(local(c), (s) => s.getConfig(key));
  if (v === undefined) throw new UserError(`${key} is not set`, "see 'bd config list'");
  output(g(c).json, { key, value: v }, (d) => d.value);
}

export async function configSet(c: Ctx): Promise<void> {
  const [key, value] = c.args as [string, string];
  await using(local(c), (s) => s.setConfig(key, value));
  output(g(c).json, { key, value }, (d) => `${d.key} = ${d.value}`);
}

export async function configUnset(c: Ctx): Promise<void> {
  const key = c.args[0] as string;
  await using(local(c), (s) => s.setConfig(key, undefined));
  output(g(c).json, { key }, (d) => `${d.key} unset`);
}

export async function configList(c: Ctx): Promise<void> {
  const all = await using(local(c), (s) => s.config());
  output(g(c).json, all, (d) => Object.entries(d).map(([k, v]) => `${k} = ${v}`).join('\n') || '(no settings)');
}

export async function doctor(c: Ctx): Promise<void> {
  const r = await using(local(c), (s) => s.doctor());
  output(g(c).json, r, (d) => (d.ok ? 'OK: database, JSONL and blocked state agree; no cycles.' : d.problems.map((p) => `problem: ${p}`).join('\n')));
  if (!r.ok) process.exitCode = 1;
}

export async function prime(c: Ctx): Promise<void> {
  const who = resolveActor(g(c).actor);
  const data = await using(local(c), async (s) => ({
    prefix: s.prefix, mine: await s.list({ assignee: who, status: ['in_progress', 'hooked'] }), ready: await s.ready({ limit: 10 }), stats: await s.stats(),
  }));
  if (g(c).json) return output(true, { actor: who, prefix: data.prefix, in_progress: data.mine.map(rec), ready: data.ready.map(rec), stats: data.stats }, () => '');
  const lines = [
    '# Beads issue tracker (bd)',
    '',
    `You are **${who}**. Issues here have ids like \`${data.prefix}-a1b2\`; a unique prefix of the hash is enough.`,
    '',
    '## Workflow',
    '- `bd ready` — open work nothing blocks (priority, then age). `bd ready --claim` takes the first one atomically.',
    '- `bd update <id> --claim` — claim a specific issue (fails if someone else has it).',
    '- `bd show <id>` — full details; `bd comment <id> "text"` — leave notes for the next session.',
    '- `bd create "title" -t bug -p 1 -d "..." --deps discovered-from:<id>` — file work you discover.',
    '- `bd close <id> -r "what was done"` — finish; `bd dep add <id> <blocker>` — record ordering.',
    '- Add `--json` to any command for machine-readable output.',
    '',
    `## In progress (${data.mine.length})`,
    ...(data.mine.length ? data.mine.map((i) => `- ${formatIssueLine(i)}`) : ['- nothing assigned to you']),
    '',
    `## Ready (${data.stats.ready} total, top ${data.ready.length})`,
    ...(data.ready.length ? data.ready.map((i) => `- ${formatIssueLine(i)}`) : ['- no ready work']),
  ];
  output(false, lines, (l) => l.join('\n'));
}
