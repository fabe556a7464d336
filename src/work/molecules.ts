// Molecules in a town: formulas found in the town's `formulas/` (after any directory the caller
// names, before the built-in ones), poured into a rig's beads (or HQ's), and a poured molecule's
// status, squash and burn, found by its id's prefix. The formula and bead logic is molecules/.
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { UserError } from '../lib/errors.js';
import type { Issue, Status } from '../beads/model.js';
import { cook, type Proto } from '../molecules/cook.js';
import { listProtos, protoOf, PROTO_LABEL, saveProto } from '../molecules/proto.js';
import type { Formula } from '../molecules/formula.js';
import { listFormulaNames, listFormulas, loadComposed, type FormulaEntry } from '../molecules/library.js';
import { readMolecule } from '../molecules/molecule.js';
import { moleculeProgress, type MoleculeProgress } from '../molecules/progress.js';
import { pour, type PouredStep } from '../molecules/pour.js';
import { squash, type Squashed } from '../molecules/squash.js';
import { burn, type Burned } from '../molecules/burn.js';
import { checkGates, humanGatesWaiting, isForeignBead, markNotified, resolveGate, type GateCheck, type WaitingOnPerson } from '../molecules/gates.js';
import { run } from '../lib/proc.js';
import { listRigs, loadRig, type Rig } from '../town/rig.js';
import { HQ_PREFIX, TOWN_ENTRIES, type Town } from '../town/town.js';

export const FORMULAS_DIR = TOWN_ENTRIES.formulas;

/** The directories searched for `<name>.formula.toml`: the caller's (in order), then the town's. */
export function formulaSearchPath(town: Town, dirs: string[] = [], cwd = process.cwd()): string[] {
  const extra = dirs.map((d) => resolve(cwd, d));
  for (const d of extra) {
    if (!existsSync(d) || !statSync(d).isDirectory()) throw new UserError(`formula directory not found: ${d}`);
  }
  return [...extra, join(town.root, FORMULAS_DIR)];
}

export function townFormulas(town: Town, dirs?: string[]): FormulaEntry[] {
  return listFormulas(formulaSearchPath(town, dirs));
}

/** The formula with extends/compose applied (what a pour makes). */
export function townFormula(town: Town, name: string, dirs?: string[]): Formula {
  return loadComposed(name, formulaSearchPath(town, dirs));
}

/** The rig whose directory holds cwd (`<town>/<rig>/...`), if any. */
export function rigOfCwd(town: Town, cwd = process.cwd()): Rig | undefined {
  const rel = relative(town.root, resolve(cwd));
  if (!rel || rel.startsWith('..') || isAbsolute(rel)) return undefined;
  const first = rel.split(sep)[0];
  return listRigs(town).find((r) => r.name === first);
}

export interface PourOptions {
  /** A rig name, or `hq`; default: the rig of the cwd, else HQ. */
  rig?: string;
  vars?: Record<string, string>;
  /** A convoy formula's preset: pour only the legs it lists. */
  preset?: string;
  /** Pour as a wisp (ephemeral: never exported). */
  wisp?: boolean;
  dirs?: string[];
  actor: string;
  cwd?: string;
}

export interface PourResult {
  /** The rig poured into, or `hq`. */
  rig: string;
  formula: string;
  wisp: boolean;
  root: Issue;
  /** The step beads' ids with their formula step ids, in step order. */
  steps: PouredStep[];
}

/**
 * Cooks the formula (every problem found before any bead is made), then pours it in one
 * transaction. `name` may also be a protomolecule's id (`gt formula cook`): its frozen proto is poured.
 */
export async function pourFormula(town: Town, name: string, opts: PourOptions): Promise<PourResult> {
  const cwd = opts.cwd ?? process.cwd();
  const stored = await storedProto(town, name, opts.vars);
  if (stored && opts.preset !== undefined) throw new UserError(`${name} is a protomolecule: its legs were chosen when it was cooked`, 'cook another one with --preset');
  const proto = stored ?? cook(townFormula(town, name, opts.dirs), opts.vars ?? {}, { preset: opts.preset });
  const rig = opts.rig === undefined ? rigOfCwd(town, cwd) : opts.rig === HQ_PREFIX ? undefined : loadRig(town, opts.rig);
  const store = rig ? await town.stores.rig(rig) : await town.stores.hq();
  await checkForeignBeadGates(town, proto, store.prefix);
  const { root, steps } = await pour(store, proto, { actor: opts.actor, ephemeral: opts.wisp });
  return { rig: rig?.name ?? HQ_PREFIX, formula: proto.formula, wisp: !!opts.wisp, root, steps };
}

export async function moleculeStatus(town: Town, id: string): Promise<MoleculeProgress> {
  const store = await town.stores.forBead(id);
  const { root, steps, gates } = await readMolecule(store, id);
  const known = new Map<string, Status>([...steps, ...gates].map((s) => [s.id, s.status]));
  // The progress rule is pure and synchronous: a first pass names the beads outside the molecule
  // it asks about, they are read, and the second pass answers with them.
  const asked = new Set<string>();
  moleculeProgress(root, steps, (dep) => known.get(dep) ?? void asked.add(dep), gates);
  for (const dep of asked) {
    const status = (await store.getExact(dep))?.status;
    if (status) known.set(dep, status);
  }
  return moleculeProgress(root, steps, (dep) => known.get(dep), gates);
}

export async function squashMolecule(town: Town, id: string, opts: { summary?: string; actor: string }): Promise<Squashed> {
  return squash(await town.stores.forBead(id), id, opts);
}

export async function burnMolecule(town: Town, id: string, actor: string): Promise<Burned> {
  return burn(await town.stores.forBead(id), id, actor);
}

/** Opens a gate by hand: `gt gate approve` (a human gate) or `bd gate resolve`. */
export async function approveGate(town: Town, id: string, actor: string, reason?: string): Promise<Issue> {
  return resolveGate(await town.stores.forBead(id), id, actor, reason);
}

/**
 * The deacon's gate pass over HQ and every rig: due timers open, due command checks run (in the
 * rig's directory) with back-off. One line in the deacon's loop calls it.
 */
export async function checkTownGates(town: Town, actor: string, now = Date.now()): Promise<(GateCheck & { rig: string })[]> {
  const places = [{ name: HQ_PREFIX, dir: town.root, store: await town.stores.hq() }];
  for (const r of listRigs(town)) places.push({ name: r.name, dir: r.root, store: await town.stores.rig(r) });
  const out: (GateCheck & { rig: string })[] = [];
  const beadStatus = (id: string) => townBeadStatus(town, id);
  for (const p of places) {
    const done = await checkGates(p.store, now, actor, {
      beadStatus,
      run: async (command) => {
        const r = await run('sh', ['-c', command], { cwd: p.dir, timeoutMs: 120_000, maxOutput: 64_000 });
        return { code: r.code, output: `${r.stdout}${r.stderr}` };
      },
    });
    out.push(...done.map((d) => ({ ...d, rig: p.name })));
    for (const w of await humanGatesWaiting(p.store, beadStatus)) {
      try {
        const mail = await mailOverseer(town, w, p.name, actor);
        await markNotified(p.store, w.gate.id, new Date(now), actor);
        out.push({ id: w.gate.id, type: 'human', action: 'notified', detail: `overseer mailed (${mail})`, rig: p.name });
      } catch (e) {
        out.push({ id: w.gate.id, type: 'human', action: 'failed', detail: `could not mail the overseer: ${(e as Error).message}`, rig: p.name });
      }
    }
  }
  return out;
}

/** A bead's status wherever in the town it lives; undefined when no store of the town has it. */
async function townBeadStatus(town: Town, id: string): Promise<Status | undefined> {
  try {
    return (await (await town.stores.forBead(id)).getExact(id))?.status;
  } catch {
    return undefined; // no store of this town has that prefix
  }
}

export const OVERSEER = 'overseer';
/** The label on the overseer's mail about a gate: at most one such message per gate. */
export const gateMailLabel = (gateId: string) => `gate-open:${gateId}`;

/**
 * Tells the overseer that a step now waits on them (once per gate: the check for an earlier
 * message and the sending are one HQ transaction). Returns the message id.
 */
async function mailOverseer(town: Town, w: WaitingOnPerson, rig: string, actor: string): Promise<string> {
  const { sendMail, MESSAGE_TYPE } = await import('./mail.js');
  const label = gateMailLabel(w.gate.id);
  return (await town.stores.hq()).transaction(async (hq) => {
    const sent = (await hq.list({ type: MESSAGE_TYPE, label }))[0];
    if (sent) return sent.id;
    const what = w.gate.title.replace(/^Gate \(human\): /, '');
    const m = await sendMail(town, {
      from: actor,
      to: OVERSEER,
      subject: `Waiting for you: ${w.step.title}`.slice(0, 200),
      body: [
        `Step ${w.step.id} "${w.step.title}" (${rig}) is ready except for you: ${what}.`,
        '',
        `Approve it with: gt gate approve ${w.gate.id}`,
        `See the molecule: gt mol status ${w.gate.id.slice(0, w.gate.id.lastIndexOf('.'))}`,
      ].join('\n'),
      labels: [label],
    }, actor, hq);
    return m.id;
  });
}

/** A bead gate on a bead of another store must name one that exists (a pour checks before it makes anything). */
async function checkForeignBeadGates(town: Town, proto: Proto, prefix: string): Promise<void> {
  for (const s of proto.steps) {
    const bead = s.gate?.type === 'bead' ? s.gate.bead! : undefined;
    if (bead && isForeignBead(bead, prefix) && !(await townBeadStatus(town, bead))) {
      throw new UserError(`step "${s.id}" waits for bead ${bead}, which no store of this town has`, 'name an existing bead (bd show <id>), in this rig, another rig or HQ');
    }
  }
}

/** A proto bead's proto when `name` is a proto id (and no formula is named so), else undefined. */
async function storedProto(town: Town, name: string, vars: Record<string, string> | undefined): Promise<Proto | undefined> {
  if (!/^[A-Za-z][\w]*-[a-z0-9]+$/.test(name)) return undefined;
  let store;
  try {
    store = await town.stores.forBead(name);
  } catch {
    return undefined; // not a prefix of this town: a formula name after all
  }
  const bead = await store.getExact(name);
  if (!bead || !bead.labels.includes(PROTO_LABEL)) return undefined;
  if (vars && Object.keys(vars).length) throw new UserError(`${bead.id} is a protomolecule: its variables were fixed when it was cooked`, 'cook another one with the values you want');
  return protoOf(bead);
}

/** gt formula cook: composes and cooks a formula and freezes it as a proto bead (rig or HQ). */
export async function cookProto(town: Town, name: string, opts: Omit<PourOptions, 'wisp'>): Promise<{ rig: string; proto: Issue; steps: number }> {
  const proto = cook(townFormula(town, name, opts.dirs), opts.vars ?? {}, { preset: opts.preset });
  const rig = opts.rig === undefined ? rigOfCwd(town, opts.cwd ?? process.cwd()) : opts.rig === HQ_PREFIX ? undefined : loadRig(town, opts.rig);
  const store = rig ? await town.stores.rig(rig) : await town.stores.hq();
  return { rig: rig?.name ?? HQ_PREFIX, proto: await saveProto(store, proto, opts.actor), steps: proto.steps.length };
}

/** Every protomolecule in HQ and the rigs. */
export async function townProtos(town: Town): Promise<{ rig: string; id: string; formula: string; title: string; steps: number }[]> {
  const places = [{ name: HQ_PREFIX, store: await town.stores.hq() }];
  for (const r of listRigs(town)) places.push({ name: r.name, store: await town.stores.rig(r) });
  const found = await Promise.all(places.map(async (p) => ({ p, protos: await listProtos(p.store) })));
  return found.flatMap(({ p, protos }) => protos.map((b) => ({ rig: p.name, id: b.id, formula: String(b.fields.formula), title: b.title, steps: protoOf(b).steps.length })));
}

/**
 * Does `name` name something to pour (a formula file in the search path, or a protomolecule) rather
 * than a bead? `gt sling` asks, to tell `gt sling <formula> <rig>` from `gt sling <bead> <rig>`;
 * a bead of exactly that id wins.
 */
export async function isPourable(town: Town, name: string, dirs?: string[]): Promise<boolean> {
  if (await storedProto(town, name, undefined)) return true;
  if (!listFormulaNames(formulaSearchPath(town, dirs)).includes(name)) return false;
  try {
    return !(await (await town.stores.forBead(name)).getExact(name));
  } catch {
    return true; // not a bead prefix of this town
  }
}
