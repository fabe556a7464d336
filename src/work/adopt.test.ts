import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deadMachines, removeStaleWorktree } from './adopt.js';
import type { Rig } from '../town/rig.js';
import { validateMachines } from '../town/config.js';

test('deadMachines: others silent past the threshold; never this one, never one that said it stopped', () => {
  const rows = [
    { name: 'me', heartbeat_age_ms: 999_999 },
    { name: 'quiet', heartbeat_age_ms: 60_000 },
    { name: 'fresh', heartbeat_age_ms: 2_000 },
    { name: 'paused', heartbeat_age_ms: 999_999, stopped_at: '2026-11-30T00:00:00Z' },
    { name: 'edge', heartbeat_age_ms: 30_000 },
  ];
  assert.deepEqual(deadMachines(rows, 'me', 30_000), ['quiet', 'edge']);
  assert.deepEqual(deadMachines(rows, 'me', 120_000), []);
});

test('[machines] in town.toml: whole seconds, adoption no sooner than a machine shows dead (30 s)', () => {
  assert.doesNotThrow(() => validateMachines('town.toml', { adopt_after_sec: 30, merged_marker_keep_sec: 0 }));
  assert.doesNotThrow(() => validateMachines('town.toml', undefined));
  assert.throws(() => validateMachines('town.toml', { adopt_after_sec: 5 }), /town\.toml: machines\.adopt_after_sec must be a whole number of seconds, at least 30, not 5/);
  assert.throws(() => validateMachines('town.toml', { merged_marker_keep_sec: -1 }), /merged_marker_keep_sec must be a whole number/);
  assert.throws(() => validateMachines('town.toml', { adopt_after_sec: '60' as unknown as number }), /not "60"/);
});

function sh(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x' } }).trim();
}

/** A rig-shaped repo: a bare remote with main, the rig's bare clone, and a polecat worktree on its branch. */
function fixture(): { dir: string; rig: Rig; wt: string } {
  const dir = mkdtempSync(join(tmpdir(), 'gt-adopt-'));
  const src = join(dir, 'src');
  execFileSync('git', ['init', '-q', '-b', 'main', src]);
  writeFileSync(join(src, 'README'), 'x\n');
  sh(src, 'add', '.');
  sh(src, 'commit', '-qm', 'first');
  const remote = join(dir, 'remote.git');
  execFileSync('git', ['clone', '-q', '--bare', src, remote]);
  const repoDir = join(dir, 'repo.git');
  execFileSync('git', ['clone', '-q', '--bare', remote, repoDir]);
  const wt = join(dir, 'polecats', 'nux');
  sh(repoDir, 'worktree', 'add', '-q', '-b', 'polecat/nux/x-1', wt, 'main');
  return { dir, wt, rig: { repoDir, mainBranch: 'main', remote } as Rig };
}

test('removeStaleWorktree: a clean worktree with nothing unmerged goes, branch kept', async () => {
  const { dir, rig, wt } = fixture();
  try {
    assert.match(await removeStaleWorktree(rig, wt, 'polecat/nux/x-1'), /removed \(nothing unmerged/);
    assert.equal(sh(rig.repoDir, 'worktree', 'list').split('\n').length, 1, 'only the bare repo is left');
    assert.ok(sh(rig.repoDir, 'rev-parse', '--verify', 'refs/heads/polecat/nux/x-1'));
    assert.equal(await removeStaleWorktree(rig, wt, 'polecat/nux/x-1'), 'no worktree left');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('removeStaleWorktree: uncommitted or unpushed work keeps it; work pushed to the remote lets it go; another branch is left alone', async () => {
  const { dir, rig, wt } = fixture();
  try {
    writeFileSync(join(wt, 'work.txt'), 'half done\n');
    assert.match(await removeStaleWorktree(rig, wt, 'polecat/nux/x-1'), /^kept: .* uncommitted changes/);
    sh(wt, 'add', '.');
    sh(wt, 'commit', '-qm', 'work');
    assert.match(await removeStaleWorktree(rig, wt, 'polecat/nux/x-1'), /^kept: .* 1 commit\(s\) on polecat\/nux\/x-1 that are neither on main nor pushed/);
    assert.match(await removeStaleWorktree(rig, wt, 'polecat/other/x-2'), /left alone/);
    sh(rig.repoDir, 'push', '-q', rig.remote!, 'polecat/nux/x-1');
    assert.match(await removeStaleWorktree(rig, wt, 'polecat/nux/x-1'), /removed/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
