import { test } from 'node:test';
import assert from 'node:assert/strict';
import { printable, typeable } from './text.js';

test('typeable: no control character survives; line breaks and tabs become spaces', () => {
  assert.equal(typeable('fix it\rrm -rf ~\r'), 'fix it rm -rf ~ ');
  assert.equal(typeable('a\nb\r\nc\td'), 'a b c d');
  assert.equal(typeable('stop\x03\x04\x1a\x7f\x00now'), 'stopnow');
  assert.equal(typeable('\x1b[31mred\x1b[0m \x1b[2J\x1b[?25l'), 'red ');
  assert.equal(typeable('\x1b]0;owned\x07title \x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\'), 'title link');
  assert.equal(typeable('esc\x1bc reset, \x9b31m C1 CSI, \x85 NEL'), 'esc reset,  C1 CSI,  NEL');
  assert.equal(typeable('unterminated \x1b]0;title'), 'unterminated ');
  assert.equal(typeable('plain text; with $ `quotes` and \'both\' "kinds" — ünïcode ✓'), 'plain text; with $ `quotes` and \'both\' "kinds" — ünïcode ✓');
  for (let c = 0; c < 0xa0; c++) assert.doesNotMatch(typeable(`x${String.fromCharCode(c)}y`), /[\x00-\x1f\x7f-\x9f]/, `char ${c}`);
});

test('printable: control characters are shown escaped, not acted on; text otherwise unchanged', () => {
  assert.equal(printable('\x1b[2J\x1b]0;owned\x07title\r'), '\\x1b[2J\\x1b]0;owned\\x07title\\r');
  assert.equal(printable('two\nlines\tand tab'), 'two\\nlines\tand tab');
  assert.equal(printable('two\nlines', { multiline: true }), 'two\nlines');
  assert.equal(printable('C1 \x9b and DEL \x7f'), 'C1 \\x9b and DEL \\x7f');
  assert.equal(printable('ünïcode ✓ — fine'), 'ünïcode ✓ — fine');
});
