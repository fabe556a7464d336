// The JSONL mirror of a SQLite store: `.beads/issues.jsonl`, the tracked copy git carries.
//
// The database is the durable record; the file follows it. A write records the ids it changed in
// the `dirty` table inside its own transaction (with the write's generation, `dirty_gen`), so a
// process killed before the file is patched leaves them for the next flusher. A file changed
// underneath (git pull, checkout, merge) is imported before the next write and by reads; for ids
// the database changed but has not exported yet, the database wins (planImport). Lines are
// matched to issues by digest (`line_hash`), so an import parses only the lines that changed.
//
// Who brings the file up to date, and when:
// - explicitly, now: `flush()` (bd sync, bd export, doctor, branch sync, tests) and `exportAll()`;
// - automatically (after the current tick, on close, at exit, on open): `settle()`. While the file
//   is small (BD_JSONL_INLINE_BYTES, default 2 MiB) it flushes in the command, as before. Above
//   that, patching costs a read and a write of the whole file (0.2 s at 50k records), so the
//   command hands it to a detached flusher process (flusher.ts) and exits: the database already
//   holds everything, and the flusher builds the new file without the write lock, taking the lock
//   only to swap it in. One flusher at a time, named in meta `jsonl_flusher`; a writer that finds
//   none alive claims the job in its own transaction, so no commit is ever left without one.
import { closeSync, existsSync, fstatSync, openSync, readFileSync, renameSync, rmSync, type BigIntStats } from 'node:fs';
import { join } from 'node:path';
import { builtin } from '../../lib/builtin.js';
import { UserError } from '../../lib/errors.js';
import { removeStaleTemps, writeFileAtomic, writePieces, writeTemp, type FilePiece } from '../../lib/fsx.js';
import { isAlive, spawnDetached } from '../../lib/proc.js';
import { compiled } from '../../lib/self.js';
import { issueToLine, lineHash, parseJsonlLines, type JsonlRecord } from '../jsonl.js';
import type { Issue } from '../model.js';
import { fileSignature, fileSource, patchJsonl, patchLines, planImport, readIfExists, statSignature } from '../sync.js';
import type { SqlStatement } from './driver.js';

/** What to do when the JSONL does not parse (a conflicted merge, a bad hand edit). */
export type OnBadFile =
  | 'refuse' // a write: refuse it with the reason (writing now would bury the file's state)
  | 'warn' // a read or a flush: warn once, serve the database, leave the file alone
  | 'overwrite'; // bd export: the database replaces the file

/** What the mirror needs from the engine: its statements, transactions and record plumbing. */
export interface MirrorHost {
  readonly jsonlPath: string;
  readonly beadsDir: string;
  q(sql: string): SqlStatement;
  meta(key: string): string | undefined;
  setMeta(key: string, value: string): void;
  /** Inside the engine's open write transaction (a flush now would be part of it). */
  readonly inTransaction: boolean;
  readonly isOpen: boolean;
  /** BEGIN IMMEDIATE ... COMMIT (ROLLBACK on throw), without the mirror's import. */
  lockedTransaction<T>(fn: () => T): T;
  /** A consistent read snapshot without the write lock. */
  readSnapshot<T>(fn: () => T): T;
  /** Every exported issue's line (non-wisps, by id). */
  exportLines(): Map<string, string>;
  /** The current line of each id (null: gone, or a wisp). */
  linesOf(ids: string[]): Map<string, string | null>;
  isWisp(id: string): boolean;
  /** Validates records read from a file (registers custom statuses); throws a UserError. */
  admitRecords(records: JsonlRecord[], source: string): void;
  deleteRows(id: string): void;
  upsertRecord(issue: Issue, hash: string | null): void;
  recomputeAllBlocked(): void;
  /** An import (not a write of ours) changed rows: the change signal. */
  imported(): void;
}

/** The savepoint-visible part of the mirror's state. */
export interface MirrorMark { dirty: Set<string>; rewrite: boolean }

const FLUSHER_KEY = 'jsonl_flusher';
/** A flusher that has not stamped its claim for this long is presumed gone (its work is redone). */
const FLUSHER_STALE_MS = 30_000;
/** The file size above which the automatic flush leaves the command's path. */
const DEFAULT_INLINE_BYTES = 2 * 1024 * 1024;
/**
 * Up to this size a file is read whole to patch it, and a patched file's pieces are joined to keep
 * its bytes for the next patch; a larger one is searched and copied in place (BD_JSONL_INLINE_BYTES
 * lowers it too, so that the tests that force the flusher exercise that path).
 */
const wholeBytes = () => Math.min(DEFAULT_INLINE_BYTES, inlineLimit());

export function inlineLimit(): number {
  const v = process.env.BD_JSONL_INLINE_BYTES;
  if (v === undefined || v === '') return DEFAULT_INLINE_BYTES;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n : v === 'Infinity' ? Infinity : DEFAULT_INLINE_BYTES;
}

export class JsonlMirror {
  /** Ids changed by the open transaction; persisted to the dirty table just before its commit. */
  private dirty = new Set<string>();
  /** The open transaction asked for a full rewrite of the JSONL (file missing or not canonical). */
  private rewrite = false;
  private scheduled: NodeJS.Immediate | undefined;
  /** The JSONL bytes we last wrote or read, so back-to-back flushes skip re-reading the file. */
  private cache: { sig: string; buf: Buffer | (() => Buffer) } | undefined;
  /** Why the JSONL on disk does not parse (reads warn about it once; writes refuse). */
  private badFile: UserError | undefined;
  private warnedBadFile = false;
  /** The open flush's import changed rows. */
  private didImport = false;
  /** This process claimed the flusher's job and still has to start it. */
  private mustSpawn = false;

  /** role 'flusher': the detached flusher itself (settles by exporting, never spawns another). */
  constructor(private readonly host: MirrorHost, private readonly role: 'command' | 'flusher' = 'command') {
    openMirrors.add(this);
    if (!exitHookInstalled) {
      process.on('exit', settleOpenMirrors);
      exitHookInstalled = true;
    }
  }

  get jsonlPath(): string {
    return this.host.jsonlPath;
  }

  private get path(): string {
    return this.host.jsonlPath;
  }

  // ---- the write transaction's side -----------------------------------------------------------

  /** A write changed this issue (its line must be rewritten). */
  touched(id: string): void {
    this.dirty.add(id);
  }

  /** A new write transaction (BEGIN IMMEDIATE just succeeded): nothing dirty yet. */
  began(): void {
    this.dirty = new Set();
    this.rewrite = false;
  }

  mark(): MirrorMark {
    return { dirty: new Set(this.dirty), rewrite: this.rewrite };
  }

  restore(m: MirrorMark): void {
    this.dirty = m.dirty;
    this.rewrite = m.rewrite;
  }

  /**
   * Just before COMMIT: persists the transaction's changed ids (wisps are never exported, so never
   * dirty) with a new generation, and claims the flusher's job when it will be handed off and
   * nobody holds it. Returns whether there is anything to export.
   */
  beforeCommit(): boolean {
    const ids = [...this.dirty].filter((id) => !this.host.isWisp(id));
    if (ids.length) {
      const gen = Number(this.host.meta('dirty_gen') ?? 0) + 1;
      this.host.setMeta('dirty_gen', String(gen));
      const ins = this.host.q('INSERT INTO dirty (id, gen) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET gen = excluded.gen');
      for (const id of ids) ins.run(id, gen);
    }
    const pending = ids.length > 0 || this.rewrite;
    if (pending && this.handsOff()) this.claimFlusher();
    return pending;
  }

  /** After COMMIT (or ROLLBACK): the transaction's ids are recorded (or gone). */
  ended(pending: boolean): void {
    this.dirty = new Set();
    this.rewrite = false;
    if (pending) this.schedule();
  }

  markRewrite(): void {
    this.host.setMeta('jsonl_rewrite', `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`);
    this.rewrite = true;
  }

  // ---- when the file is brought up to date ----------------------------------------------------

  /** One settle per tick, however many writes the tick made (a command's writes share one export). */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = setImmediate(() => {
      this.scheduled = undefined;
      try {
        this.settle();
      } catch (e) {
        warnUnflushed(this.path, e); // the dirty rows stay: the next flusher retries
      }
    });
  }

  /**
   * The automatic flush (after a tick, on open, on close, at exit). A small file is flushed here;
   * a large one is handed to the detached flusher unless only an import is due (a pull), which is
   * done here because this command's reads need it anyway.
   */
  settle(): void {
    if (this.host.inTransaction || !this.host.isOpen) return;
    this.cancelScheduled();
    if (this.role === 'flusher') {
      this.exportOffLock();
      return;
    }
    if (!this.handsOff() || this.fileChanged()) {
      this.flush();
      this.mustSpawn = false; // done here (and our claim released with it)
      return;
    }
    if (!this.mustSpawn) {
      if (!this.exportDue() || flusherAlive(this.host.meta(FLUSHER_KEY))) return;
      // Left over by a killed writer, or the last flusher is gone: claim the job (under the lock).
      this.host.lockedTransaction(() => { if (this.exportDue()) this.claimFlusher(); });
    }
    if (this.mustSpawn) {
      this.mustSpawn = false;
      if (!startFlusher(this.host.beadsDir)) this.flush(); // no flusher script here: do it ourselves
    }
  }

  /** The explicit flush: imports a changed file and writes every pending line now, under the lock. */
  flush(): void {
    if (this.host.inTransaction || !this.host.isOpen) return; // inside a write: its commit schedules the settle
    this.cancelScheduled();
    if (!this.syncNeeded()) return;
    this.didImport = false;
    this.host.lockedTransaction(() => {
      if (this.importIfChanged('warn')) this.exportPending('warn');
    });
    if (this.didImport) this.host.imported();
  }

  /** Imports the JSONL now if it changed on disk since we last wrote or read it (and exports over it); warns once about a bad file. */
  refresh(): void {
    if (this.host.inTransaction) return;
    if (this.fileChanged()) this.flush(); // a pull: import it, and export what the database holds over it (rare: whole-file work either way)
    if (this.badFile && !this.warnedBadFile) {
      this.warnedBadFile = true;
      process.stderr.write(`bd: warning: ${this.badFile.message}; reading the database as last synced (resolve the conflict or fix that line; writes wait until then)\n`);
    }
  }

  /** The store is closing: settle (never throwing: the writes it follows have committed) and forget. */
  close(): void {
    try {
      this.settle();
    } catch (e) {
      warnUnflushed(this.path, e);
    } finally {
      this.cancelScheduled();
      openMirrors.delete(this);
      this.cache = undefined;
    }
  }

  /** The JSONL's signature as last synced, and as it is on disk now. */
  signatures(): { synced: string; disk: string } {
    return { synced: this.synced(), disk: fileSignature(this.path) };
  }

  private cancelScheduled(): void {
    if (this.scheduled) {
      clearImmediate(this.scheduled);
      this.scheduled = undefined;
    }
  }

  private synced(): string {
    return this.host.meta('jsonl_sig') ?? 'missing';
  }

  private fileChanged(): boolean {
    return fileSignature(this.path) !== this.synced();
  }

  private exportDue(): boolean {
    return !!this.host.q('SELECT 1 FROM dirty LIMIT 1').get() || this.host.meta('jsonl_rewrite') !== undefined;
  }

  /** Without the write lock (cheap, runs on every open and flush): is there anything to sync? */
  private syncNeeded(): boolean {
    return this.exportDue() || this.fileChanged();
  }

  /** Is the file big enough that the automatic flush leaves the command's path? (From the synced signature: no stat.) */
  private handsOff(): boolean {
    if (this.role === 'flusher') return false;
    const size = Number(this.synced().split(':')[0]);
    return Number.isFinite(size) && size > inlineLimit();
  }

  /** Inside the write lock: takes the flusher's job unless a live flusher holds it. */
  private claimFlusher(): void {
    if (flusherAlive(this.host.meta(FLUSHER_KEY))) return;
    this.host.setMeta(FLUSHER_KEY, `${process.pid} ${Date.now()}`);
    this.mustSpawn = true;
  }

  // ---- import ----------------------------------------------------------------------------------

  /**
   * Inside the write lock. The JSONL changed underneath us (git pull, checkout, merge): make the
   * database match it. Committed changes not yet exported (a writer killed before its flush, or
   * another process that has not flushed yet) are not dropped: the database wins for exactly those
   * ids and every other issue is taken from the file (planImport). Lines equal to the database's
   * are skipped. Returns false when the file does not parse and `bad` is 'warn' (nothing loaded,
   * nothing to export).
   */
  importIfChanged(bad: OnBadFile): boolean {
    const h = this.host;
    const sig = fileSignature(this.path);
    if (sig === this.synced()) return true;
    if (sig === 'missing') {
      h.setMeta('jsonl_sig', sig);
      this.markRewrite(); // file deleted: write it back from the database
      return true;
    }
    const buf = readIfExists(this.path, 'raw') ?? Buffer.alloc(0);
    const known = new Map((h.q('SELECT line_hash, id FROM issues WHERE line_hash IS NOT NULL').all() as { line_hash: string; id: string }[])
      .map((r) => [r.line_hash, r.id]));
    let records: JsonlRecord[];
    try {
      records = parseJsonlLines(buf.toString('utf8'), this.path, (line) => known.get(lineHash(line)));
      h.admitRecords(records, this.path);
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      if (bad === 'refuse') {
        // No hint to 'bd export' here: it would overwrite the file, losing whatever the file holds that the database does not.
        throw new UserError(`${e.message}: changes are refused until the file is valid`,
          `resolve the conflict or fix that line of ${this.path} (git shows what changed: git diff -- issues.jsonl), then retry`);
      }
      if (bad === 'warn') {
        this.badFile = e; // the command's read warns (once); flushes on open and close stay quiet
        return false;
      }
      h.setMeta('jsonl_sig', sig); // 'overwrite': this version of the file is replaced on purpose
      this.markRewrite();
      return true;
    }
    this.badFile = undefined;
    const dirty = new Set((h.q('SELECT id FROM dirty').all() as { id: string }[]).map((r) => r.id));
    const dbIds = (h.q('SELECT id FROM issues WHERE wisp = 0').all() as { id: string }[]).map((r) => r.id);
    const plan = planImport(records.map((r) => r.id), dbIds, dirty);
    for (const id of plan.remove) h.deleteRows(id);
    let changed = plan.remove.length > 0;
    // Exports patch the file in place, which needs it sorted with one canonical line per issue.
    let canonical = buf.length === 0 || buf[buf.length - 1] === 0x0a;
    let prev: Buffer | undefined;
    for (const { id, line, issue } of records) {
      const key = Buffer.from(id);
      if (prev && Buffer.compare(prev, key) >= 0) canonical = false;
      prev = key;
      if (!issue) continue; // the line we last wrote or read for this issue: unchanged
      const isCanonical = issueToLine(issue) === line;
      if (!isCanonical) canonical = false;
      if (!plan.upsert.has(id)) continue;
      h.upsertRecord(issue, isCanonical ? lineHash(line) : null);
      changed = true;
    }
    if (changed) {
      h.recomputeAllBlocked();
      this.didImport = true;
    }
    h.setMeta('jsonl_sig', sig);
    this.cache = { sig, buf };
    if (!canonical) this.markRewrite();
    return true;
  }

  // ---- export ----------------------------------------------------------------------------------

  /**
   * Inside the write lock: writes the dirty issues' lines into the JSONL (or the whole file), clears
   * them. If the file changed while we built it (a git pull does not take our lock), the rename is
   * abandoned, the new file imported, and the export redone over it.
   */
  private exportPending(bad: OnBadFile): void {
    const h = this.host;
    removeStaleTemps(this.path); // a writer that died between write and rename left its temp file
    for (let attempt = 1; ; attempt++) {
      const ids = (h.q('SELECT id FROM dirty').all() as { id: string }[]).map((r) => r.id);
      const rewrite = h.meta('jsonl_rewrite') !== undefined;
      if (!ids.length && !rewrite) return;
      const built = this.build(rewrite ? undefined : h.linesOf(ids), this.synced());
      let stat: BigIntStats | undefined;
      try {
        stat = writeFileAtomic(this.path, (fd) => writePieces(fd, built.out, built.from), { beforeRename: () => fileSignature(this.path) === this.synced() });
      } finally {
        release(built);
      }
      if (stat) {
        this.written(stat, built);
        h.q('DELETE FROM dirty').run();
        h.q(`DELETE FROM meta WHERE key = 'jsonl_rewrite'`).run();
        if (h.meta(FLUSHER_KEY)?.startsWith(`${process.pid} `)) h.q('DELETE FROM meta WHERE key = ?').run(FLUSHER_KEY); // our claim: nothing left for it
        return;
      }
      if (attempt >= 3) throw new Error(`${this.path} kept changing while it was being written`);
      if (!this.importIfChanged(bad)) return;
    }
  }

  /** The new file's bytes (as pieces to write in order): the changed lines patched into the current file, else every line. */
  private build(changes: Map<string, string | null> | undefined, base: string): Built {
    return (changes && this.patched(base, changes)) ?? wholeFile(this.host.exportLines());
  }

  /**
   * The file now holds `built`: remember its signature, each line's digest, and its bytes when we
   * have them whole or joining them is cheap. A large file's next patch searches the file itself.
   */
  private written(stat: BigIntStats, built: Built): void {
    const sig = statSignature(stat);
    const only = built.out.length === 1 ? built.out[0] : undefined;
    // Joined only if a later patch in this process uses them (a one-shot command never does).
    this.cache = Buffer.isBuffer(only) ? { sig, buf: only }
      : built.from === undefined && Number(stat.size) <= wholeBytes() ? { sig, buf: () => Buffer.concat(built.out as Buffer[]) }
      : undefined;
    this.host.setMeta('jsonl_sig', sig);
    const setHash = this.host.q('UPDATE issues SET line_hash = ? WHERE id = ?');
    for (const [id, line] of built.lines) if (line !== null) setHash.run(lineHash(line), id);
  }

  /**
   * The changes patched into the file as of signature `base` (what the database last synced with),
   * or undefined when it is not that file or cannot be patched (the caller writes it whole). A
   * large file is not read: its searches read a few KB each, and its unchanged stretches are
   * copied from it by position when the new file is written (`from`, open until `release`).
   */
  private patched(base: string, changes: Map<string, string | null>): Built | undefined {
    if (this.cache && this.cache.sig === base) {
      if (typeof this.cache.buf === 'function') this.cache.buf = this.cache.buf();
      const out = patchJsonl(this.cache.buf, changes);
      return out && { out, lines: changes };
    }
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    let built: Built | undefined;
    try {
      const st = fstatSync(fd, { bigint: true }); // of the file we read, whatever is renamed over the path meanwhile
      if (statSignature(st) !== base) return undefined;
      const size = Number(st.size);
      if (size <= wholeBytes()) {
        const out = patchJsonl(readFileSync(fd), changes);
        return out && { out, lines: changes };
      }
      const out = patchLines(fileSource(fd, size), changes);
      built = out && { out, from: fd, lines: changes };
      return built;
    } finally {
      if (!built) closeSync(fd);
    }
  }

  /**
   * The detached flusher's rounds: build the new file from a snapshot WITHOUT the write lock
   * (writers go on meanwhile), then take the lock only to check nothing moved, swap the file in,
   * and clear the ids exported (those dirtied again since the snapshot, by a later generation,
   * stay for the next round). Releases the flusher's claim when nothing is left.
   */
  private exportOffLock(): void {
    const h = this.host;
    removeStaleTemps(this.path);
    for (let round = 0; round < 100; round++) {
      if (round === 0) h.lockedTransaction(() => h.setMeta(FLUSHER_KEY, `${process.pid} ${Date.now()}`)); // the job is ours now
      if (this.fileChanged()) {
        // A pull: import under the lock as any writer would (and export there: it is rare).
        this.flush();
        if (this.fileChanged()) { // it does not parse: writers refuse until it is fixed, bd export overwrites it
          h.lockedTransaction(() => { h.q('DELETE FROM meta WHERE key = ?').run(FLUSHER_KEY); });
          return;
        }
      }
      const snap = h.readSnapshot(() => {
        const rows = h.q('SELECT id FROM dirty').all() as { id: string }[];
        const rewrite = h.meta('jsonl_rewrite');
        return {
          gen: Number(h.meta('dirty_gen') ?? 0), base: this.synced(), rewrite,
          ids: rows.map((r) => r.id),
          // Built inside the snapshot, so every line is of one instant.
          changes: rewrite === undefined ? h.linesOf(rows.map((r) => r.id)) : undefined,
          all: rewrite === undefined ? undefined : h.exportLines(),
        };
      });
      const built = snap.changes && snap.ids.length ? this.patched(snap.base, snap.changes) : snap.all && wholeFile(snap.all);
      if (!built && (snap.ids.length || snap.rewrite !== undefined)) {
        this.flush(); // the file is not sorted/canonical (or is gone): the locked path rewrites it
        continue;
      }
      let again = false;
      try {
        const temp = built && writeTemp(this.path, (fd) => writePieces(fd, built.out, built.from));
        h.lockedTransaction(() => {
          if (temp) {
            if (this.synced() !== snap.base || fileSignature(this.path) !== snap.base) {
              rmSync(temp.path, { force: true }); // a pull or another flusher moved the file: redo
              again = true;
              return;
            }
            renameSync(temp.path, this.path);
            this.written(temp.stat, built!);
            const clear = h.q('DELETE FROM dirty WHERE id = ? AND gen <= ?');
            for (const id of snap.ids) clear.run(id, snap.gen);
            if (snap.rewrite !== undefined && h.meta('jsonl_rewrite') === snap.rewrite) h.q(`DELETE FROM meta WHERE key = 'jsonl_rewrite'`).run();
          }
          again = this.exportDue();
          if (again) h.setMeta(FLUSHER_KEY, `${process.pid} ${Date.now()}`);
          else h.q('DELETE FROM meta WHERE key = ?').run(FLUSHER_KEY);
        });
      } finally {
        // The old file stays open until the lock is released: then the rename under the lock
        // does not free its pages (~25 ms at 46 MB), this close does.
        release(built);
      }
      if (!again) return;
    }
  }
}

/**
 * A new file: its pieces to write in order (ranges are of the old file, open at `from` until
 * `release`), and the lines it changed (all of them for a rewrite).
 */
interface Built { out: FilePiece[]; from?: number; lines: Map<string, string | null> }

function release(built: Built | undefined): void {
  if (built?.from !== undefined) closeSync(built.from);
}

function wholeFile(lines: Map<string, string>): Built {
  return { out: [Buffer.from([...lines.values()].map((l) => l + '\n').join(''), 'utf8')], lines };
}

/** A claim `<pid> <ms>` is alive while its process runs and it was stamped recently. */
function flusherAlive(claim: string | undefined, now = Date.now()): boolean {
  if (!claim) return false;
  const [pid, at] = claim.split(' ').map(Number);
  if (!(pid! > 0) || !(now - at! < FLUSHER_STALE_MS)) return false;
  return pid === process.pid || isAlive(pid!);
}

/**
 * The flusher script beside this module: in the per-file build it is ./flusher.js; the bundled
 * CLI (dist/bin/bd.js and its chunks) finds the per-file build under dist/src.
 */
let flusherScript: string | null | undefined;
function findFlusher(): string | null {
  if (flusherScript !== undefined) return flusherScript;
  const candidates = ['./flusher.js', '../../src/beads/sqlite/flusher.js', '../src/beads/sqlite/flusher.js'];
  flusherScript = null;
  for (const c of candidates) {
    const p = builtin<typeof import('node:url')>('node:url').fileURLToPath(new URL(c, import.meta.url)); // node:url only here: it costs every command under Bun
    if (existsSync(p)) { flusherScript = p; break; }
  }
  return flusherScript;
}

/** Starts the detached flusher for a `.beads` directory; false if it cannot be started here. */
function startFlusher(beadsDir: string): boolean {
  // The compiled CLI carries the flusher inside (src/cli/native.ts); a script runtime runs its file.
  const script = compiled ? 'flusher' : findFlusher();
  if (!script) return false;
  try {
    // Its output (only ever a failure) goes beside the database, under the .gitignore's beads.db-*.
    spawnDetached(process.execPath, [script, beadsDir], { logFile: join(beadsDir, 'beads.db-flusher.log') });
    return true;
  } catch {
    return false; // the claim goes stale; this command flushes itself
  }
}

/** Every open mirror of this process, settled by one exit hook (better-sqlite3 is synchronous, so it can). */
const openMirrors = new Set<JsonlMirror>();
let exitHookInstalled = false;

function settleOpenMirrors(): void {
  for (const m of openMirrors) {
    try {
      m.settle();
    } catch (e) {
      warnUnflushed(m.jsonlPath, e);
    }
  }
}

export function warnUnflushed(path: string, e: unknown): void {
  process.stderr.write(`bd: warning: ${path} not updated yet (${(e as Error).message}); the next bd command writes it\n`);
}
