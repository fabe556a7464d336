import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from './fsx.js';

test('writeFileAtomic: returns the written file stat; beforeRename can abandon the write', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fsx-'));
  try {
    const path = join(dir, 'sub', 'f.txt');
    const st = writeFileAtomic(path, 'one')!;
    const now = statSync(path, { bigint: true });
    assert.deepEqual([st.ino, st.size, st.mtimeNs], [now.ino, now.size, now.mtimeNs]);
    assert.equal(writeFileAtomic(path, Buffer.from('two'), { beforeRename: () => false }), undefined);
    assert.equal(readFileSync(path, 'utf8'), 'one');
    assert.deepEqual(readdirSync(join(dir, 'sub')), ['f.txt']); // no temp file left behind
    writeFileSync(path, 'changed by someone else');
    writeFileAtomic(path, 'three');
    assert.equal(readFileSync(path, 'utf8'), 'three');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
