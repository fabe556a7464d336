// Runs the built bd/gt binaries as real processes, the way agents call them.
import { spawnSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { reapUnder } from './reap.js';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const binDir = join(repoRoot, 'dist', 'bin');
export const bdBin = join(binDir, 'bd.js');
export const gtBin = join(binDir, 'gt.js');
/**
 * The launchers agents call (dist/bin/bd, gt): they pick the runtime (Bun when installed, else
 * Node; GT_RUNTIME=node|bun forces one), so every test that runs a CLI through here runs it the
 * way users get it, and a second pass under GT_RUNTIME=node covers Node (scripts/test.mjs).
 */
const launchers = new Set([bdBin, gtBin]);

/** The Bun binary the build found (dist/bin/runtime.json), if any. */
function bunBinary(): string | undefined {
  try {
    const rel = (JSON.parse(readFileSync(join(binDir, 'runtime.json'), 'utf8')) as { bun: string | null }).bun;
    return rel ? join(binDir, rel) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * How to run a script: bd.js/gt.js through their launcher; any other script (a test's worker
 * process) under the runtime the launchers would pick, with Bun's cwd-driven behaviours off.
 */
export function commandFor(bin: string, args: string[]): [string, string[]] {
  if (launchers.has(bin)) return [bin.replace(/\.js$/, ''), args];
  const bun = process.env.GT_RUNTIME === 'node' ? undefined : bunBinary();
  return bun ? [bun, ['--config=' + join(binDir, 'bunfig.toml'), '--no-env-file', '--no-install', bin, ...args]] : [process.execPath, [bin, ...args]];
}

export interface CliResult { code: number; stdout: string; stderr: string }

export interface CliOptions { cwd: string; env?: NodeJS.ProcessEnv; input?: string }

/** Environment for test processes: our bins first on PATH, a fixed git identity, no real HOME config. */
export function testEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PATH: `${binDir}:${process.env.PATH}`,
    GIT_AUTHOR_NAME: 'Test User',
    GIT_AUTHOR_EMAIL: 'test@example.com',
    GIT_COMMITTER_NAME: 'Test User',
    GIT_COMMITTER_EMAIL: 'test@example.com',
    GIT_CONFIG_NOSYSTEM: '1',
    ...extra,
  };
}

function runBin(bin: string, args: string[], opts: CliOptions): CliResult {
  const [cmd, argv] = commandFor(bin, args);
  const r = spawnSync(cmd, argv, { cwd: opts.cwd, env: opts.env ?? testEnv(), input: opts.input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export const bd = (args: string[], opts: CliOptions) => runBin(bdBin, args, opts);
export const gt = (args: string[], opts: CliOptions) => runBin(gtBin, args, opts);

/** Async variant, for racing many processes at once. */
export function runAsync(bin: string, args: string[], opts: CliOptions): Promise<CliResult> {
  return new Promise((resolve) => {
    const [cmd, argv] = commandFor(bin, args);
    const child = spawn(cmd, argv, { cwd: opts.cwd, env: opts.env ?? testEnv() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** A fresh temp directory, removed by the returned cleanup. */
export function tempDir(prefix = 'gt-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    cleanup: () => {
      reapUnder(dir);
      rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    },
  };
}
