// The design's layering, enforced: a module imports only from its own layer or the layers below
// (cli > dashboard > supervise > refinery > work > runtime > town > molecules > beads > lib).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ORDER = ['lib', 'beads', 'molecules', 'town', 'runtime', 'work', 'refinery', 'supervise', 'dashboard', 'cli'];
const src = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [join(dir, e.name)] : []);
}

const layerOf = (file: string) => ORDER.indexOf(relative(src, file).split('/')[0]!);

test('imports point down the layers', () => {
  const wrong: string[] = [];
  for (const file of files(src)) {
    const from = layerOf(file);
    if (from < 0) continue;
    for (const m of readFileSync(file, 'utf8').matchAll(/(?:from|import\()\s*'(\.[^']+)'/g)) {
      const to = layerOf(resolve(dirname(file), m[1]!));
      if (to > from) wrong.push(`${relative(src, file)} imports ${m[1]} (${ORDER[to]} is above ${ORDER[from]})`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('one module owns each kind of child process: proc spawns, git runs git, tmux runs tmux', () => {
  const owners: [RegExp, string][] = [
    [/from 'node:child_process'/, 'lib/proc.ts'],
    [/\brun(?:Sync)?\(\s*'git'/, 'lib/git.ts'],
    [/\brun(?:Sync)?\(\s*'tmux'/, 'lib/tmux.ts'],
  ];
  const wrong: string[] = [];
  for (const file of files(src)) {
    const text = readFileSync(file, 'utf8');
    for (const [re, owner] of owners) if (re.test(text) && relative(src, file) !== owner) wrong.push(`${relative(src, file)} does what ${owner} owns`);
  }
  assert.deepEqual(wrong, []);
});
