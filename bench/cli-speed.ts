// The hot bd/gt commands as agents run them (whole processes through the dist/bin launchers), on
// Bun (the default when the package's Bun binary is installed) and on Node (GT_RUNTIME=node),
// beside bare `node -e 0` and `bun -e 0`, at 1k, 10k and 50k records grown from the real export
// (../shared/data/beads-export.jsonl). Every round runs every command once on each runtime, so
// load on the machine hits all of them alike; the table gives medians (and minima), and each
// command's ratio to `node -e 0` of the same run (and, for Bun, to `bun -e 0`). With `--before
// <dir>` (an older dist/bin) its own launcher runs the bd commands as that build runs them by
// default (its bd.js on Node if it has no launcher), on its own copy of the store ("never slower
// than today").
//   node dist/bench/cli-speed.js [--sizes 1000,10000,50000] [--runs 7] [--before /old/dist/bin]
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore } from '../src/beads/open.js';
import { cook } from '../src/molecules/cook.js';
import { parseFormula } from '../src/molecules/formula.js';
import { pour } from '../src/molecules/pour.js';
import { installTown } from '../src/town/install.js';
import { addRig } from '../src/town/rig.js';
import { closeTown, loadTown } from '../src/town/town.js';
import { sling } from '../src/work/sling.js';
import { hanoiFormula } from '../test/support/hanoi.js';
import { grow } from './support/grow.js';
import { median } from './support/timing.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const binDir = join(repo, 'dist', 'bin');
const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const sizes = (arg('sizes') ?? '1000,10000,50000').split(',').map(Number);
const runs = Number(arg('runs') ?? 7);
const before = arg('before');
const rel = (JSON.parse(readFileSync(join(binDir, 'runtime.json'), 'utf8')) as { bun: string | null }).bun;
if (!rel) {
  console.error('cli-speed: no Bun binary was installed with the package (npm ci, npm run build): nothing to compare');
  process.exit(1);
}
const bun = join(binDir, rel);
const source = readFileSync(join(repo, '..', 'shared', 'data', 'beads-export.jsonl'), 'utf8');

type Runtime = 'bun' | 'node' | 'before';
interface Row { label: string; size: string; argv: (i: number) => string[]; env: NodeJS.ProcessEnv; cwd: string; runtimes: Runtime[]; ms: Record<string, number[]> }

function once(argv: string[], env: NodeJS.ProcessEnv, cwd: string): number {
  const t = performance.now();
  const r = spawnSync(argv[0]!, argv.slice(1), { env, cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return ms;
}

/** How a row's command runs on one runtime: the launcher (forced with GT_RUNTIME), or an older build's default. */
function command(rt: Runtime, tool: 'bd' | 'gt', args: string[]): { argv: string[]; env: NodeJS.ProcessEnv } {
  if (rt === 'before') {
    return existsSync(join(before!, tool)) ? { argv: [join(before!, tool), ...args], env: { GT_RUNTIME: undefined } }
      : { argv: [process.execPath, join(before!, `${tool}.js`), ...args], env: {} };
  }
  return { argv: [join(binDir, tool), ...args], env: { GT_RUNTIME: rt } };
}

function measure(rows: Row[], baseline: Row[]): void {
  for (let i = 0; i < runs; i++) {
    for (const r of [...baseline, ...rows]) {
      for (const rt of r.runtimes) {
        const c = r.argv(i);
        const how = r.label.startsWith('node -e') || r.label.startsWith('bun -e') ? { argv: c, env: {} } : command(rt, c[0] as 'bd' | 'gt', c.slice(1));
        (r.ms[rt] ??= []).push(once(how.argv, { ...r.env, ...how.env }, r.cwd));
      }
    }
  }
}

const fmt = (xs: number[] | undefined) => (xs?.length ? `${median(xs).toFixed(1)} (${Math.min(...xs).toFixed(1)})` : '');
const ratio = (xs: number[] | undefined, base: number) => (xs?.length ? `${(median(xs) / base).toFixed(2)}x` : '');

function table(rows: Row[], baseline: Row[]): void {
  const nodeBase = median(baseline[0]!.ms.node!);
  const bunBase = median(baseline[1]!.ms.bun!);
  const rts: Runtime[] = before ? ['bun', 'node', 'before'] : ['bun', 'node'];
  const head = ['command', 'records', ...rts.map((r) => `${r === 'before' ? 'before' : r} ms: median (min)`), ...rts.map((r) => `${r === 'before' ? 'before' : r} / node -e 0`), 'bun / bun -e 0'];
  console.log(`| ${head.join(' | ')} |`);
  console.log(`| ${head.map(() => '---').join(' | ')} |`);
  for (const r of [...baseline, ...rows]) {
    console.log(`| ${[r.label, r.size, ...rts.map((rt) => fmt(r.ms[rt])), ...rts.map((rt) => ratio(r.ms[rt], nodeBase)), ratio(r.ms.bun, bunBase)].join(' | ')} |`);
  }
}

const root = mkdtempSync(join(tmpdir(), 'cli-speed-'));
try {
  const baseEnv: NodeJS.ProcessEnv = { ...process.env, BD_ACTOR: 'bench' };
  delete baseEnv.GT_RUNTIME;
  const baseline = (): Row[] => [
    { label: 'node -e 0', size: '', argv: () => [process.execPath, '-e', '0'], env: baseEnv, cwd: root, runtimes: ['node'], ms: {} },
    { label: 'bun -e 0', size: '', argv: () => [bun, '-e', '0'], env: baseEnv, cwd: root, runtimes: ['bun'], ms: {} },
  ];
  console.log(`cli-speed: ${runs} rounds; Bun ${execFileSync(bun, ['--version'], { encoding: 'utf8' }).trim()}, Node ${process.version}; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}\n`);

  for (const n of sizes) {
    const dir = join(root, `s${n}`);
    mkdirSync(join(dir, '.beads'), { recursive: true });
    writeFileSync(join(dir, '.beads', 'issues.jsonl'), grow(source, n));
    const env = { ...baseEnv, BEADS_DIR: join(dir, '.beads') };
    execFileSync(join(binDir, 'bd'), ['init', '--prefix', 'bd'], { cwd: dir, env: { ...env, GT_RUNTIME: 'node' }, stdio: 'ignore' });
    // A small molecule for `bd mol current`, poured through the store as gt does.
    const s = await openStore({ kind: 'sqlite', beadsDir: join(dir, '.beads') });
    const { root: mol } = await pour(s, cook(parseFormula(hanoiFormula(3), 'hanoi', 'hanoi-3')), { actor: 'bench' });
    const open = (await s.ready({})).map((i) => i.id);
    await s.close();
    const runtimes: Runtime[] = ['bun', 'node'];
    // The old build gets its own copy of the store, so both see the same writes.
    const beforeDir = join(root, `s${n}-before`);
    if (before) cpSync(dir, beforeDir, { recursive: true });
    const envOf = (rt: Runtime) => (rt === 'before' ? { ...baseEnv, BEADS_DIR: join(beforeDir, '.beads') } : env);
    // Each write gets its own issue per round and runtime (claims and closes must not collide).
    let k = 0;
    const ids = new Map<string, string>();
    const pick = (key: string) => ids.get(key) ?? ids.set(key, open[k++ % open.length]!).get(key)!;
    const rows: Row[] = [];
    const add = (label: string, args: (i: number, rt: Runtime) => string[]) => {
      for (const rt of [...runtimes, ...(before ? ['before' as const] : [])]) {
        rows.push({ label, size: String(n), argv: (i) => ['bd', ...args(i, rt)], env: envOf(rt), cwd: dir, runtimes: [rt], ms: {} });
      }
    };
    add('bd ready --json', () => ['ready', '--json']);
    add('bd list', () => ['list']);
    add('bd show <id>', () => ['show', open[0]!]);
    add('bd mol current <mol>', () => ['mol', 'current', mol.id]);
    add('bd q <title>', (i) => ['q', `quick ${i}`]);
    add('bd create <title>', (i) => ['create', `bench ${i}`, '-p', '2']);
    add('bd update <id> --status in_progress', (i, rt) => ['update', pick(`u${i}${rt}`), '--status', 'in_progress']);
    add('bd close <id>', (i, rt) => ['close', pick(`c${i}${rt}`), '--reason', 'bench']);
    // One row per command, its runtimes side by side.
    const merged = new Map<string, Row>();
    const base = baseline();
    measure(rows, base);
    for (const r of rows) {
      const m = merged.get(r.label) ?? merged.set(r.label, { ...r, runtimes: [], ms: {} }).get(r.label)!;
      Object.assign(m.ms, r.ms);
    }
    table([...merged.values()], base);
    console.log();
  }

  // gt: a town with one rig and 300 beads, one of them hooked (gt-startup.ts's town).
  const project = join(root, 'project');
  execFileSync('git', ['init', '-q', '-b', 'main', project]);
  execFileSync('git', ['-C', project, '-c', 'user.name=b', '-c', 'user.email=b@b', 'commit', '-q', '--allow-empty', '-m', 'init']);
  const townDir = join(root, 'town');
  await closeTown((await installTown(townDir)).town);
  const town = loadTown(townDir);
  const rig = await addRig(town, 'proj', project);
  const store = await town.stores.rig(rig);
  await store.transaction(async (tx) => {
    for (let i = 0; i < 300; i++) await tx.create({ title: `bead ${i}`, description: 'x'.repeat(200) }, 'bench');
  });
  const first = (await store.list({ type: 'task' }))[0]!.id;
  const { hooked } = await sling(town, [first], 'proj', { start: false, actor: 'bench' });
  await closeTown(town);
  const genv = { ...baseEnv, GT_TOWN: townDir, GT_AGENT: hooked[0]!.agent };
  const grows: Row[] = [];
  for (const args of [['prime'], ['hook', '--json'], ['status', '--json'], ['mail', 'inbox', '--json']]) {
    grows.push({ label: `gt ${args.join(' ')}`, size: 'town', argv: () => ['gt', ...args], env: genv, cwd: townDir, runtimes: before ? ['bun', 'node', 'before'] : ['bun', 'node'], ms: {} });
  }
  const gbase = baseline();
  measure(grows, gbase);
  table(grows, gbase);
} finally {
  rmSync(root, { recursive: true, force: true });
}
