// gt's commands, declared without commander (declare.ts recordProgram): each command group
// registers itself from its own module; actions import their services lazily. The entry (../gt.ts)
// runs a plain invocation from this record (fast.ts) or builds the commander program from it.
import { output } from '../output.js';
import { VERSION } from '../version.js';
import { recordProgram } from '../declare.js';
import { register as registerTown } from './town.js';
import { register as registerWork } from './work.js';
import { register as registerRuntime } from './runtime.js';
import { register as registerRefinery } from './refinery.js';
import { register as registerSupervise } from './supervise.js';
import { register as registerMolecules } from './molecules.js';
import { register as registerDashboard } from './dashboard.js';
import { register as registerFleet } from './fleet.js';

export const DESCRIPTION = 'Gas Town: run many coding agents on the same projects, and land their work';
/** gt, declared (at import, once). */
export const gt = recordProgram('gt');
const program = gt.program;
program.version(VERSION);
// `gt version` as well as --version: integrations probe with the command.
program.command('version').description('print the version').option('--json', 'print machine-readable JSON')
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
registerTown(program);
registerWork(program);
registerRuntime(program);
registerRefinery(program);
registerSupervise(program);
registerMolecules(program);
registerDashboard(program);
registerFleet(program);
