// Where a key sits in a TOML text, so a formula's problems can name the line. smol-toml gives no
// positions, so this scans the lines: table headers (`[a.b]`, `[[a]]` counted per array) and
// `key =` lines, skipping multi-line strings. Good enough for messages; not a TOML parser.

export type KeyPath = (string | number)[];

/** A map from a key path (`steps.2.type`) to its 1-based line. */
export function keyLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  const arrays = new Map<string, number>(); // resolved array path -> last index
  let current: KeyPath = [];
  let inString: string | undefined;
  // A dotted header name resolved against the arrays seen so far (`steps.children` -> steps.3.children).
  const resolve = (name: string): KeyPath => {
    const out: KeyPath = [];
    for (const part of name.split('.').map((p) => p.trim().replace(/^"(.*)"$/, '$1'))) {
      out.push(part);
      const idx = arrays.get(out.join('.'));
      if (idx !== undefined) out.push(idx);
    }
    return out;
  };
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (inString) {
      if (line.includes(inString)) inString = undefined;
      return;
    }
    let m = /^\[\[\s*([^\]]+?)\s*\]\]/.exec(line);
    if (m) {
      const base = resolve(m[1]!);
      // The last part is the array itself: resolve() appended its previous index, drop it.
      if (typeof base[base.length - 1] === 'number') base.pop();
      const key = base.join('.');
      const idx = (arrays.get(key) ?? -1) + 1;
      arrays.set(key, idx);
      current = [...base, idx];
      if (!lines.has(current.join('.'))) lines.set(current.join('.'), i + 1);
      return;
    }
    m = /^\[\s*([^\]]+?)\s*\]/.exec(line);
    if (m) {
      current = resolve(m[1]!);
      if (!lines.has(current.join('.'))) lines.set(current.join('.'), i + 1);
      return;
    }
    m = /^("[^"]+"|[A-Za-z0-9_-]+)\s*=\s*(.*)$/.exec(line);
    if (m) {
      const path = [...current, m[1]!.replace(/^"(.*)"$/, '$1')].join('.');
      if (!lines.has(path)) lines.set(path, i + 1);
      const rest = m[2]!;
      for (const q of ['"""', "'''"]) {
        if (rest.startsWith(q) && !rest.slice(3).includes(q)) inString = q;
      }
    }
  });
  return lines;
}

/** The line of a key path, or of its nearest enclosing key or table that has one. */
export function lineOf(lines: Map<string, number>, path: KeyPath): number | undefined {
  for (let n = path.length; n > 0; n--) {
    const l = lines.get(path.slice(0, n).join('.'));
    if (l !== undefined) return l;
  }
  return undefined;
}
