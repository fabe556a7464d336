import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { markerRef, markersToPrune, pruneMergedMarkers } from './remote-land.js';
import type { RefineryRepo } from './worktree.js';

test('markersToPrune: only MRs closed at least keepMs ago', () => {
  const now = Date.parse('2026-11-30T12:00:00Z');
  const landed = new Map([['mr-old', 'a'], ['mr-new', 'b'], ['mr-open', 'c'], ['mr-unknown', 'd'], ['mr-edge', 'e']]);
  const closed = new Map<string, string | undefined>([
    ['mr-old', '2026-11-29T12:00:00Z'], ['mr-new', '2026-11-30T11:59:00Z'], ['mr-open', undefined], ['mr-edge', '2026-11-30T11:00:00Z'],
  ]);
  assert.deepEqual(markersToPrune(landed, closed, 3_600_000, now), ['mr-edge', 'mr-old']);
  assert.deepEqual(markersToPrune(landed, closed, 0, now), ['mr-edge', 'mr-new', 'mr-old']);
});

test('pruneMergedMarkers: deletes the closed MRs\' markers on the remote (and here), keeps the rest', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gt-markers-'));
  try {
    const src = join(dir, 'src');
    execFileSync('git', ['init', '-q', '-b', 'main', src]);
    writeFileSync(join(src, 'f'), '1\n');
    const env = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x' };
    execFileSync('git', ['add', '.'], { cwd: src });
    execFileSync('git', ['commit', '-qm', 'one'], { cwd: src, env });
    const remote = join(dir, 'remote.git');
    execFileSync('git', ['clone', '-q', '--bare', src, remote]);
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: src, encoding: 'utf8' }).trim();
    for (const id of ['mr-1', 'mr-2', 'mr-3']) execFileSync('git', ['update-ref', markerRef(id), head], { cwd: remote });
    const repoDir = join(dir, 'repo.git');
    execFileSync('git', ['clone', '-q', '--bare', remote, repoDir]);
    const r = { repoDir, remote, mainBranch: 'main', worktree: join(dir, 'wt'), testTimeoutMs: 1000 } as RefineryRepo;
    const closedAt: Record<string, string | undefined> = { 'mr-1': '2026-01-01T00:00:00Z', 'mr-2': undefined, 'mr-3': new Date().toISOString() };
    const pruned = await pruneMergedMarkers(r, async (id) => closedAt[id], 3_600_000);
    assert.deepEqual(pruned, ['mr-1']);
    const left = (cwd: string) => execFileSync('git', ['for-each-ref', '--format=%(refname)', 'refs/gt/merged'], { cwd, encoding: 'utf8' }).trim().split('\n');
    assert.deepEqual(left(remote), ['refs/gt/merged/mr-2', 'refs/gt/merged/mr-3']);
    assert.deepEqual(left(repoDir), ['refs/gt/merged/mr-2', 'refs/gt/merged/mr-3']);
    assert.deepEqual(await pruneMergedMarkers(r, async () => undefined, 0), [], 'open MRs keep theirs');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
