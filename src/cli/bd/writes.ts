// bd's write commands with Beads' flags: create (--file markdown batch, --due, --defer), q,
// update (labels, parent, append-notes, due/defer), reopen --reason, comment --author, delete
// (tombstones), epic close-eligible, edit ($EDITOR). Each database's changes are one transaction.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { output } from '../output.js';
import { UserError, UsageError } from '../../lib/errors.js';
import { runOnTerminal } from '../../lib/proc.js';
import { issueToRecord } from '../../beads/jsonl.js';
import { PARENT_CHILD, checkLabel, type Issue } from '../../beads/model.js';
import type { CreateInput, Tx, UpdatePatch } from '../../beads/api.js';
import { epicStatuses, type Json } from './compat.js';
import { actorOf, byStore, dateArg, forId, g, local, priorityArg, statusArg, withStore, type Ctx } from './ctx.js';
import { parseMarkdownIssues } from './markdown.js';
import { writeOut } from '../stdout.js';

type Opts = Record<string, unknown>;
const str = (v: unknown) => (v === undefined ? undefined : String(v));
const labelsOf = (v: unknown) => ((v as string[] | undefined) ?? []).map(checkLabel);

function parseDeps(list: string[]): { type: string; id: string }[] {
  return list.map((d) => {
    const m = d.match(/^([a-z][a-z0-9_-]*):(.+)$/i);
    return m && !m[2]!.includes(':') ? { type: m[1]!, id: m[2]! } : { type: 'blocks', id: d };
  });
}

/** due_at / defer_until as Beads keeps them (top-level JSONL keys); '' clears on update. */
function dates(o: Opts, clearing: boolean): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [flag, key] of [['due', 'due_at'], ['defer', 'defer_until']] as const) {
    const v = str(o[flag]);
    if (v === undefined) continue;
    if (v === '') { if (clearing) out[key] = null; continue; }
    out[key] = dateArg(v, `--${flag}`);
  }
  return out;
}

// ---- create, q ----------------------------------------------------------------------------------

export async function create(c: Ctx): Promise<void> {
  const o = c.opts;
  if (o.file) return createFromFile(c, String(o.file));
  const title = str(o.title) ?? (c.args[0] as string[]).join(' ');
  if (!title.trim()) throw new UsageError('a title is required', 'bd create "Fix the login bug" -t bug -p 1');
  const fields = dates(o, false);
  const input: CreateInput = {
    title, issue_type: str(o.type) ?? 'task', priority: priorityArg(o.priority), description: str(o.description), design: str(o.design),
    acceptance_criteria: str(o.acceptance ?? o.acceptanceCriteria), notes: str(o.notes),
    labels: labelsOf([...((o.labels as string[]) ?? []), ...((o.label as string[]) ?? [])]), assignee: str(o.assignee),
    parent: str(o.parent), deps: parseDeps((o.deps as string[]) ?? []), ephemeral: !!o.ephemeral, id: str(o.id),
    ...(Object.keys(fields).length ? { fields } : {}),
  };
  const who = actorOf(c);
  const issue = await withStore(o.parent ? forId(c, String(o.parent)) : local(c), (s) => s.create(input, who));
  if (o.silent && !g(c).json) return void writeOut(issue.id + '\n');
  output(g(c).json, issueToRecord(issue), () => `Created ${issue.id}: ${issue.title}`);
}

/** `bd create --file plan.md`: one issue per `## Title`, its `### Section`s as fields; all or none. */
async function createFromFile(c: Ctx, file: string): Promise<void> {
  const path = resolve(file);
  if (!['.md', '.markdown'].includes(extname(path).toLowerCase())) throw new UserError(`${file} is not a markdown file`, 'bd create --file takes a .md file of "## Title" sections');
  if (!existsSync(path)) throw new UserError(`no such file: ${file}`);
  const templates = parseMarkdownIssues(readFileSync(path, 'utf8'), file);
  const who = actorOf(c);
  const created = await withStore(local(c), (s) => s.transaction(async (tx) => {
    const out: Issue[] = [];
    for (const t of templates) out.push(await tx.create({ ...t, deps: parseDeps(t.deps ?? []), labels: labelsOf(t.labels) }, who));
    return out;
  }));
  output(g(c).json, created.map(issueToRecord), () => [`Created ${created.length} issues from ${file}:`, ...created.map((i) => `  ${i.id}: ${i.title}`)].join('\n'));
}

/** `bd q "title"`: create and print only the id (for scripts and agents). */
export async function quick(c: Ctx): Promise<void> {
  const o = c.opts;
  const title = (c.args[0] as string[]).join(' ');
  if (!title.trim()) throw new UsageError('a title is required', 'bd q "Fix the login bug"');
  const issue = await withStore(local(c), (s) => s.create({ title, priority: priorityArg(o.priority), issue_type: str(o.type) ?? 'task', labels: labelsOf(o.labels) }, actorOf(c)));
  writeOut(issue.id + '\n');
}

// ---- update, reopen, comment -----------------------------------------------------------------------

/**
 * One transaction per database holding the ids (byStore): either every id is changed or none is.
 */
function perStore(c: Ctx, ids: string[], fn: (tx: Tx, ids: string[]) => Promise<Issue[]>): Promise<Issue[]> {
  return byStore(c, ids, (s, mine) => s.transaction((tx) => fn(tx, mine)));
}

export async function update(c: Ctx): Promise<void> {
  const o = c.opts;
  if (o.notes !== undefined && o.appendNotes !== undefined) throw new UsageError('--notes and --append-notes both set the notes; give one');
  const patch: UpdatePatch = {
    status: o.status === undefined ? undefined : statusArg(String(o.status)), priority: priorityArg(o.priority), title: str(o.title),
    description: str(o.description), design: str(o.design), acceptance_criteria: str(o.acceptance ?? o.acceptanceCriteria),
    notes: str(o.notes), issue_type: str(o.type),
  };
  if (o.assignee !== undefined) patch.assignee = o.assignee === '' ? null : String(o.assignee);
  const fields = dates(o, true);
  if (Object.keys(fields).length) patch.fields = fields;
  for (const k of Object.keys(patch) as (keyof UpdatePatch)[]) if (patch[k] === undefined) delete patch[k];
  const add = labelsOf(o.addLabel), remove = labelsOf(o.removeLabel);
  const set = o.setLabels === undefined ? undefined : labelsOf(o.setLabels);
  const parent = str(o.parent);
  const append = str(o.appendNotes);
  const more = add.length || remove.length || set || parent !== undefined || append !== undefined;
  if (!Object.keys(patch).length && !o.claim && !more) throw new UsageError('nothing to update', 'pass a field to change, e.g. --status in_progress, or --claim');
  const who = actorOf(c);
  const out = await perStore(c, c.args[0] as string[], async (tx, ids) => {
    const done: Issue[] = [];
    for (const ref of ids) {
      let issue = o.claim ? await tx.claim(ref, who) : await tx.mustGet(ref);
      const p: UpdatePatch = { ...patch };
      if (append !== undefined) p.notes = issue.notes ? `${issue.notes}\n${append}` : append;
      if (Object.keys(p).length) issue = await tx.update(issue.id, p, who);
      const labels = set ? { add: set.filter((l) => !issue.labels.includes(l)), remove: issue.labels.filter((l) => !set.includes(l)) } : { add, remove };
      for (const l of labels.remove) await tx.removeLabel(issue.id, l, who);
      for (const l of labels.add) await tx.addLabel(issue.id, l, who);
      if (parent !== undefined) await reparent(tx, issue, parent, who);
      done.push(await tx.mustGet(issue.id));
    }
    return done;
  });
  output(g(c).json, out.map(issueToRecord), () => out.map((i) => `${o.claim ? 'Claimed' : 'Updated'} ${i.id}: ${i.title} [${i.status}${i.assignee ? ` @${i.assignee}` : ''}]`).join('\n'));
}

/** Moves an issue under another parent ('' leaves it without one). */
async function reparent(tx: Tx, issue: Issue, parent: string, who: string): Promise<void> {
  const target = parent ? (await tx.mustGet(parent)).id : undefined;
  for (const d of issue.dependencies) if (d.type === PARENT_CHILD && d.depends_on_id !== target) await tx.removeDependency(issue.id, d.depends_on_id, PARENT_CHILD, who);
  if (target && !issue.dependencies.some((d) => d.type === PARENT_CHILD && d.depends_on_id === target)) await tx.addDependency(issue.id, target, PARENT_CHILD, who);
}

export async function reopen(c: Ctx): Promise<void> {
  const who = actorOf(c);
  const reason = str(c.opts.reason);
  const out = await perStore(c, c.args[0] as string[], async (tx, ids) => {
    const done: Issue[] = [];
    for (const id of ids) {
      const i = await tx.reopen(id, who);
      // The store's reopen takes no reason: it is kept as a comment, in the same transaction.
      if (reason) await tx.addComment(i.id, `Reopened: ${reason}`, who);
      done.push(await tx.mustGet(i.id));
    }
    return done;
  });
  output(g(c).json, out.map(issueToRecord), () => out.map((i) => `Reopened ${i.id}: ${i.title}${reason ? `: ${reason}` : ''}`).join('\n'));
}

/** `bd comment <id> text` and `bd comments add <id> text`, with Beads' --author and --file. */
export async function comment(c: Ctx): Promise<void> {
  const [id, words] = c.args as [string, string[] | undefined];
  const o = c.opts;
  const text = o.file ? readFileSync(resolve(String(o.file)), 'utf8') : (words ?? []).join(' ');
  if (!text.trim()) throw new UsageError('comment text is required', 'bd comment <id> "text"  (or --file notes.txt)');
  const who = str(o.author) || actorOf(c);
  const cm = await withStore(forId(c, id), (s) => s.addComment(id, text, who));
  output(g(c).json, cm, (d) => `Comment ${d.id} added to ${d.issue_id}`);
}

// ---- delete ------------------------------------------------------------------------------------

/**
 * `bd delete`: without --force (or with --dry-run) a preview; with --force each issue becomes a
 * tombstone (status tombstone, deleted_at/by, delete_reason, original_type: the JSONL carries
 * the deletion to other clones), its edges both ways are removed and other issues' text that
 * names it says [deleted:<id>]. --cascade also deletes, recursively, what depends on it.
 */
export async function deleteCmd(c: Ctx): Promise<void> {
  const o = c.opts;
  const refs = [...((c.args[0] as string[]) ?? [])];
  if (o.fromFile) refs.push(...readFileSync(resolve(String(o.fromFile)), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')));
  if (!refs.length) throw new UsageError('no issue ids given', 'bd delete <id>... --force');
  const who = actorOf(c);
  const apply = !!o.force && !o.dryRun;
  const r = await withStore(forId(c, refs[0]!), (s) => s.transaction(async (tx) => {
    const targets = new Map<string, Issue>();
    for (const ref of refs) {
      const i = await tx.mustGet(ref);
      if (i.status === 'tombstone') throw new UserError(`${i.id} is already deleted`);
      targets.set(i.id, i);
    }
    if (o.cascade) {
      for (const queue = [...targets.keys()]; queue.length;) {
        for (const d of await tx.dependents(queue.shift()!)) if (!targets.has(d.id) && d.status !== 'tombstone') { targets.set(d.id, d); queue.push(d.id); }
      }
    }
    const edges = new Set<string>();
    const connected = new Map<string, Issue>();
    const orphaned = new Set<string>();
    for (const i of targets.values()) {
      for (const d of i.dependencies) {
        edges.add(`${i.id}\0${d.depends_on_id}\0${d.type}`);
        if (!targets.has(d.depends_on_id)) { const x = await tx.getExact(d.depends_on_id); if (x) connected.set(x.id, x); }
      }
      for (const d of await tx.dependents(i.id)) {
        for (const e of d.dependencies) if (e.depends_on_id === i.id) edges.add(`${d.id}\0${i.id}\0${e.type}`);
        if (!targets.has(d.id)) { connected.set(d.id, d); orphaned.add(d.id); }
      }
    }
    const ids = [...targets.keys()];
    const labels = [...targets.values()].reduce((n, i) => n + i.labels.length, 0);
    if (!apply) return { ids, deps: edges.size, labels, refs: 0, orphaned: [...orphaned], preview: true, titles: [...targets.values()].map((i) => `${i.id}: ${i.title}`) };
    for (const e of edges) {
      const [from, to, type] = e.split('\0') as [string, string, string];
      await tx.removeDependency(from, to, type, who);
    }
    let refsUpdated = 0;
    for (const x of connected.values()) {
      const patch: UpdatePatch = {};
      for (const k of ['description', 'design', 'acceptance_criteria', 'notes'] as const) {
        const text = x[k];
        if (!text) continue;
        const next = ids.reduce((t, id) => t.replace(new RegExp(`(^|[^A-Za-z0-9_.-])(${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')})(?![A-Za-z0-9_-])`, 'g'), `$1[deleted:$2]`), text);
        if (next !== text) patch[k] = next;
      }
      if (Object.keys(patch).length) { await tx.update(x.id, patch, who); refsUpdated++; }
    }
    const now = new Date().toISOString();
    for (const i of targets.values()) {
      for (const l of i.labels) await tx.removeLabel(i.id, l, who);
      await tx.update(i.id, { status: 'tombstone', fields: { deleted_at: now, deleted_by: who, delete_reason: str(o.reason) ?? 'deleted', original_type: i.issue_type } }, who);
    }
    return { ids, deps: edges.size, labels, refs: refsUpdated, orphaned: [...orphaned], preview: false, titles: [] as string[] };
  }));
  if (r.preview) {
    const json: Json = { would_delete: r.ids, deleted_count: 0, would_delete_count: r.ids.length, dependencies: r.deps, labels: r.labels, orphaned_issues: r.orphaned, dry_run: true };
    return output(g(c).json, json, () => [
      o.dryRun ? 'Delete preview (dry run, nothing changed):' : 'Delete preview (nothing changed):',
      ...r.titles.map((t) => `  ${t}`),
      `Would remove ${r.deps} dependency link(s) and ${r.labels} label(s)${r.orphaned.length ? `; would orphan ${r.orphaned.join(', ')}` : ''}.`,
      o.dryRun ? '' : `To delete, run: bd delete ${r.ids.join(' ')}${o.cascade ? ' --cascade' : ''} --force`,
    ].filter(Boolean).join('\n'));
  }
  const json: Json = r.ids.length === 1 && !o.cascade
    ? { deleted: r.ids[0], dependencies_removed: r.deps, references_updated: r.refs }
    : { deleted: r.ids, deleted_count: r.ids.length, dependencies_removed: r.deps, labels_removed: r.labels, events_removed: 0, references_updated: r.refs, orphaned_issues: r.orphaned };
  output(g(c).json, json, () => `Deleted ${r.ids.join(', ')}\n  Removed ${r.deps} dependency link(s)\n  Updated text references in ${r.refs} issue(s)`);
}

// ---- epic close-eligible, edit ------------------------------------------------------------------

export async function epicCloseEligible(c: Ctx): Promise<void> {
  const who = actorOf(c);
  const r = await withStore(local(c), (s) => s.transaction(async (tx) => {
    const eligible = (await epicStatuses(tx)).filter((e) => e.eligible_for_close);
    if (c.opts.dryRun || !eligible.length) return { eligible, closed: [] as string[] };
    const closed = await tx.closeIssues(eligible.map((e) => String(e.epic.id)), 'All children completed', who);
    return { eligible, closed: closed.map((i) => i.id) };
  }));
  if (c.opts.dryRun) return output(g(c).json, r.eligible, (d) => d.length ? ['Would close:', ...d.map((e) => `  - ${e.epic.id}: ${e.epic.title}`)].join('\n') : 'No epics are eligible for closure.');
  output(g(c).json, { closed: r.closed, count: r.closed.length }, (d) => d.count ? [`Closed ${d.count} epic(s)`, ...d.closed.map((id) => `  - ${id}`)].join('\n') : 'No epics are eligible for closure.');
}

const EDITABLE = { title: 'title', description: 'description', design: 'design', notes: 'notes', acceptance: 'acceptance_criteria' } as const;

/** `bd edit <id> [--title|--design|--notes|--acceptance]`: the field in $VISUAL/$EDITOR (default: the description). */
export async function edit(c: Ctx): Promise<void> {
  const id = c.args[0] as string;
  const chosen = (Object.keys(EDITABLE) as (keyof typeof EDITABLE)[]).filter((k) => c.opts[k]);
  if (chosen.length > 1) throw new UsageError('give one field to edit', 'bd edit <id> --design');
  const field = EDITABLE[chosen[0] ?? 'description'];
  const editor = process.env.VISUAL || process.env.EDITOR;
  if (!editor) throw new UserError('no editor: set $EDITOR (or $VISUAL)', `or change it directly: bd update ${id} --${field === 'acceptance_criteria' ? 'acceptance' : field} "..."`);
  const who = actorOf(c);
  const r = await withStore(forId(c, id), async (s) => {
    const before = await s.mustGet(id);
    const dir = mkdtempSync(join(tmpdir(), 'bd-edit-'));
    try {
      const file = join(dir, `${before.id}-${field}.md`);
      writeFileSync(file, before[field] ?? '');
      // $EDITOR may carry arguments ("code --wait"): the shell splits it; the path goes as "$1".
      const code = runOnTerminal('/bin/sh', ['-c', `${editor} "$1"`, 'sh', file]);
      if (code !== 0) throw new UserError(`the editor (${editor}) exited with ${code}; nothing changed`);
      const text = readFileSync(file, 'utf8').replace(/\n$/, '');
      if (text === (before[field] ?? '')) return { issue: before, changed: false };
      if (field === 'title' && !text.trim()) throw new UserError('title cannot be empty; nothing changed');
      return { issue: await s.update(before.id, { [field]: text }, who), changed: true };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  output(g(c).json, issueToRecord(r.issue), () => (r.changed ? `Updated ${field} of ${r.issue.id}` : `No changes to ${r.issue.id}`));
}
