// Build: transpile every .ts file to dist/ (for tests and benches, one file each) and bundle the two
// CLIs into dist/bin with code splitting, so a command loads only the chunks it imports.
// Type checking is separate (`npm run typecheck`, part of `npm test`).
import { build } from 'esbuild';
import { readdirSync, rmSync, symlinkSync, chmodSync, existsSync, cpSync } from 'node:fs';
import { join } from 'node:path';

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
  // Bundled CommonJS (commander) calls require() for node builtins.
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
});

for (const name of ['bd', 'gt']) {
  const file = join(dist, 'bin', `${name}.js`);
  chmodSync(file, 0o755);
  // Extensionless names so agents can call `bd`/`gt` from PATH; node resolves the link to the .js.
  symlinkSync(`${name}.js`, join(dist, 'bin', name));
}

// Built-in formulas are data files: beside the transpiled module and beside the bundles, where
// molecules/builtin.ts looks for them at run time.
const formulas = join(root, 'src', 'molecules', 'formulas');
for (const to of [join(dist, 'src', 'molecules', 'formulas'), join(dist, 'bin', 'formulas')]) cpSync(formulas, to, { recursive: true });
