// bd: the beads issue tracker.
import { newProgram, main } from './main.js';

const program = newProgram('bd', 'Beads: a git-backed issue tracker for agents');
program.version('0.1.0');
main(program);
