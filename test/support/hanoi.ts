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

/** The formula text (`<name>.formula.toml`) for n disks. */
export function hanoiFormula(n: number, name = `hanoi-${n}`): string {
  const parts = [
    `formula = "${name}"\ndescription = "Towers of Hanoi, ${n} disks: close each move in order"\nversion = 1\n`,
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
