// Commands declared without being built. Building commander's tree (every command, option and
// its listeners) is a good part of a short command's start-up, most of all under Bun, and a run
// needs one command. Declarations are recorded (cheap), and build() makes real commands only for
// the one argv names, in declaration order; all of them when argv names none we know, or asks for
// help (so `--help`, `help`, unknown-command suggestions and typos behave exactly as before).
import type { Command, Option } from 'commander';

export interface Call { method: string; args: unknown[]; child?: Declared }
/** A command as declared: its `.command()` arguments, every call made on it, its name and aliases. */
export interface Declared { args: unknown[]; calls: Call[]; names: string[] }

/** A stand-in Command that records every call; `.command()` on it records a subcommand. */
function recorder(d: Declared): Command {
  const proxy: Command = new Proxy({} as Command, {
    get(_t, method) {
      if (typeof method !== 'string') return undefined;
      return (...args: unknown[]) => {
        if (method === 'name' && !args.length) return d.names[0]; // read while declaring (gt down/estop)
        if (method === 'command') {
          const child: Declared = { args, calls: [], names: [String(args[0]).split(/\s+/)[0]!] };
          d.calls.push({ method, args, child });
          return recorder(child);
        }
        if (method === 'alias') d.names.push(String(args[0]));
        if (method === 'aliases') d.names.push(...(args[0] as string[]));
        d.calls.push({ method, args });
        return proxy;
      };
    },
  });
  return proxy;
}

function replay(parent: Command, d: Declared): void {
  apply((parent.command as (...a: unknown[]) => Command)(...d.args), d.calls);
}

function apply(cmd: Command, calls: Call[]): void {
  const target = cmd as unknown as Record<string, (...a: unknown[]) => unknown>;
  for (const c of calls) {
    if (c.child) replay(cmd, c.child);
    else if (c.method === 'addOption' && isHidden(c.args[0])) cmd.addOption(cmd.createOption(c.args[0].flags, c.args[0].description).hideHelp());
    else target[c.method]!(...c.args);
  }
}

/** An option left out of help, declared without commander's Option class (made when built). */
export interface HiddenOption { hidden: true; flags: string; description: string }
export function hiddenOption(flags: string, description: string): Option {
  return { hidden: true, flags, description } satisfies HiddenOption as unknown as Option;
}
export const isHidden = (o: unknown): o is HiddenOption => (o as HiddenOption | undefined)?.hidden === true && typeof (o as HiddenOption).flags === 'string';

/** The first word of argv that is not an option of the program or an option's value. */
export function commandWord(program: Command, args: string[]): { word?: string; help: boolean } {
  const takesValue = new Set<string>();
  for (const o of program.options) {
    if (!(o.required || o.optional)) continue;
    if (o.long) takesValue.add(o.long);
    if (o.short) takesValue.add(o.short);
  }
  let help = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') break;
    if (a === '-h' || a === '--help') help = true;
    if (a.startsWith('-')) {
      if (takesValue.has(a)) i++;
      continue;
    }
    return { word: a, help };
  }
  return { help: true }; // no command: commander shows the root help (every command)
}

export interface Declarations {
  command: (...args: unknown[]) => Command;
  /** The program as register functions see it: `.command()` is recorded, the rest is the program's. */
  program: Command;
  build: (argv: string[]) => void;
}

/** Which declared commands argv needs built: the one it names, else all of them. */
function select(program: Command, roots: Declared[], argv: string[]): Declared[] {
  const { word, help } = commandWord(program, argv.slice(2));
  const one = !help && word !== undefined ? roots.filter((d) => d.names.includes(word)) : [];
  return one.length ? one : roots;
}

export function declarations(program: Command): Declarations {
  const roots: Declared[] = [];
  const command = (...args: unknown[]) => {
    const d: Declared = { args, calls: [], names: [String(args[0]).split(/\s+/)[0]!] };
    roots.push(d);
    return recorder(d);
  };
  return {
    command,
    program: new Proxy(program, { get: (t, p) => (p === 'command' ? command : Reflect.get(t, p)) }),
    build: (argv) => {
      for (const d of select(program, roots, argv)) replay(program, d);
    },
  };
}

/**
 * A whole program declared without commander (bd): the program's own calls (options, version,
 * hooks, help text) and its commands are recorded. fast.ts can run a hot command from the record
 * alone; otherwise build() makes the real program: every recorded call of the program in order,
 * then the commands argv needs (as declarations() does).
 */
export interface RecordedProgram {
  /** The stand-in to declare on; `.command()` records a command. */
  program: Command;
  root: Declared;
  build(real: Command, argv: string[]): Command;
}

export function recordProgram(name: string): RecordedProgram {
  const root: Declared = { args: [name], calls: [], names: [name] };
  return {
    program: recorder(root),
    root,
    build: (real, argv) => {
      apply(real, root.calls.filter((c) => !c.child));
      for (const d of select(real, root.calls.flatMap((c) => (c.child ? [c.child] : [])), argv)) replay(real, d);
      return real;
    },
  };
}
