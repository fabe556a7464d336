import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderGoTemplate } from './render.js';
import { renderPrompts } from './prompts.js';
import type { Proto } from './cook.js';

const r = (t: string, d: Record<string, unknown>) => renderGoTemplate(t, d, 'test');

test('fields, nested fields and missing ones (empty)', () => {
  assert.equal(r('PR {{.pr}} by {{ .who.name }}; {{.nothing}}|{{.who.none.deeper}}', { pr: '42', who: { name: 'ann' } }), 'PR 42 by ann; |');
  assert.equal(r('{{/* a comment */}}plain', {}), 'plain');
});

test('if / else if / else / end, not, and truthiness of strings, lists and missing fields', () => {
  const t = '{{if .a}}A{{else if .b}}B{{else}}C{{end}}';
  assert.equal(r(t, { a: 'x' }), 'A');
  assert.equal(r(t, { a: '', b: 'y' }), 'B');
  assert.equal(r(t, {}), 'C');
  assert.equal(r('{{if not .a}}none{{end}}', { a: '' }), 'none');
  assert.equal(r('{{if .l}}some{{else}}empty{{end}}', { l: [] }), 'empty');
  assert.equal(r('{{if .a}}{{if .b}}ab{{else}}a{{end}}{{end}}', { a: '1' }), 'a');
});

test('range over lists and over a comma/newline list string, with else; trims', () => {
  assert.equal(r('{{range .files -}}\n- {{.}}\n{{end -}}', { files: 'a.ts, b.ts\nc.ts' }), '- a.ts\n- b.ts\n- c.ts\n');
  assert.equal(r('{{range .xs}}[{{.path}}]{{else}}nothing{{end}}', { xs: [{ path: 'p' }, { path: 'q' }] }), '[p][q]');
  assert.equal(r('{{range .xs}}x{{else}}nothing{{end}}', {}), 'nothing');
  assert.equal(r('a  {{- .v -}}  b', { v: '!' }), 'a!b');
});

test('what it cannot render is one line naming where', () => {
  assert.throws(() => r('{{if .a}}never closed', {}), /^UserError: test: template \{\{if \.a\}\} has no \{\{end\}\}$/m);
  assert.throws(() => r('{{end}}', {}), /\{\{end\}\} without an \{\{if\}\} or \{\{range\}\}/);
  assert.throws(() => r('{{printf "%d" .n}}', {}), /action \{\{printf "%d" \.n\}\} is not supported/);
});

test('a convoy proto: each leg gets the base prompt for itself; the synthesis its output paths', () => {
  const proto: Proto = {
    formula: 'rev', title: 'rev', vars: { files: 'x.ts,y.ts', pr: '' },
    steps: [
      { id: 'sec', title: 'Security', description: 'Look for holes.', needs: [], leg: { focus: 'holes' } },
      { id: 'synthesis', title: 'Sum up', description: 'Read {{.output.directory}}/ and write {{.output.synthesis}}', needs: ['sec'] },
    ],
    extra: {
      prompts: { base: '{{.formula_name}}: {{.leg.title}} ({{.leg.focus}})\n{{if .pr}}PR {{.pr}}{{else}}{{range .files}}{{.}};{{end}}{{end}}\n{{.leg.description}}\nTo {{.output_path}}' },
      output: { directory: '.reviews/{{.review_id}}', leg_pattern: '{{.leg.id}}-findings.md', synthesis: 'summary.md' },
    },
  };
  const [leg, synthesis] = renderPrompts(proto, 'de-abc');
  assert.equal(leg!.description, 'rev: Security (holes)\nx.ts;y.ts;\nLook for holes.\nTo .reviews/de-abc/sec-findings.md');
  assert.equal(synthesis!.description, 'Read .reviews/de-abc/ and write summary.md');
  assert.equal(proto.steps[0]!.description, 'Look for holes.', 'the proto itself is left as it was');
});
