// gt formula list|show, gt mol pour|wisp|status|squash|burn.
import type { Command } from 'commander';
import { output } from '../output.js';
import { collect, currentTown, me } from './context.js';
import type { Formula } from '../../molecules/formula.js';
import type { MoleculeProgress } from '../../molecules/progress.js';
import type { PourResult } from '../../work/molecules.js';

const DIR_HELP = 'also look for <name>.formula.toml here (repeatable; searched before the town\'s formulas/)';

function renderFormula(f: Formula): string {
  const lines = [`${f.name}${f.version !== undefined ? ` v${f.version}` : ''} ${f.type} (${f.source})`];
  if (f.description) lines.push(f.description);
  if (f.vars.length) {
    lines.push('', 'Variables:');
    for (const v of f.vars) lines.push(`  ${v.name.padEnd(14)} ${v.required ? 'required' : `default "${v.default ?? ''}"`}${v.description ? `  ${v.description}` : ''}`);
  }
  lines.push('', 'Steps:');
  f.steps.forEach((s, i) => {
    const notes = [
      s.needs.length ? `needs ${s.needs.join(', ')}` : '',
      s.leg ? 'leg' : '',
      s.gate ? `${s.gate.type} gate` : '',
      s.condition ? `if ${s.condition}` : '',
      s.forEach ? `for each of ${s.forEach}` : '',
    ].filter(Boolean);
    lines.push(`  ${String(i + 1).padStart(2)}. ${s.id.padEnd(14)} ${s.title}${notes.length ? `  (${notes.join('; ')})` : ''}`);
  });
  return lines.join('\n');
}

function renderProgress(p: MoleculeProgress): string {
  const head = `${p.root} ${p.title} [${p.status}${p.wisp ? ', wisp' : ''}] ${p.done}/${p.total} steps done`;
  const width = Math.max(0, ...p.steps.map((s) => s.id.length));
  const rows = p.steps.map((s) => {
    const mark = s.status === 'closed' ? '[x]' : s.current ? '[>]' : '[ ]';
    const gate = s.gate && !s.gate.open && s.status !== 'closed' ? `  (waits for ${s.gate.type} gate ${s.gate.id ?? ''}${s.gate.title ? `: ${s.gate.title.replace(/^Gate \([a-z]+\): /, '')}` : ''})` : '';
    const why = s.status === 'closed' ? '' : gate || (s.current ? '  <- current' : s.blockedBy.length ? `  (waits for ${s.blockedBy.join(', ')})` : s.status === 'open' ? '' : `  (${s.status})`);
    return `  ${mark} ${s.id.padEnd(width)}  ${s.title}${why}`;
  });
  return [head, ...rows].join('\n');
}

function renderPoured(d: PourResult): string {
  return `Poured ${d.wisp ? 'wisp' : 'molecule'} ${d.root.id}: ${d.root.title} (${d.steps.length} steps) in ${d.rig}`;
}

export function register(program: Command): void {
  const formula = program.command('formula').description('formulas: TOML workflow templates (<town>/formulas/<name>.formula.toml, and built-in ones)');
  formula
    .command('list')
    .description('list the formulas this town can pour (--protos: the protomolecules cooked from them)')
    .option('--dir <dir>', DIR_HELP, collect, [])
    .option('--protos', 'list protomolecules (gt formula cook) instead')
    .option('--json', 'print JSON')
    .action(async (o: { dir: string[]; protos?: boolean; json?: boolean }) => {
      const town = await currentTown();
      const { townFormulas, townProtos } = await import('../../work/molecules.js');
      if (o.protos) {
        output(o.json, await townProtos(town), (d) => d.map((p) => `${p.id.padEnd(14)} ${p.rig.padEnd(10)} ${String(p.steps).padStart(3)} steps  ${p.title}`).join('\n') || 'no protomolecules');
        return;
      }
      output(o.json, townFormulas(town, o.dir), (d) =>
        d.map((e) => `${e.name.padEnd(20)} ${e.formula ? `${String(e.formula.steps.length).padStart(2)} steps  ${e.formula.description ?? ''}` : `BROKEN: ${e.error}`}`).join('\n'));
    });
  formula
    .command('show <name>')
    .description('a formula\'s variables and steps (with what each step needs)')
    .option('--dir <dir>', DIR_HELP, collect, [])
    .option('--json', 'print JSON')
    .action(async (name: string, o: { dir: string[]; json?: boolean }) => {
      const town = await currentTown();
      const { townFormula } = await import('../../work/molecules.js');
      output(o.json, townFormula(town, name, o.dir), renderFormula);
    });

  formula
    .command('cook <name>')
    .description('freeze a formula (composed, with these variables) into a protomolecule in the tracker; pour it later with gt mol pour <proto-id>')
    .option('--rig <rig>', 'the rig whose beads hold it, or hq (default: the rig of the current directory, else hq)')
    .option('--var <name=value>', 'a formula variable (repeatable)', collect, [])
    .option('--dir <dir>', DIR_HELP, collect, [])
    .option('--preset <name>', "a convoy formula's preset: pour only the legs it lists")
    .option('--json', 'print JSON')
    .action(async (name: string, o: { rig?: string; var: string[]; dir: string[]; preset?: string; json?: boolean }) => {
      const { parseVarArgs } = await import('../../molecules/cook.js');
      const vars = parseVarArgs(o.var);
      const town = await currentTown();
      const { cookProto } = await import('../../work/molecules.js');
      output(o.json, await cookProto(town, name, { rig: o.rig, vars, preset: o.preset, dirs: o.dir, actor: await me(town) }), (d) => `Cooked ${d.proto.id}: ${d.proto.title} (${d.steps} steps) in ${d.rig}`);
    });
  const mol = program.command('mol').description('molecules: formulas poured as real beads (one child bead per step, worked in order)');
  const pourCommand = (name: 'pour' | 'wisp', description: string) =>
    mol
      .command(`${name} <formula>`)
      .description(description)
      .option('--rig <rig>', 'the rig whose beads hold it, or hq (default: the rig of the current directory, else hq)')
      .option('--var <name=value>', 'a formula variable (repeatable)', collect, [])
      .option('--dir <dir>', DIR_HELP, collect, [])
      .option('--preset <name>', "a convoy formula's preset: pour only the legs it lists")
      .option('--json', 'print JSON')
      .action(async (formulaName: string, o: { rig?: string; var: string[]; dir: string[]; preset?: string; json?: boolean }) => {
        const { parseVarArgs } = await import('../../molecules/cook.js');
        const vars = parseVarArgs(o.var);
        const town = await currentTown();
        const { pourFormula } = await import('../../work/molecules.js');
        const r = await pourFormula(town, formulaName, { rig: o.rig, vars, preset: o.preset, dirs: o.dir, wisp: name === 'wisp', actor: await me(town) });
        output(o.json, r, renderPoured);
      });
  pourCommand('pour', 'pour a formula as a molecule: a root bead plus one step bead each, exported like any bead; prints the root id (sling it to have it worked)');
  pourCommand('wisp', 'pour a formula as a wisp: an ephemeral molecule, never exported; squash or burn it at the end');

  mol
    .command('status <root>')
    .description('a molecule\'s steps with their state, the current step and progress')
    .option('--json', 'print JSON')
    .action(async (id: string, o: { json?: boolean }) => {
      const town = await currentTown();
      const { moleculeStatus } = await import('../../work/molecules.js');
      output(o.json, await moleculeStatus(town, id), renderProgress);
    });
  mol
    .command('squash <root>')
    .description('finish a molecule: close its open steps and the root with a summary; a wisp leaves one exported digest bead and is deleted')
    .option('-m, --message <summary>', 'the summary (close reason)')
    .option('--json', 'print JSON')
    .action(async (id: string, o: { message?: string; json?: boolean }) => {
      const town = await currentTown();
      const { squashMolecule } = await import('../../work/molecules.js');
      const r = await squashMolecule(town, id, { summary: o.message, actor: await me(town) });
      output(o.json, r, (d) =>
        d.already
          ? `${d.root} was already squashed${d.digest ? ` (digest ${d.digest})` : ''}`
          : d.digest
            ? `Squashed wisp ${d.root} into digest ${d.digest} (${d.deleted.length} wisp bead(s) deleted) — ${d.summary}`
            : `Squashed ${d.root}: closed ${d.closed.length} bead(s) — ${d.summary}`);
    });
  mol
    .command('burn <root>')
    .description('throw a wisp away: delete its beads without a trace (poured molecules are squashed instead)')
    .option('--json', 'print JSON')
    .action(async (id: string, o: { json?: boolean }) => {
      const town = await currentTown();
      const { burnMolecule } = await import('../../work/molecules.js');
      output(o.json, await burnMolecule(town, id, await me(town)), (d) => `Burned ${d.root} (${d.deleted.length} bead(s) deleted)`);
    });

  const gate = program.command('gate').description('molecule gates: steps that wait for a person, a timer, a bead or a command');
  gate
    .command('approve <id>')
    .description('open a gate (a human gate\'s approval; the id is in gt mol status); the step it held back becomes ready')
    .option('-r, --reason <text>', 'why it opens')
    .option('--json', 'print JSON')
    .action(async (id: string, o: { reason?: string; json?: boolean }) => {
      const town = await currentTown();
      const { approveGate } = await import('../../work/molecules.js');
      output(o.json, await approveGate(town, id, await me(town), o.reason), (g) => `Gate ${g.id} open: ${g.close_reason ?? ''}`);
    });
  gate
    .command('check')
    .description('open due timer gates and run due command checks once, in every rig (the deacon does this on each patrol)')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const town = await currentTown();
      const { checkTownGates } = await import('../../work/molecules.js');
      output(o.json, await checkTownGates(town, await me(town)), (d) =>
        d.length ? d.map((x) => `${x.rig} ${x.id} ${x.type} gate ${x.action}: ${x.detail.split('\n').pop()}`).join('\n') : 'no gate was due');
    });
}
