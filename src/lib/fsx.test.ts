import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic, writePieces } from './fsx.js';

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

test('writeFileAtomic and writePieces write a list of pieces in order (more than one writev batch)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fsx-'));
  try {
    const pieces = Array.from({ length: 2500 }, (_, i) => Buffer.from(i % 3 ? `${i},` : ''));
    const whole = Buffer.concat(pieces).toString();
    const path = join(dir, 'p.txt');
    const st = writeFileAtomic(path, [Buffer.from('head:'), ...pieces])!;
    assert.equal(readFileSync(path, 'utf8'), 'head:' + whole);
    assert.equal(Number(st.size), 5 + Buffer.byteLength(whole));
    const fd = openSync(join(dir, 'q.txt'), 'w');
    writePieces(fd, [Buffer.from('a'), Buffer.from('€'.repeat(100_000)), Buffer.alloc(0), Buffer.from('z')]);
    closeSync(fd);
    assert.equal(readFileSync(join(dir, 'q.txt'), 'utf8'), 'a' + '€'.repeat(100_000) + 'z');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
