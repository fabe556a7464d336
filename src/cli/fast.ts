// Running a command straight from its recorded declaration (declare.ts recordProgram), without
// loading commander: under Bun, importing commander (with node:events and node:child_process)
// costs more than Bun's whole start-up. Only plain invocations are taken: known options, each
// value given as its own word, arguments within the declared count. Anything else (help,
// --version, `--`, `--opt=value`, bundled short flags, a value starting with '-', an unknown
// option or command, a missing or extra argument) returns undefined and the caller runs commander,
// so help, usage errors and their exit codes are commander's own. What is taken is handed to the
// action exactly as commander would hand it (fast.test.ts compares the two over many argv).
import { isHidden, type Call, type Declared } from './declare.js';
import { quietEpipe, reportError, type RunOptions } from './report.js';

interface Flag {
  short?: string;
  long?: string;
  key: string;
  value: 'none' | 'required' | 'optional';
  negate: boolean;
  parse?: (value: string, previous: unknown) => unknown;
}

/** commander's reading of an option's flags string ('-f, --file <file>', '--no-tree'). */
function flagOf(c: Call): { flag: Flag; default?: unknown } | undefined {
  const [flags, , third, fourth] = c.args as [string, unknown, unknown, unknown];
  if (typeof flags !== 'string' || c.args.length > 4) return undefined;
  const parts = flags.split(/[ |,]+/);
  let short: string | undefined;
  let long: string | undefined;
  if (/^-[^-]$/.test(parts[0] ?? '')) short = parts.shift();
  if (/^--[^-]/.test(parts[0] ?? '')) long = parts.shift();
  if (!long && !short) return undefined;
  if (/\w\.\.\.[>\]]$/.test(flags)) return undefined; // variadic options: not taken
  const name = long ? long.slice(2) : short!.slice(1);
  const negate = !!long?.startsWith('--no-');
  const key = name.replace(/^no-/, '').split('-').reduce((s, w) => s + w[0]!.toUpperCase() + w.slice(1));
  const value = flags.includes('<') ? 'required' : flags.includes('[') ? 'optional' : 'none';
  const parse = typeof third === 'function' ? (third as Flag['parse']) : undefined;
  const dflt = parse ? fourth : third;
  return { flag: { short, long, key, value, negate, parse }, default: dflt };
}

interface Scope { flags: Flag[]; values: Record<string, unknown> }

/** A command's options and their values before parsing (defaults, as commander's addOption sets them). */
function scopeOf(d: Declared): Scope | undefined {
  const flags: Flag[] = [];
  const values: Record<string, unknown> = {};
  for (const c of d.calls) {
    if (c.method !== 'option' && c.method !== 'addOption') continue;
    if (c.method === 'addOption' && !isHidden(c.args[0])) return undefined;
    const f = flagOf(c.method === 'option' ? c : { method: 'option', args: [(c.args[0] as { flags: string }).flags, ''] });
    if (!f) return undefined;
    if (f.flag.negate) {
      // A lone --no-foo makes foo true by default; after --foo it changes nothing.
      if (!flags.some((x) => x.long === `--${f.flag.long!.slice(5)}`)) values[f.flag.key] = f.default === undefined ? true : f.default;
    } else if (f.default !== undefined) values[f.flag.key] = f.default;
    flags.push(f.flag);
  }
  return { flags, values };
}

const ALLOWED = new Set(['description', 'summary', 'option', 'argument', 'alias', 'aliases', 'action', 'addHelpText', 'usage', 'helpOption']);

/** The calls this parser understands (anything else, e.g. a hook or passThroughOptions, is commander's). */
const plain = (d: Declared) => d.args.length === 1 && typeof d.args[0] === 'string'
  && d.calls.every((c) => c.child || ALLOWED.has(c.method) || (c.method === 'addOption' && isHidden(c.args[0])));

const findFlag = (s: Scope | undefined, word: string) => s?.flags.find((f) => f.short === word || f.long === word);

/** Sets an option as commander's option event does. */
function set(s: Scope, f: Flag, value: string | null): void {
  if (value !== null && f.parse) s.values[f.key] = f.parse(value, s.values[f.key]);
  else s.values[f.key] = value !== null ? value : !f.negate;
}

export interface FastRun {
  /** The names of the command, outermost first (['mol', 'current']). */
  path: string[];
  action: (...a: unknown[]) => unknown;
  /** The action's arguments, as commander passes them (one per declared argument). */
  args: unknown[];
  opts: Record<string, unknown>;
  globals: Record<string, unknown>;
}

/**
 * What the program itself may have been told for the parsing above to be commander's: not
 * positional or pass-through options, unknown options, or hooks (unless the caller applies what
 * its hooks do, as fastBd does).
 */
const ROOT_ALLOWED = new Set(['description', 'summary', 'version', 'configureOutput', 'option', 'addHelpText', 'usage', 'helpOption']);

/** The command argv runs, its arguments and options, or undefined: let commander parse it. */
export function fastParse(root: Declared, argv: string[], opts: { hooksHandled?: boolean } = {}): FastRun | undefined {
  if (!root.calls.every((c) => c.child || ROOT_ALLOWED.has(c.method) || (c.method === 'hook' && opts.hooksHandled))) return undefined;
  const global = scopeOf(root);
  if (!global) return undefined;
  const commands = (d: Declared) => d.calls.flatMap((c) => (c.child ? [c.child] : []));
  let cmd: Declared | undefined;
  let local: Scope | undefined;
  let setLocal = false;
  const path: string[] = [];
  const operands: string[] = [];
  const words = argv.slice(2);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w.length > 1 && w[0] === '-') {
      if (w === '--') return undefined;
      // Program options are the program's wherever they stand (commander without positional options).
      const own = findFlag(global, w);
      const f = own ?? findFlag(local, w);
      if (!f || f.value === 'optional') return undefined;
      let value: string | null = null;
      if (f.value === 'required') {
        const v = words[++i];
        if (v === undefined || v.startsWith('-')) return undefined;
        value = v;
      }
      try {
        set(own ? global : local!, f, value);
      } catch {
        return undefined; // a parser rejected the value: commander words the usage error
      }
      if (!own) setLocal = true;
      continue;
    }
    const subs = cmd ? commands(cmd) : commands(root);
    if (!cmd || subs.length) {
      // A command word (a subcommand right after its parent, with no options of the parent given).
      if (setLocal || operands.length) return undefined;
      const next = subs.find((d) => d.names.includes(w));
      if (!next || !plain(next)) return undefined;
      cmd = next;
      local = scopeOf(next);
      if (!local) return undefined;
      path.push(next.names[0]!);
      continue;
    }
    operands.push(w);
  }
  if (!cmd || commands(cmd).length) return undefined;
  const action = cmd.calls.find((c) => c.method === 'action')?.args[0];
  if (typeof action !== 'function') return undefined;
  const args = argumentsOf(cmd, operands);
  if (!args) return undefined;
  return { path, action: action as FastRun['action'], args, opts: local!.values, globals: global.values };
}

/** The operands as the declared arguments (commander's processedArgs), or undefined on a count commander rejects. */
function argumentsOf(cmd: Declared, operands: string[]): unknown[] | undefined {
  const out: unknown[] = [];
  // Arguments named with the command (`.command('hook [agent]')`), then `.argument()` ones.
  const inName = String(cmd.args[0]).trim().split(/ +/).slice(1).map((n): Call => ({ method: 'argument', args: [n] }));
  const decl = [...inName, ...cmd.calls.filter((c) => c.method === 'argument')];
  for (const [i, c] of decl.entries()) {
    const name = c.args[0];
    if (typeof name !== 'string' || c.args.length > 2) return undefined; // defaults, parsers: commander's
    const required = name.startsWith('<');
    const variadic = name.endsWith('...>') || name.endsWith('...]');
    if (variadic) {
      if (i !== decl.length - 1) return undefined;
      if (required && operands.length <= i) return undefined;
      out.push(operands.slice(i));
      return out;
    }
    if (operands.length <= i) {
      if (required) return undefined;
      out.push(undefined);
    } else out.push(operands[i]);
  }
  return operands.length > decl.length ? undefined : out;
}

/**
 * Runs what fastParse found as commander would: the action gets its arguments, its options and a
 * stand-in command (opts(), name(), parent up to the program), then atEnd runs (closing what the
 * command opened, even when it failed); a failure is reported as main.ts reports it (report.ts),
 * and the exit code is the same.
 */
export function runFast(name: string, run: FastRun, opts: RunOptions, atEnd?: () => Promise<void>): void {
  quietEpipe();
  type Stub = { opts: () => Record<string, unknown>; name: () => string; parent: Stub | null };
  let cmd: Stub = { opts: () => run.globals, name: () => name, parent: null };
  run.path.forEach((n, i) => {
    const values = i === run.path.length - 1 ? run.opts : {};
    cmd = { opts: () => values, name: () => n, parent: cmd };
  });
  (async () => {
    try {
      await run.action(...run.args, run.opts, cmd);
    } catch (e) {
      await atEnd?.().catch(() => undefined); // the command's own failure is the one to report
      throw e;
    }
    await atEnd?.();
  })().then(() => { process.exitCode = Number(process.exitCode ?? 0); }, (e: unknown) => { process.exitCode = reportError(name, e, opts); });
}
