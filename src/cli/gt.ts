// gt: the Gas Town command. Each command group registers itself from its own module; actions
// import their services lazily so start-up stays lean.
import { newProgram, main, output } from './main.js';
import { VERSION } from './version.js';
import { declarations } from './declare.js';
import { register as registerTown } from './gt/town.js';
import { register as registerWork } from './gt/work.js';
import { register as registerRuntime } from './gt/runtime.js';
import { register as registerRefinery } from './gt/refinery.js';
import { register as registerSupervise } from './gt/supervise.js';
import { register as registerMolecules } from './gt/molecules.js';
import { register as registerDashboard } from './gt/dashboard.js';
import { register as registerFleet } from './gt/fleet.js';
import { closeCurrentTown } from './gt/context.js';

const program = newProgram('gt', 'Gas Town: run many coding agents on the same projects, and land their work');
program.version(VERSION);
// Only the command argv names is built (declare.ts).
const cmds = declarations(program);
// `gt version` as well as --version: integrations probe with the command.
cmds.command('version').description('print the version').option('--json', 'print machine-readable JSON')
  .action((o: { json?: boolean }) => output(o.json, { version: VERSION, build: 'gastown-ts' }, (d) => `gt version ${d.version} (${d.build})`));
program.addHelpText(
  'after',
  `
Getting started:
  gt install                               create a town in ~/gt (or GT_TOWN / a dir you name)
  gt rig add <name> <git-url-or-path> --test-cmd "npm test"
  gt up && gt mayor attach                 the deacon keeps work moving; tell the Mayor what you want
  bd create "what to do" -p 1              (in <town>/<rig>) file a bead
  gt sling <bead> <rig>                    a polecat works it in its own worktree
  gt convoy status                         watch it land; gt daemon keeps things moving
  gt dashboard                             watch it all live in a browser (http://127.0.0.1:7777)
  gt demo                                  see the whole loop in a throwaway town`,
);
registerTown(cmds.program);
registerWork(cmds.program);
registerRuntime(cmds.program);
registerRefinery(cmds.program);
registerSupervise(cmds.program);
registerMolecules(cmds.program);
registerDashboard(cmds.program);
registerFleet(cmds.program);
cmds.build(process.argv);
main(program, closeCurrentTown);
