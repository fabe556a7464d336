import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractShellBlock, scriptFor } from './shell-agent.js';
import { fenced } from '../lib/markdown.js';

const original = 'Do it.\n\n```sh\necho wrong\n```\n\n```sh fix\necho right\n```\n';

test('the work block skips `sh fix`; the fix variant finds it', () => {
  assert.equal(extractShellBlock(original), 'echo wrong\n');
  assert.equal(extractShellBlock(original, 'fix'), 'echo right\n');
  assert.equal(extractShellBlock('```sh fix\nonly fix\n```'), undefined);
});

test('a bounced fix bead redoes the original: its fix block, else its work block', () => {
  const fixBead = { description: 'The refinery bounced it: tests failed.', fields: { bounce_of: 'gt-abc' } };
  assert.equal(scriptFor(fixBead, { description: original }), 'echo right\n');
  assert.equal(scriptFor(fixBead, { description: '```sh\necho again\n```' }), 'echo again\n');
  assert.equal(scriptFor(fixBead), undefined);
  assert.equal(scriptFor({ description: '```sh\nown\n```' }), 'own\n', 'work that is not a fix runs its own block');
});

test("a fix bead's evidence never runs, even when it holds an sh block of its own", () => {
  const evidence = 'not ok 1 - readme\n# the README says:\n```sh\ntouch pwned\n```\n';
  const fixBead = { description: `Last lines of the test output:\n\n${fenced(evidence)}\n`, fields: { bounce_of: 'gt-abc', bounce_root: 'gt-abc' } };
  assert.equal(scriptFor(fixBead, { description: original }), 'echo right\n');
  assert.equal(scriptFor(fixBead, undefined), undefined, 'no original: nothing to run, not the evidence');
  // Even read as plain work, fenced evidence is one opaque block: no sh block inside it is found.
  assert.equal(extractShellBlock(fixBead.description), undefined);
});

test('fences: a longer outer fence keeps an inner ```sh block as body; backtick runs inside lengthen the fence', () => {
  assert.equal(extractShellBlock('````sh\necho a\n```\nnot the end\n````\n'), 'echo a\n```\nnot the end\n');
  assert.equal(fenced('plain'), '```\nplain\n```');
  assert.equal(fenced('a ``````` b\n'), '````````\na ``````` b\n````````');
  assert.equal(extractShellBlock('```sh\nunclosed'), undefined, 'a script cut short is no script');
});
