// gt: the Gas Town command. Each command group registers itself from its own module; actions
// import their services lazily so start-up stays lean.
import { newProgram, main } from './main.js';
import { register as registerTown } from './gt/town.js';
import { register as registerWork } from './gt/work.js';
import { register as registerRuntime } from './gt/runtime.js';
import { register as registerRefinery } from './gt/refinery.js';
import { register as registerSupervise } from './gt/supervise.js';

const program = newProgram('gt', 'Gas Town: run many coding agents on the same projects, and land their work');
program.version('0.1.0');
registerTown(program);
registerWork(program);
registerRuntime(program);
registerRefinery(program);
registerSupervise(program);
main(program);
