// Fuzzing the two parsers that read what people and other tools write: the JSONL importer (random
// bytes, random JSON, and mutated lines of the real Beads export) and the formula parser (real Gas
// Town formulas mutated in their text, and in their structure and then composed, cooked and
// poured into a real store). Properties: never a crash or an internal error; a refused import leaves
// the store exactly as it was; what is accepted exports to a file that imports again; every
// refusal is one line. The seed is in the test names: FUZZ_SEED=<n> reruns a failure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bd, tempDir, testEnv } from './support/cli.js';
import { sharedData, skipUnlessShared } from './support/shared-data.js';
import { openSqliteStore, type SqliteStore } from '../src/beads/sqlite/store.js';
import { jsonlProblem } from '../src/beads/jsonl.js';
import { parseFormula } from '../src/molecules/formula.js';
import { composeFormula } from '../src/molecules/compose.js';
import { cook } from '../src/molecules/cook.js';
import { pour } from '../src/molecules/pour.js';
import { parse as parseToml, stringify as stringifyToml } from 'smol-toml';
import { UserError } from '../src/lib/errors.js';

const exportFile = sharedData('beads-export.jsonl') ?? '';
const formulaDir = sharedData('gastown-formulas') ?? '';
const skip = skipUnlessShared('beads-export.jsonl') || skipUnlessShared('gastown-formulas');
const SEED = Number(process.env.FUZZ_SEED ?? 20261130);

/** mulberry32: small, seedable, good enough to pick mutations. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  return { next, int, pick };
}
type Rng = ReturnType<typeof rng>;

const ODD_VALUES: unknown[] = [null, '', ' ', 99, -1, 1.5, 0, 4, true, [], {}, [1, 'x'], '../etc/passwd', 'has space', 'in_review',
  'x'.repeat(600), '\u2028', '<>&', '\u0000', 'bd-', 'closed', 'tombstone', { depends_on_id: 'bd-a' }];

function randomString(r: Rng, max = 20): string {
  let s = '';
  for (let i = r.int(max); i > 0; i--) s += String.fromCharCode(r.pick([32 + r.int(95), r.int(0x3000), 10, 34, 92, 123, 125]));
  return s;
}

function randomJson(r: Rng, depth = 0): unknown {
  switch (r.int(depth > 2 ? 4 : 6)) {
    case 0: return r.pick(ODD_VALUES);
    case 1: return randomString(r);
    case 2: return r.int(1000) - 500;
    case 3: return r.next() < 0.5;
    case 4: return Array.from({ length: r.int(4) }, () => randomJson(r, depth + 1));
    default: return Object.fromEntries(Array.from({ length: r.int(5) }, () => [r.pick(['id', 'title', 'status', 'priority', 'issue_type', 'dependencies', 'labels', 'comments', randomString(r, 6)]), randomJson(r, depth + 1)]));
  }
}

/** One edit of a text at the character level. */
function mutateText(r: Rng, s: string): string {
  const at = r.int(s.length + 1);
  switch (r.int(6)) {
    case 0: return s.slice(0, at); // truncated
    case 1: return s.slice(0, at) + s.slice(at + 1 + r.int(8)); // a few characters gone
    case 2: return s.slice(0, at) + randomString(r, 4) + s.slice(at); // noise inserted
    case 3: return s.slice(0, at) + s.slice(at, at + r.int(40)) + s.slice(at); // a piece repeated
    case 4: { const lines = s.split('\n'); const i = r.int(lines.length); lines.splice(i, 1); return lines.join('\n'); } // a line gone
    default: { const lines = s.split('\n'); const i = r.int(lines.length), j = r.int(lines.length); [lines[i], lines[j]] = [lines[j]!, lines[i]!]; return lines.join('\n'); }
  }
}

/** One edit of a real JSONL record at the field level (or the text level). */
function mutateLine(r: Rng, line: string): string {
  if (r.next() < 0.35) return mutateText(r, line);
  const o = JSON.parse(line) as Record<string, unknown>;
  const key = r.pick([...Object.keys(o), 'id', 'status', 'priority', 'title', 'dependencies', 'labels', 'comments']);
  if (r.next() < 0.2) delete o[key];
  else if (key === 'dependencies' && r.next() < 0.5) o.dependencies = [{ issue_id: o.id, depends_on_id: r.pick([o.id, 'bd-zz', '', 'a b']), type: r.pick(['blocks', 'related', 'no such', '']) }];
  else o[key] = r.next() < 0.6 ? r.pick(ODD_VALUES) : randomJson(r);
  return JSON.stringify(o);
}

/** A whole input file for one import: a handful of real lines, some mutated, sometimes junk. */
function fuzzFile(r: Rng, real: string[]): string {
  const kind = r.int(10);
  if (kind === 0) return Buffer.from(Array.from({ length: r.int(300) }, () => r.int(256))).toString('latin1'); // random bytes
  if (kind === 1) return Array.from({ length: 1 + r.int(3) }, () => JSON.stringify(randomJson(r))).join('\n');
  const lines = Array.from({ length: 1 + r.int(4) }, () => r.pick(real));
  const i = r.int(lines.length);
  lines[i] = mutateLine(r, lines[i]!);
  if (kind === 2) lines.push(lines[0]!); // a duplicate id
  if (kind === 3) lines.splice(r.int(lines.length), 0, r.pick(['<<<<<<< HEAD', '=======', '>>>>>>> theirs']));
  return lines.join('\n') + (r.next() < 0.8 ? '\n' : '');
}

/** Everything a refused import must leave alone. */
async function snapshot(s: SqliteStore): Promise<string> {
  return (await s.exportText()) + JSON.stringify(await s.stats()) + JSON.stringify(await s.config()) + (await s.allEdges()).length;
}

function assertOneLine(e: unknown, what: string): void {
  if (!(e instanceof UserError)) throw new assert.AssertionError({ message: `${what}: not a user error: ${(e as Error)?.stack ?? e}` });
  const line = `${e.message}${e.hint ? ` (${e.hint})` : ''}`;
  assert.ok(!/[\n\r]/.test(line), `${what}: more than one line: ${JSON.stringify(line)}`);
  assert.ok(line.length < 600, `${what}: an overlong message (${line.length} characters): ${line.slice(0, 300)}`);
}

test(`fuzz: the JSONL importer (seed ${SEED}): never a crash, a refused import changes nothing, what is accepted imports again`, { skip }, async () => {
  const real = readFileSync(exportFile, 'utf8').trim().split('\n');
  const r = rng(SEED);
  const { dir, cleanup } = tempDir('beads-fuzz-');
  const stderr = process.stderr.write;
  process.stderr.write = (() => true) as typeof process.stderr.write; // registered custom statuses are announced; quiet here
  try {
    const s = await openSqliteStore(join(dir, '.beads'), { create: true, prefix: 'bd' });
    try {
      await s.importText(real.slice(0, 60).join('\n') + '\n', 'seed', 'fuzz');
      let refused = 0;
      for (let i = 0; i < 400; i++) {
        const text = fuzzFile(r, real);
        const what = `iteration ${i} (seed ${SEED})`;
        const before = await snapshot(s);
        try {
          await s.importText(text, 'fuzz.jsonl', 'fuzz');
        } catch (e) {
          assertOneLine(e, what);
          assert.equal(await snapshot(s), before, `${what}: a refused import changed the store`);
          refused++;
          continue;
        }
        const problem = jsonlProblem(await s.exportText(), 'export', await s.statuses());
        assert.equal(problem, undefined, `${what}: the export of what was accepted does not import: ${problem}`);
      }
      assert.ok(refused > 100 && refused < 400, `the mutations exercise both outcomes (${refused} of 400 refused)`);

      // The same inputs arriving by git (written over issues.jsonl): a write is refused or goes through, never half.
      for (let i = 0; i < 60; i++) {
        const what = `git arrival ${i} (seed ${SEED})`;
        await s.exportAll();
        const before = await snapshot(s);
        writeFileSync(s.jsonlPath, fuzzFile(r, real));
        try {
          await s.create({ title: `write ${i}` }, 'fuzz');
        } catch (e) {
          assertOneLine(e, what);
          assert.equal(await snapshot(s), before, `${what}: a refused write changed the store`);
        }
      }
    } finally {
      await s.close();
    }
  } finally {
    process.stderr.write = stderr;
    cleanup();
  }
});

test(`fuzz: bd import through the CLI (seed ${SEED}): exit 0 or 1, one line on stderr, never "internal error"`, { skip }, () => {
  const real = readFileSync(exportFile, 'utf8').trim().split('\n');
  const r = rng(SEED + 1);
  const { dir, cleanup } = tempDir('beads-fuzz-cli-');
  try {
    const env = testEnv({ BD_ACTOR: 'fuzz' });
    assert.equal(bd(['init', '--prefix', 'bd'], { cwd: dir, env }).code, 0);
    for (let i = 0; i < 12; i++) {
      writeFileSync(join(dir, 'in.jsonl'), fuzzFile(r, real));
      const before = readFileSync(join(dir, '.beads', 'issues.jsonl'), 'utf8');
      const res = bd(['import', 'in.jsonl'], { cwd: dir, env });
      const what = `bd import, iteration ${i} (seed ${SEED + 1}): ${res.stderr}`;
      assert.ok(res.code === 0 || res.code === 1, what);
      assert.doesNotMatch(res.stderr, /internal error/, what);
      if (res.code === 1) {
        assert.equal(res.stderr.trim().split('\n').length, 1, what);
        assert.equal(readFileSync(join(dir, '.beads', 'issues.jsonl'), 'utf8'), before, what);
      }
    }
  } finally {
    cleanup();
  }
});

test(`fuzz: the formula parser on mutated Gas Town formulas (seed ${SEED}): a formula or one line, never a crash`, { skip }, () => {
  const files = readdirSync(formulaDir).filter((f) => f.endsWith('.formula.toml')).map((f) => ({ f, text: readFileSync(join(formulaDir, f), 'utf8') }));
  const r = rng(SEED + 2);
  for (let i = 0; i < 1500; i++) {
    const { f, text } = r.pick(files);
    let t = text;
    for (let k = 1 + r.int(3); k > 0; k--) t = mutateText(r, t);
    try {
      parseFormula(t, f);
    } catch (e) {
      assertOneLine(e, `${f}, iteration ${i} (seed ${SEED + 2})`);
    }
  }
});

/** One edit of a parsed TOML document: a value somewhere in it replaced, a key removed or added. */
function mutateToml(r: Rng, doc: Record<string, unknown>): void {
  // Walk down to a random table or array, then change one of its entries.
  let node: any = doc;
  for (let depth = 0; depth < 4; depth++) {
    const keys = Object.keys(node);
    if (!keys.length || r.next() < 0.3) break;
    const child = node[r.pick(keys)];
    if (child === null || typeof child !== 'object') break;
    node = child;
  }
  const keys = Object.keys(node);
  const key = Array.isArray(node) ? String(r.int(node.length + 1)) : r.pick([...keys, 'needs', 'id', 'type', 'vars', 'steps', 'extends', 'compose', 'gate', 'children', 'legs', 'synthesis', 'title', 'formula']);
  if (r.next() < 0.2 && !Array.isArray(node)) delete node[key];
  else node[key] = r.next() < 0.5 ? r.pick(TOML_ODD) : r.next() < 0.5 ? randomString(r) : (node[r.pick(keys.length ? keys : [key])] ?? 1);
}

// What TOML can hold (no null): odd scalars, empty and mixed arrays and tables, self-references.
const TOML_ODD: unknown[] = ['', ' ', 99, -1, 1.5, 0, true, [], {}, [1, 'x'], ['a', 'a'], '../etc/passwd', 'has space', '{{x}}', '{{', 'x'.repeat(600),
  '\u2028', 'parallel', 'convoy', 'aspect', 'expansion', 'workflow', 'human', 'timer', [{ id: 'a', needs: ['a'] }], { type: 'timer', after: 'soon' }];

test(`fuzz: formulas mutated in their structure (seed ${SEED}), then composed, cooked and poured: a molecule or one line, never a crash, never half a molecule`, { skip }, async () => {
  const files = readdirSync(formulaDir).filter((f) => f.endsWith('.formula.toml')).map((f) => ({ f, text: readFileSync(join(formulaDir, f), 'utf8') }));
  const originals = new Map(files.map(({ f, text }) => [f.slice(0, -'.formula.toml'.length), text]));
  const r = rng(SEED + 3);
  let cooked = 0;
  const { dir, cleanup } = tempDir('formula-fuzz-');
  const store = await openSqliteStore(join(dir, '.beads'), { create: true, prefix: 'ff' });
  try {
    for (let i = 0; i < 1500; i++) {
      const { f } = r.pick(files);
      const doc = parseToml(originals.get(f.slice(0, -'.formula.toml'.length))!) as Record<string, unknown>;
      for (let k = 1 + r.int(3); k > 0; k--) mutateToml(r, doc);
      let text: string;
      try {
        text = stringifyToml(doc);
      } catch {
        continue; // a mutation TOML cannot write (a mixed array in an old writer): not an input
      }
      const what = `${f}, iteration ${i} (seed ${SEED + 3})`;
      try {
        const parsed = parseFormula(text, f);
        // Composition loads the other formulas as they are; the mutated one may name any of them.
        const composed = composeFormula(parsed, (name) => parseFormula(originals.get(name) ?? (() => { throw new UserError(`no formula ${name}`); })(), `${name}.formula.toml`));
        const proto = cook(composed, Object.fromEntries(composed.vars.map((v) => [v.name, 'x'])));
        cooked++;
        const before = await snapshot(store);
        try {
          await pour(store, proto, { actor: 'fuzz' });
        } catch (e) {
          assertOneLine(e, `${what}, pouring`);
          assert.equal(await snapshot(store), before, `${what}: a refused pour changed the store`);
        }
      } catch (e) {
        assertOneLine(e, what);
      }
    }
  } finally {
    await store.close();
    cleanup();
  }
  assert.ok(cooked > 50, `some mutations still cook (${cooked} of 1500)`);
});
