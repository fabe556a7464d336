import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractShellBlock, scriptFor } from './shell-agent.js';

const original = 'Do it.\n\n```sh\necho wrong\n```\n\n```sh fix\necho right\n```\n';

test('the work block skips `sh fix`; the fix variant finds it', () => {
  assert.equal(extractShellBlock(original), 'echo wrong\n');
  assert.equal(extractShellBlock(original, 'fix'), 'echo right\n');
  assert.equal(extractShellBlock('```sh fix\nonly fix\n```'), undefined);
});

test('a bounced fix bead redoes the original: its fix block, else its work block', () => {
  const fixBead = { description: 'The refinery bounced it: tests failed.' };
  assert.equal(scriptFor(fixBead, { description: original }), 'echo right\n');
  assert.equal(scriptFor(fixBead, { description: '```sh\necho again\n```' }), 'echo again\n');
  assert.equal(scriptFor(fixBead), undefined);
  assert.equal(scriptFor({ description: '```sh\nown\n```' }, { description: original }), 'own\n', 'its own script wins');
});
