// bd: the beads issue tracker. The commands are declared in bd/program.ts without commander; a
// plain invocation of a command runs straight from that record (fast.ts), anything else through
// commander, built for the one command argv names (declare.ts).
import { bd, DESCRIPTION, fastBd } from './bd/program.js';
import { runFast } from './fast.js';
import { jsonRequested, normalizeBooleanFlags } from './bd/flags.js';

const run = fastBd(process.argv);
if (run) runFast('bd', run, { jsonErrors: jsonRequested(process.argv) });
else {
  const { newProgram, main } = await import('./main.js');
  const program = bd.build(newProgram('bd', DESCRIPTION), process.argv);
  main(program, undefined, { argv: normalizeBooleanFlags(program, process.argv), jsonErrors: jsonRequested(process.argv) });
}
