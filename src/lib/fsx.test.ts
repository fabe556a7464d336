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

test('writePieces writes bytes and ranges of another file in order (through writeFileAtomic, more than one writev batch)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fsx-'));
  try {
    const pieces = Array.from({ length: 2500 }, (_, i) => Buffer.from(i % 3 ? `${i},` : ''));
    const old = join(dir, 'old.txt');
    const oldText = '0123456789' + '€'.repeat(700_000); // ranges longer than the copy buffer
    writeFileSync(old, oldText);
    const from = openSync(old, 'r');
    const path = join(dir, 'p.txt');
    const oldBytes = Buffer.from(oldText);
    const st = writeFileAtomic(path, (fd) => writePieces(fd, [Buffer.from('head:'), ...pieces, { start: 2, end: 5 }, Buffer.from('|'), { start: 10, end: oldBytes.length }, Buffer.alloc(0)], from))!;
    closeSync(from);
    const want = 'head:' + Buffer.concat(pieces).toString() + '234|' + '€'.repeat(700_000);
    assert.equal(readFileSync(path, 'utf8'), want);
    assert.equal(Number(st.size), Buffer.byteLength(want));
    const fd = openSync(join(dir, 'q.txt'), 'w');
    assert.throws(() => writePieces(fd, [{ start: 0, end: 1 }]), /needs the file/);
    closeSync(fd);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
