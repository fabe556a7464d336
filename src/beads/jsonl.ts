// One issue <-> one JSONL line, byte-compatible with Beads' Go encoder: keys in Beads' order,
// empty fields omitted, and `<`, `>`, `&`, U+2028/9 escaped as encoding/json does.
import { UserError } from '../lib/errors.js';
import { digestBase64url } from '../lib/hash.js';
import { readFileSync } from 'node:fs';
import type { ImportCounts, Tx } from './api.js';
import { KEY_ORDER, MODELLED_KEYS, isStatus, type Comment, type Dependency, type Issue } from './model.js';
import { issueProblem } from './validate.js';

const GO_ESCAPES = /[<>&\u2028\u2029]/g;
const goEscape = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** JSON.stringify with Go's HTML-safe escaping, so lines round-trip byte for byte. */
export function goJson(v: unknown): string {
  return JSON.stringify(v).replace(GO_ESCAPES, goEscape);
}

/** The plain object written for an issue (key order = Beads' order, then extra fields). */
export function issueToRecord(issue: Issue): Record<string, unknown> {
  const src: Record<string, unknown> = { ...issue.fields };
  for (const k of MODELLED_KEYS) {
    const v = (issue as unknown as Record<string, unknown>)[k];
    if (v === undefined || v === null || v === '' || v === false) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    src[k] = v;
  }
  if (issue.priority !== undefined) src.priority = issue.priority; // 0 is a real priority
  const out: Record<string, unknown> = {};
  for (const k of KEY_ORDER) if (src[k] !== undefined) out[k] = src[k];
  for (const k of Object.keys(issue.fields)) if (out[k] === undefined && issue.fields[k] !== undefined) out[k] = issue.fields[k];
  return out;
}

/** A short digest of a JSONL line: the store keeps it per issue to recognize unchanged lines. */
export function lineHash(line: string): string {
  return digestBase64url('sha1', line);
}

export function issueToLine(issue: Issue): string {
  return goJson(issueToRecord(issue));
}

function str(o: Record<string, unknown>, k: string, where: string, required = false): string | undefined {
  const v = o[k];
  if (v === undefined || v === null) {
    if (required) throw new UserError(`${where}: missing "${k}"`, 'each line must be one issue object with id, title, status, priority, issue_type');
    return undefined;
  }
  if (typeof v !== 'string') throw new UserError(`${where}: "${k}" must be a string`);
  return v;
}

/** JSON.parse quotes the bad input in its message: keep that to one short printable line. */
function printable(s: string): string {
  const one = s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ');
  return one.length > 160 ? `${one.slice(0, 159)}…` : one;
}

/** Parses one JSONL line into an Issue; `where` names the line in error messages. */
export function parseIssueLine(line: string, where: string): Issue {
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch (e) {
    throw new UserError(`${where}: malformed JSON (${printable((e as Error).message)})`, 'fix or remove the line, then import again');
  }
  if (!o || typeof o !== 'object' || Array.isArray(o)) throw new UserError(`${where}: expected a JSON object`);
  const r = o as Record<string, unknown>;
  const id = str(r, 'id', where, true)!;
  const status = str(r, 'status', where) ?? 'open'; // a custom status is checked by validateRecords
  const priority = r.priority ?? 2;
  if (typeof priority !== 'number' || !Number.isInteger(priority)) throw new UserError(`${where}: priority must be an integer`);
  const ts = str(r, 'created_at', where) ?? '';
  const deps = r.dependencies ?? [];
  if (!Array.isArray(deps)) throw new UserError(`${where}: "dependencies" must be an array`);
  const dependencies: Dependency[] = deps.map((d: Record<string, unknown>, i) => {
    if (!d || typeof d.depends_on_id !== 'string' || typeof d.type !== 'string') throw new UserError(`${where}: dependency ${i} needs depends_on_id and type`);
    const dep: Dependency = { issue_id: typeof d.issue_id === 'string' ? d.issue_id : id, depends_on_id: d.depends_on_id, type: d.type,
      created_at: typeof d.created_at === 'string' ? d.created_at : ts };
    if (typeof d.created_by === 'string') dep.created_by = d.created_by;
    return dep;
  });
  const labels = r.labels ?? [];
  if (!Array.isArray(labels) || labels.some((l) => typeof l !== 'string')) throw new UserError(`${where}: "labels" must be an array of strings`);
  const cs = r.comments ?? [];
  if (!Array.isArray(cs)) throw new UserError(`${where}: "comments" must be an array`);
  const comments: Comment[] = cs.map((c: Record<string, unknown>, i) => {
    if (!c || typeof c.text !== 'string') throw new UserError(`${where}: comment ${i} needs text`);
    return { id: typeof c.id === 'number' ? c.id : 0, issue_id: typeof c.issue_id === 'string' ? c.issue_id : id,
      author: typeof c.author === 'string' ? c.author : '', text: c.text, created_at: typeof c.created_at === 'string' ? c.created_at : ts };
  });
  const fields: Record<string, unknown> = {};
  for (const k of Object.keys(r)) if (!MODELLED_KEYS.has(k)) fields[k] = r[k];
  const issue: Issue = {
    id, title: str(r, 'title', where) ?? '', status, priority, issue_type: str(r, 'issue_type', where) ?? 'task',
    labels: labels as string[], dependencies, comments, created_at: ts, updated_at: str(r, 'updated_at', where) ?? ts, fields,
  };
  for (const k of ['description', 'design', 'acceptance_criteria', 'notes', 'assignee', 'owner', 'created_by', 'closed_at', 'close_reason', 'external_ref'] as const) {
    const v = str(r, k, where);
    if (v !== undefined) issue[k] = v;
  }
  if (r.ephemeral === true) issue.ephemeral = true;
  return issue;
}

/** One issue line of a JSONL file; `issue` is absent for a line the caller already holds. */
export interface JsonlRecord { id: string; line: string; lineNo: number; issue?: Issue }

/** Parses and validates a whole JSONL text (every status must be known); a bad line names its line number. */
export function parseJsonl(text: string, source: string, statuses: ReadonlySet<string>): Issue[] {
  const records = parseJsonlLines(text, source);
  validateRecords(records, source, statuses);
  return records.map((r) => r.issue!);
}

/**
 * Parses a JSONL text, keeping each record's line as it is in the file. Lines `known` recognizes
 * (returns their id) are not parsed: the caller already holds them (import skips the unchanged
 * lines). Refuses conflict markers and an id on two lines (which line would win is a guess).
 */
export function parseJsonlLines(text: string, source: string, known?: (line: string) => string | undefined): JsonlRecord[] {
  const out: JsonlRecord[] = [];
  const lineOf = new Map<string, number>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const line = raw.trim();
    if (!line) continue;
    if (line.startsWith('<<<<<<<') || line.startsWith('>>>>>>>') || line.startsWith('|||||||') || line === '=======') {
      throw new UserError(`${source}:${i + 1}: git conflict marker`, 'resolve the merge (bd merge is the merge driver), then retry');
    }
    const id = known?.(raw);
    const rec: JsonlRecord = id !== undefined ? { id, line: raw, lineNo: i + 1 } : (() => {
      const issue = parseIssueLine(line, `${source}:${i + 1}`);
      return { id: issue.id, line: raw, lineNo: i + 1, issue };
    })();
    const first = lineOf.get(rec.id);
    if (first !== undefined) {
      throw new UserError(`${source}:${i + 1}: duplicate id ${rec.id} (also on line ${first})`, 'keep one line per issue (merge them or remove one), then retry');
    }
    lineOf.set(rec.id, i + 1);
    out.push(rec);
  }
  return out;
}

/** The custom statuses a file uses that are not in `known` (import registers them rather than lose the issues). */
export function newStatuses(records: JsonlRecord[], known: ReadonlySet<string>): string[] {
  const found = new Set<string>();
  for (const r of records) if (r.issue && !known.has(r.issue.status) && !isStatus(r.issue.status)) found.add(r.issue.status);
  return [...found].sort();
}

/** Runs the one validator over the parsed records; the first bad one throws, naming its line. */
export function validateRecords(records: JsonlRecord[], source: string, statuses: ReadonlySet<string>): void {
  for (const r of records) {
    if (!r.issue) continue;
    const problem = issueProblem(r.issue, statuses);
    if (problem) throw new UserError(`${source}:${r.lineNo}: ${problem}`, 'fix or remove the line, then retry (nothing was imported)');
  }
}

/**
 * Why a JSONL text could not be imported (parse or validation, first problem, one line), or
 * undefined when it could. Custom statuses an import would register do not count as problems.
 */
export function jsonlProblem(text: string, source: string, statuses: ReadonlySet<string>): string | undefined {
  try {
    const records = parseJsonlLines(text, source);
    validateRecords(records, source, new Set([...statuses, ...newStatuses(records, statuses)]));
    return undefined;
  } catch (e) {
    if (e instanceof UserError) return e.message;
    throw e;
  }
}

/** Upserts the records of a JSONL file into a store (what `bd import <file>` does). */
export async function importJsonl(store: Tx, path: string, actor = 'import'): Promise<ImportCounts> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return store.importText(text, path, actor);
}
