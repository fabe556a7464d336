// Build: transpile every .ts file to dist/ (for tests and benches, one file each) and bundle the two
// CLIs into dist/bin with code splitting, so a command loads only the chunks it imports.
// Type checking is separate (`npm run typecheck`, part of `npm test`).
import { build } from 'esbuild';
import { readdirSync, rmSync, chmodSync, existsSync, cpSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const dist = join(root, 'dist');
rmSync(dist, { recursive: true, force: true });

function tsFiles(dir) {
  const out = [];
  for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...tsFiles(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

await build({
  entryPoints: ['src', 'test', 'bench'].filter((d) => existsSync(join(root, d))).flatMap(tsFiles),
  outdir: dist,
  outbase: root,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'inline',
  logLevel: 'warning',
});

await build({
  entryPoints: { bd: 'src/cli/bd.ts', gt: 'src/cli/gt.ts' },
  absWorkingDir: root,
  outdir: join(dist, 'bin'),
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['better-sqlite3'],
  // Bundled CommonJS (commander) calls require() for node builtins. Bun has its own require in
  // every module (import.meta.require); its createRequire costs ~20 ms on first use (profiled).
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as __cr } from 'node:module'; const require = globalThis.Bun ? import.meta.require : __cr(import.meta.url);" },
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
});

// The Bun binary that `npm ci` installed with the package (the `bun` dependency), checked by
// running it; undefined if there is none that runs here (the launchers then use Node).
function findBun() {
  // Node's lookup (node_modules here, then in each parent), without resolving symlinks: the
  // launcher refers to the binary relative to itself, through the same node_modules path.
  let pkg;
  for (let dir = root; !pkg; dir = dirname(dir)) {
    if (existsSync(join(dir, 'node_modules', 'bun', 'package.json'))) pkg = join(dir, 'node_modules', 'bun');
    else if (dirname(dir) === dir) return undefined;
  }
  const candidates = [];
  // Install scripts blocked: the binary is still in the platform package (@oven/bun-<os>-<arch>[-musl]).
  const oven = join(dirname(pkg), '@oven');
  try { for (const p of readdirSync(oven)) candidates.push(join(oven, p, 'bin', 'bun')); } catch { /* none installed beside it */ }
  // Install scripts run: bun's postinstall moved it over the placeholder bin/bun.exe.
  candidates.push(join(pkg, 'bin', 'bun.exe'));
  for (const c of candidates) {
    if (!existsSync(c)) continue;
    const r = spawnSync(c, ['--version'], { encoding: 'utf8' });
    if (r.status === 0 && /^\d+\.\d+/.test(r.stdout)) return c;
  }
  return undefined;
}

// Where each command runs when Bun is there. Long-running gt commands stay on Node (docs/cli-speed.md).
const NODE_ONLY = { bd: [], gt: ['up', 'boot', 'daemon', 'dashboard', 'feed', 'demo', 'agent', 'refinery'] };

// The compiled CLI (src/cli/native.ts): the Bun binary with bd, gt and the JSONL flusher inside as
// bytecode, so a command skips parsing and compiling our code (a third of a short command's time
// under Bun, measured: docs/cli-speed.md). Bun's cwd-driven behaviours are off as in the launchers:
// no bunfig.toml (its `preload` would run a project's code) and no .env from the directory an
// agent runs in. Returns false (the launchers then run the bundles) if it cannot be built here.
function compileNative(bun, out) {
  const r = spawnSync(bun, ['build', '--compile', '--splitting', '--bytecode', '--format=esm', '--no-compile-autoload-dotenv', '--no-compile-autoload-bunfig',
    join(root, 'src', 'cli', 'native.ts'), '--outfile', out], { cwd: root, encoding: 'utf8' });
  if (r.status === 0 && existsSync(out)) return true;
  rmSync(out, { force: true });
  console.warn(`build: the compiled CLI was not built (${(r.stderr || r.error?.message || '').trim().split('\n').pop()}); bd and gt will run their bundles under Bun`);
  return false;
}

// The launcher agents call (`bd`/`gt` on PATH, package.json bin): a POSIX sh script that execs the
// compiled CLI beside it, else the bundle under the installed Bun, else under Node; GT_RUNTIME=node|bun
// forces one. Bun is run with its cwd-driven behaviours off: no bunfig.toml from the cwd (its
// `preload` would run a project's code), no .env loading, no auto-install.
function launcher(name, bunRel, native) {
  const nodeOnly = NODE_ONLY[name].length ? `\ncase \${1-} in ${NODE_ONLY[name].join('|')}) [ "\${GT_RUNTIME-}" = bun ] || exec node "$d/${name}.js" "$@" ;; esac` : '';
  const tryNative = native ? `[ -x "$d/native" ] && exec "$d/native" ${name} "$@"; ` : '';
  return `#!/bin/sh
# ${name}: runs the compiled CLI beside this file (the fast path), else ${name}.js under the Bun binary
# installed with the package, else under Node; GT_RUNTIME=node|bun forces one. Generated by scripts/build.mjs.
case $0 in */*) d=\${0%/*} ;; *) d=. ;; esac
if [ -h "$0" ]; then f=$(readlink -f -- "$0") && d=\${f%/*}; fi
b=${bunRel ? `$d/${bunRel}` : ''}${nodeOnly}
case \${GT_RUNTIME-} in
  node) exec node "$d/${name}.js" "$@" ;;
  bun) ${tryNative}[ -n "$b" ] && [ -x "$b" ] || { echo "${name}: GT_RUNTIME=bun, but no Bun binary was installed with this package (npm ci, then npm run build)" >&2; exit 2; } ;;
  '') ${tryNative}[ -n "$b" ] && [ -x "$b" ] || exec node "$d/${name}.js" "$@" ;;
  *) echo "${name}: GT_RUNTIME must be node or bun, not '$GT_RUNTIME'" >&2; exit 2 ;;
esac
exec "$b" --config="$d/bunfig.toml" --no-env-file --no-install "$d/${name}.js" "$@"
`;
}

const bun = findBun();
const binOut = join(dist, 'bin');
const native = !!bun && process.env.GT_BUILD_NATIVE !== '0' && compileNative(bun, join(binOut, 'native'));
// An empty config, so Bun never reads a bunfig.toml from whatever directory an agent is in.
writeFileSync(join(binOut, 'bunfig.toml'), '# Empty on purpose: see the launchers (bd, gt) beside it.\n');
for (const name of ['bd', 'gt']) {
  chmodSync(join(binOut, `${name}.js`), 0o755);
  writeFileSync(join(binOut, name), launcher(name, bun && relative(binOut, bun), native), { mode: 0o755 });
}
// For tests and benches that run other scripts under the runtime the launchers pick.
writeFileSync(join(binOut, 'runtime.json'), JSON.stringify({ bun: bun ? relative(binOut, bun) : null, native }) + '\n');
if (!bun) console.warn('build: no runnable Bun binary installed (npm ci installs it); bd and gt will run under Node');

// Built-in formulas are data files: beside the transpiled module and beside the bundles, where
// molecules/builtin.ts looks for them at run time.
const formulas = join(root, 'src', 'molecules', 'formulas');
for (const to of [join(dist, 'src', 'molecules', 'formulas'), join(dist, 'bin', 'formulas')]) cpSync(formulas, to, { recursive: true });
