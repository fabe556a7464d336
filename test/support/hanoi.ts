// Towers of Hanoi as a chained formula, one step per move (Gas Town's durability demo): `setup`,
// `move-1` .. `move-(2^n - 1)`, `verify`, each needing the one before. Used by the pour and walk
// benches and the durability test; the built-in `towers-of-hanoi` formula is the 3-disk one.

export interface HanoiMove { disk: number; from: string; to: string }

/** The optimal solution for n disks from peg A to peg C (B helps), in order, without recursion. */
export function hanoiMoves(n: number): HanoiMove[] {
  const moves: HanoiMove[] = [];
  const total = 2 ** n - 1;
  // Move k (1-based) moves the disk of k's lowest set bit from peg (k & k-1) % 3 to
  // ((k | k-1) + 1) % 3, pegs numbered A=0, B=1, C=2; with an even count, B and C swap roles.
  const pegs = n % 2 ? ['A', 'B', 'C'] : ['A', 'C', 'B'];
  for (let k = 1; k <= total; k++) {
    const disk = Math.log2(k & -k) + 1;
    moves.push({ disk, from: pegs[(k & (k - 1)) % 3]!, to: pegs[((k | (k - 1)) + 1) % 3]! });
  }
  return moves;
}

/** The title a move step carries; the durability agent reads the move back from it. */
export const moveTitle = (m: HanoiMove) => `Move disk ${m.disk}: ${m.from} → ${m.to}`;
export const MOVE_TITLE_RE = /^Move disk (\d+): ([ABC]) → ([ABC])$/;

/**
 * The formula text (`<name>.formula.toml`) for n disks. `script`, when given, is the body of a
 * fenced sh block in the molecule's description: what the shell agent runs when the root is slung.
 */
export function hanoiFormula(n: number, name = `hanoi-${n}`, script?: string): string {
  const about = `Towers of Hanoi, ${n} disks: close each move in order`;
  const description = script === undefined ? `"${about}"` : `'''\n${about}\n\n\`\`\`sh\n${script}\n\`\`\`\n'''`;
  const parts = [
    `formula = "${name}"\ndescription = ${description}\nversion = 1\n`,
    `[[steps]]\nid = "setup"\ntitle = "Verify initial state"\ndescription = "All ${n} disks stacked on peg A."\n`,
  ];
  let prev = 'setup';
  hanoiMoves(n).forEach((m, i) => {
    const id = `move-${i + 1}`;
    parts.push(`[[steps]]\nid = "${id}"\ntitle = "${moveTitle(m)}"\nneeds = ["${prev}"]\n`);
    prev = id;
  });
  parts.push(`[[steps]]\nid = "verify"\ntitle = "Verify final state"\ndescription = "All ${n} disks on peg C."\nneeds = ["${prev}"]\n`);
  return parts.join('\n');
}

/**
 * The durability agent's walker (an ES module run by node inside the polecat's session): reads its
 * hooked molecule, replays the moves already closed (each checked against the pegs so far, so a
 * successor resumes from the tracker's state, never its own memory), then for every open step in
 * order checks the move is legal, closes it with `bd close`, and applies it; at `verify` it checks
 * all disks are on C, smallest on top, and leaves the final pegs in hanoi-result.txt.
 */
export const HANOI_WALKER = String.raw`
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
const sh = (cmd, args) => execFileSync(cmd, args, { encoding: 'utf8' });
const root = JSON.parse(sh('gt', ['hook', '--json'])).bead.id;
const steps = JSON.parse(sh('gt', ['mol', 'status', root, '--json'])).steps;
const n = Math.log2(steps.length - 1);
if (!Number.isInteger(n)) throw new Error('not a hanoi molecule: ' + steps.length + ' steps');
const pegs = { A: Array.from({ length: n }, (_, i) => n - i), B: [], C: [] };
const MOVE = /^Move disk (\d+): ([ABC]) → ([ABC])$/;
function move(s) {
  const m = MOVE.exec(s.title);
  if (!m) return;
  const disk = Number(m[1]), from = pegs[m[2]], to = pegs[m[3]];
  if (from.at(-1) !== disk) throw new Error(s.id + ': disk ' + disk + ' is not on top of ' + m[2]);
  if (to.length && to.at(-1) < disk) throw new Error(s.id + ': disk ' + disk + ' onto the smaller ' + to.at(-1));
  to.push(from.pop());
}
function solved() {
  return pegs.A.length === 0 && pegs.B.length === 0 && pegs.C.join(',') === Array.from({ length: n }, (_, i) => n - i).join(',');
}
let i = 0;
for (; i < steps.length && steps[i].status === 'closed'; i++) move(steps[i]);
console.log('hanoi: resuming at step ' + (i + 1) + ' of ' + steps.length);
for (; i < steps.length; i++) {
  const s = steps[i];
  if (s.status === 'closed') throw new Error(s.id + ' is closed, yet a step before it is open');
  move(s);
  if (s.title === 'Verify final state' && !solved()) throw new Error('not solved: ' + JSON.stringify(pegs));
  sh('bd', ['close', s.id, '--reason', 'legal; ' + JSON.stringify(pegs)]);
}
writeFileSync('hanoi-result.txt', JSON.stringify(pegs) + '\n');
`;
