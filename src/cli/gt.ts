// gt: the Gas Town command. The commands are declared in gt/program.ts without commander; a plain
// invocation of a command runs straight from that record (fast.ts), anything else through
// commander, built for the one command argv names (declare.ts).
import { gt, DESCRIPTION } from './gt/program.js';
import { fastParse, runFast } from './fast.js';
import { closeCurrentTown } from './gt/context.js';

const run = fastParse(gt.root, process.argv);
if (run) runFast('gt', run, {}, closeCurrentTown);
else {
  const { newProgram, main } = await import('./main.js');
  main(gt.build(newProgram('gt', DESCRIPTION), process.argv), closeCurrentTown);
}
