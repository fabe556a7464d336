// The real Beads export imports and exports byte for byte, and ready/blocked agree with the graph.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bd, tempDir, testEnv } from './support/cli.js';
import { sharedData, skipUnlessShared } from './support/shared-data.js';
import { computeBlocked } from '../src/beads/ready.js';
import { NON_WORK_TYPES, type Status } from '../src/beads/model.js';

// CI places shared/ beside the clone; a plain clone skips this test by name.
const exportFile = sharedData('beads-export.jsonl') ?? '';

test('import the real export, export it again: identical bytes; ready/blocked match the graph', { skip: skipUnlessShared('beads-export.jsonl') }, () => {
  const { dir, cleanup } = tempDir('beads-rt-');
  try {
    const env = testEnv({ BD_ACTOR: 'tester' });
    assert.equal(bd(['init', '--prefix', 'bd'], { cwd: dir, env }).code, 0);
    const imp = bd(['import', exportFile, '--json'], { cwd: dir, env });
    assert.equal(imp.code, 0, imp.stderr);
    assert.equal(JSON.parse(imp.stdout).created, 3003);
    const original = readFileSync(exportFile, 'utf8');
    // The auto-export after import already wrote the tracked file; an explicit export rewrites it in full.
    assert.equal(readFileSync(join(dir, '.beads', 'issues.jsonl'), 'utf8'), original);
    assert.equal(bd(['export'], { cwd: dir, env }).code, 0);
    const exported = readFileSync(join(dir, '.beads', 'issues.jsonl'), 'utf8');
    if (exported !== original) {
      const a = original.split('\n'), b = exported.split('\n');
      const i = a.findIndex((l, k) => l !== b[k]);
      assert.fail(`line ${i + 1} differs:\n${a[i]?.slice(0, 300)}\n${b[i]?.slice(0, 300)}`);
    }
    // Field for field as well (the stronger byte test above implies it; this names the record on failure).
    const recs = original.trim().split('\n').map((l) => JSON.parse(l));
    const back = new Map(exported.trim().split('\n').map((l) => JSON.parse(l)).map((r) => [r.id, r]));
    for (const r of recs) assert.deepEqual(back.get(r.id), r, r.id);

    // Readiness from the graph, computed independently of the database.
    const status = new Map<string, Status>(recs.map((r) => [r.id, r.status]));
    const edges = recs.flatMap((r) => (r.dependencies ?? []) as { issue_id: string; depends_on_id: string; type: string }[]);
    const blockedSet = computeBlocked(status, edges);
    const expectReady = recs.filter((r) => r.status === 'open' && !r.ephemeral && !NON_WORK_TYPES.includes(r.issue_type) && !blockedSet.has(r.id))
      .sort((a, b) => a.priority - b.priority || (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.id < b.id ? -1 : 1))
      .map((r) => r.id);
    const ready = bd(['ready', '--json', '--limit', '0'], { cwd: dir, env });
    assert.equal(ready.code, 0, ready.stderr);
    assert.deepEqual(JSON.parse(ready.stdout).map((r: { id: string }) => r.id), expectReady);
    assert.ok(expectReady.length > 10);
    const expectBlocked = recs.filter((r) => blockedSet.has(r.id) && r.status !== 'closed' && r.status !== 'tombstone' && !r.ephemeral).map((r) => r.id).sort();
    const blocked = bd(['blocked', '--json'], { cwd: dir, env });
    const got = JSON.parse(blocked.stdout) as { id: string; blocked_by: string[] }[];
    assert.deepEqual(got.map((r) => r.id).sort(), expectBlocked);
    for (const b of got) assert.ok(b.blocked_by.length > 0, `${b.id} lists its blockers`);
    // A blocked issue says why; doctor agrees the db, JSONL and blocked state are consistent.
    assert.ok(got.length > 0, 'the export has blocked issues');
    const why = bd(['ready', '--explain', got[0]!.id, '--json'], { cwd: dir, env });
    assert.ok(JSON.parse(why.stdout)[0].reasons.length > 0);
    const doc = bd(['doctor'], { cwd: dir, env });
    assert.equal(doc.code, 0, doc.stdout + doc.stderr);
    // Tombstones are imported but not shown.
    const tomb = recs.find((r) => r.status === 'tombstone')!;
    assert.equal(bd(['show', tomb.id], { cwd: dir, env }).code, 1);
    const listed = JSON.parse(bd(['list', '--all', '--json', '--ephemeral', '-t', tomb.issue_type], { cwd: dir, env }).stdout) as { id: string }[];
    assert.ok(listed.length > 0 && !listed.some((r) => r.id === tomb.id));
    const stats = JSON.parse(bd(['stats', '--json'], { cwd: dir, env }).stdout);
    assert.equal(stats.tombstone, recs.filter((r) => r.status === 'tombstone' && !r.ephemeral).length);
  } finally {
    cleanup();
  }
});

test('several prefixes and dependencies on records not in the file survive unchanged', () => {
  const { dir, cleanup } = tempDir('beads-rt2-');
  try {
    const env = testEnv({ BD_ACTOR: 'tester' });
    bd(['init', '--prefix', 'aa'], { cwd: dir, env });
    const lines = [
      '{"id":"aa-1","title":"A \\u003cb\\u003e \\u0026 c","status":"open","priority":0,"issue_type":"task","created_at":"2025-01-01T00:00:00.123456-08:00","updated_at":"2025-01-01T00:00:00.123456-08:00","dependencies":[{"issue_id":"aa-1","depends_on_id":"zz-gone","type":"blocks","created_at":"2025-01-01T00:00:00Z","created_by":"x"},{"issue_id":"aa-1","depends_on_id":"aa-9","type":"relates-to","created_at":"2025-01-01T00:00:00Z","created_by":"x"}],"custom_key":{"nested":[1,2]}}',
      '{"id":"hq-7","title":"other prefix","status":"hooked","priority":3,"issue_type":"convoy","created_at":"2025-01-02T00:00:00Z","updated_at":"2025-01-02T00:00:00Z","agent_state":"working"}',
    ];
    const file = join(dir, 'in.jsonl');
    writeFileSync(file, lines.join('\n') + '\n');
    assert.equal(bd(['import', file], { cwd: dir, env }).code, 0);
    assert.equal(readFileSync(join(dir, '.beads', 'issues.jsonl'), 'utf8'), lines.join('\n') + '\n');
    // A dependency on a record that is not here does not block.
    assert.deepEqual(JSON.parse(bd(['ready', '--json'], { cwd: dir, env }).stdout).map((r: { id: string }) => r.id), ['aa-1']);
  } finally {
    cleanup();
  }
});
