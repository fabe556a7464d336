// Command-line conventions bd shares with Beads (whose CLI parser differs from ours): a switch
// given a value (`--tree=false`, `--json=true`), JSON errors under --json, and which commands
// write (refused under --readonly). Loaded on every bd start: keep it small and free of imports.
import type { Command, Option } from 'commander';

/** Every long option of a command tree, by name: whether it is a switch, and whether it negates. */
function switches(cmd: Command, out = new Map<string, { value: boolean; negated: boolean }>()) {
  for (const o of cmd.options as Option[]) {
    if (!o.long) continue;
    const name = o.long.replace(/^--/, '');
    const prev = out.get(name);
    const value = !!(o.required || o.optional);
    out.set(name, { value: (prev?.value ?? false) || value, negated: (prev?.negated ?? false) || o.negate });
  }
  for (const sub of cmd.commands as Command[]) switches(sub, out);
  return out;
}

/**
 * `--name=true` becomes `--name`; `--name=false` becomes `--no-name` where bd declares one,
 * otherwise it is dropped (off is a switch's default). Options that take values are left alone.
 */
export function normalizeBooleanFlags(program: Command, argv: string[]): string[] {
  if (!argv.some((a) => /^--[a-z][a-z0-9-]*=(true|false)$/i.test(a))) return argv;
  const known = switches(program);
  const out: string[] = [];
  for (const a of argv) {
    const m = a.match(/^--([a-z][a-z0-9-]*)=(true|false)$/i);
    const sw = m && known.get(m[1]!);
    if (!m || !sw || sw.value) { out.push(a); continue; }
    if (m[2]!.toLowerCase() === 'true') out.push(`--${m[1]}`);
    else if (known.has(`no-${m[1]}`)) out.push(`--no-${m[1]}`);
  }
  return out;
}

/** --json (or --json=true, --format json) anywhere before a bare `--`. */
export function jsonRequested(argv: string[]): boolean {
  const end = argv.indexOf('--');
  const args = end < 0 ? argv : argv.slice(0, end);
  return args.some((a, i) => a === '--json' || a === '--json=true' || (a === '--format' && args[i + 1] === 'json') || a === '--format=json');
}

const WRITERS = new Set(['init', 'create', 'q', 'update', 'edit', 'delete', 'close', 'reopen', 'comment', 'import', 'sync', 'rename-prefix',
  'dep add', 'dep remove', 'label add', 'label remove', 'comments add', 'config set', 'config unset', 'epic close-eligible', 'gate resolve']);

/** Whether a command changes the database (--readonly refuses it). `ready --claim` and `export` (rewrites the JSONL) count. */
export function writesData(cmd: Command): boolean {
  const parent = cmd.parent?.parent ? `${cmd.parent.name()} ` : '';
  const name = `${parent}${cmd.name()}`;
  if (WRITERS.has(name)) return true;
  const o = cmd.opts() as { claim?: unknown; output?: unknown; force?: unknown };
  return (name === 'ready' && !!o.claim) || (name === 'export' && !o.output);
}
