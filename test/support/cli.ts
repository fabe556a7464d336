// Runs the built bd/gt binaries as real processes, the way agents call them.
import { spawnSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const binDir = join(repoRoot, 'dist', 'bin');
export const bdBin = join(binDir, 'bd.js');
export const gtBin = join(binDir, 'gt.js');

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
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: opts.cwd, env: opts.env ?? testEnv(), input: opts.input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export const bd = (args: string[], opts: CliOptions) => runBin(bdBin, args, opts);
export const gt = (args: string[], opts: CliOptions) => runBin(gtBin, args, opts);

/** Async variant, for racing many processes at once. */
export function runAsync(bin: string, args: string[], opts: CliOptions): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: opts.cwd, env: opts.env ?? testEnv() });
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
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 }) };
}
