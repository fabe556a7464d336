// bd version, prime outside a workspace, rename-prefix.
import { existsSync, renameSync, writeFileSync } from 'node:fs';

import { output } from '../output.js';
import { UserError } from '../../lib/errors.js';
import { findBeadsDir } from '../../beads/routes.js';
import { validPrefix } from '../../beads/ids.js';
import { openStore } from '../../beads/open.js';
import { withJsonlMirror } from '../../beads/branch-sync.js';
import { VERSION } from '../version.js';
import { g, local, withStore, type Ctx } from './ctx.js';

export async function version(c: Ctx): Promise<void> {
  output(g(c).json, { version: VERSION, build: 'gastown-ts' }, (d) => `bd version ${d.version} (${d.build})`);
}

/** Session-start hooks run `bd prime` in every directory: where there is no workspace it says nothing and succeeds (as Beads does). */
export async function prime(c: Ctx): Promise<void> {
  if (!findBeadsDir(process.cwd(), g(c).db)) return;
  const { prime: inWorkspace } = await import('./actions.js');
  await inWorkspace(c);
}

/**
 * `bd rename-prefix <new>`: every id (and every mention of one in text) takes the new prefix.
 * The database is rebuilt from the rewritten JSONL (the old one is kept beside it as
 * beads.db-before-rename-<time>); settings are carried over, the event history is not.
 */
export async function renamePrefix(c: Ctx): Promise<void> {
  const next = String(c.args[0]).replace(/-$/, '');
  if (!validPrefix(next)) throw new UserError(`invalid prefix "${next}"`, 'use letters, digits, _ or - (start with a letter, at most 16)');
  const plan = await withStore(local(c), async (s) => {
    const sq = withJsonlMirror(s, 'bd rename-prefix');
    const all = await s.list({ includeEphemeral: true });
    if (all.some((i) => i.ephemeral)) throw new UserError('the database holds wisps (ephemeral issues), which a rename would lose', 'close or burn them first (bd list --ephemeral)');
    return { dir: sq.beadsDir, db: sq.dbPath, jsonl: sq.jsonlPath, old: s.prefix, text: await s.exportText(), config: await s.config(), count: all.length };
  });
  if (plan.old === next) throw new UserError(`the prefix is already "${next}"`);
  const mention = new RegExp(`(?<![A-Za-z0-9_-])${plan.old.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-(?=[A-Za-z0-9])`, 'g');
  const rewritten = plan.text.replace(mention, `${next}-`);
  if (!c.opts.dryRun) {
    const backup = `${plan.db}-before-rename-${Date.now()}`;
    for (const ext of ['', '-wal', '-shm']) if (existsSync(plan.db + ext)) renameSync(plan.db + ext, backup + ext);
    writeFileSync(plan.jsonl, rewritten);
    await withStore(openStore({ kind: 'sqlite', beadsDir: plan.dir, create: true, prefix: next }), async (s) => {
      for (const [k, v] of Object.entries(plan.config)) await s.setConfig(k, v);
      await withJsonlMirror(s, 'bd rename-prefix').exportAll();
    });
  }
  output(g(c).json, { old_prefix: plan.old, new_prefix: next, issues: plan.count, dry_run: !!c.opts.dryRun }, (d) =>
    `${d.dry_run ? 'Would rename' : 'Renamed'} ${d.issues} issues: ${d.old_prefix}-* -> ${d.new_prefix}-*${d.dry_run ? ' (dry run, nothing changed)' : ''}`);
}

