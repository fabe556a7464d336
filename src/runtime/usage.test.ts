import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summarizeTranscript, priceFor, costOf, addUsage, EMPTY_USAGE } from './usage.js';

const line = (id: string, model: string, input: number, output: number, extra: Record<string, number> = {}) =>
  JSON.stringify({ type: 'assistant', message: { id, model, usage: { input_tokens: input, output_tokens: output, ...extra } } });

test('usage is counted once per message id (one line per content block)', () => {
  const u = summarizeTranscript([
    JSON.stringify({ type: 'user', message: { content: 'hi' } }),
    line('m1', 'claude-opus-4-8', 38062, 54), line('m1', 'claude-opus-4-8', 38062, 54),
    'not json {"usage"',
    line('m2', 'claude-haiku-4-5', 100, 10, { cache_read_input_tokens: 1000, cache_creation_input_tokens: 200 }),
  ]);
  assert.equal(u.messages, 2);
  assert.equal(u.inputTokens, 38162);
  assert.equal(u.outputTokens, 64);
  assert.equal(u.cacheReadTokens, 1000);
  assert.equal(u.cacheWriteTokens, 200);
  assert.deepEqual(u.models.sort(), ['claude-haiku-4-5', 'claude-opus-4-8']);
  // Claude Code itself reported $0.19166 for the opus message above.
  assert.ok(Math.abs(costOf('claude-opus-4-8', { input_tokens: 38062, output_tokens: 54 }) - 0.19166) < 1e-9);
  assert.ok(Math.abs(u.costUsd - (0.19166 + (100 * 1 + 200 * 1.25 + 1000 * 0.1 + 10 * 5) / 1e6)) < 1e-9);
});

test('price table by family and generation', () => {
  assert.deepEqual(priceFor('claude-opus-4-1-20250805'), { input: 15, output: 75 });
  assert.deepEqual(priceFor('claude-opus-4-5'), { input: 5, output: 25 });
  assert.deepEqual(priceFor('claude-sonnet-4-5'), { input: 3, output: 15 });
  assert.deepEqual(priceFor('claude-3-5-haiku-latest'), { input: 0.8, output: 4 });
  assert.deepEqual(priceFor('something-new'), { input: 3, output: 15 });
});

test('addUsage sums and merges models', () => {
  const a = summarizeTranscript([line('a', 'claude-sonnet-4-5', 10, 1)]);
  const s = addUsage(addUsage(EMPTY_USAGE, a), a);
  assert.equal(s.inputTokens, 20);
  assert.deepEqual(s.models, ['claude-sonnet-4-5']);
});

test('shell agent finds the fenced sh block', async () => {
  const { extractShellBlock } = await import('./shell-agent.js');
  assert.equal(extractShellBlock('Do it:\n```sh\necho hi > a.txt\n```\nthanks'), 'echo hi > a.txt\n');
  assert.equal(extractShellBlock('```bash title\nls\n```'), 'ls\n');
  assert.equal(extractShellBlock('```js\nx\n```'), undefined);
  assert.equal(extractShellBlock(undefined), undefined);
});
