// `bd merge %O %A %B`: git's merge driver for issues.jsonl. Its own module, so the driver (run on
// every merge of the file) loads no SQLite and none of the store.
import type { Command } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { UserError } from '../../lib/errors.js';
import { mergeJsonlReport } from '../../beads/merge.js';

export async function merge(c: { args: unknown[]; program: Command }): Promise<void> {
  const [base, ours, theirs] = (c.args as string[]).map((p) => resolve(p));
  const read = (p: string) => {
    try {
      return readFileSync(p, 'utf8');
    } catch (e) {
      throw new UserError(`cannot read ${p}: ${(e as NodeJS.ErrnoException).code ?? e}`);
    }
  };
  const r = mergeJsonlReport(read(base!), read(ours!), read(theirs!));
  writeFileSync(ours!, r.text); // git reads the result from %A
  for (const x of r.renamed) {
    process.stderr.write(`bd merge: ${x.from} -> ${x.to}: both branches created a different issue under ${x.from} ("${x.title}"); both kept, the later one re-id'd\n`);
  }
}
