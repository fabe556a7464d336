// Seance borrows a retired polecat's old workdir path for the resume; giving it back must never
// delete what is not its own by then (the name, and so the path, may belong to a new polecat).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { tempDir, testEnv } from './support/cli.js';
import { makeProject } from './support/town-fixture.js';
import { borrowDir } from '../src/runtime/seance.js';

test('a borrowed directory and the parents it needed are removed afterwards; an existing one is left', () => {
  const t = tempDir('gt-seance-');
  try {
    const dir = join(t.dir, 'rig', 'polecats', 'ace');
    mkdirSync(join(t.dir, 'rig'));
    const giveBack = borrowDir(dir);
    assert.ok(existsSync(dir));
    writeFileSync(join(dir, 'left-by-the-cli'), 'x');
    giveBack();
    assert.equal(existsSync(join(t.dir, 'rig', 'polecats')), false, 'made parents removed too');
    assert.ok(existsSync(join(t.dir, 'rig')), 'what existed before stays');

    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'keep'), 'x');
    borrowDir(dir)();
    assert.ok(existsSync(join(dir, 'keep')), 'an existing directory is never touched');
  } finally {
    t.cleanup();
  }
});

test('the path became a new polecat\'s worktree meanwhile: it is left alone', () => {
  const t = tempDir('gt-seance-');
  try {
    const repo = makeProject(join(t.dir, 'project'));
    const dir = join(t.dir, 'polecats', 'ace');
    const giveBack = borrowDir(dir);
    // A re-slung polecat with the reused name gets its worktree at the same (empty) path.
    execFileSync('git', ['worktree', 'add', '-q', '-b', 'polecat/ace/new', dir], { cwd: repo, env: testEnv() });
    giveBack();
    assert.ok(existsSync(join(dir, '.git')), 'the new worktree survives');
    assert.ok(existsSync(join(dir, 'README.md')));
  } finally {
    t.cleanup();
  }
});

test('the path was removed and made again by someone else meanwhile: it is left alone', () => {
  const t = tempDir('gt-seance-');
  try {
    const dir = join(t.dir, 'polecats', 'ace');
    const giveBack = borrowDir(dir);
    rmSync(dir, { recursive: true });
    mkdirSync(dir);
    writeFileSync(join(dir, 'theirs'), 'x');
    giveBack();
    assert.ok(existsSync(join(dir, 'theirs')));
  } finally {
    t.cleanup();
  }
});
