// Gas Town's own formulas (../shared/data/gastown-formulas) poured by the real `gt mol pour` into a
// real town: every construct (convoy legs + synthesis, extends + compose.expand, aspects, parallel
// children, conditional gates, pour/squash settings, Go-template prompts) lands as the beads and
// dependencies the files describe. Skipped by name when the data is not beside the repository.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { makeTown, type TownFixture } from './support/town-fixture.js';
import { sharedData, skipUnlessShared } from './support/shared-data.js';
import { openStore } from '../src/beads/open.js';
import type { Issue } from '../src/beads/api.js';

const DATA = 'gastown-formulas';
const skip = skipUnlessShared(DATA);
let f: TownFixture;

interface Poured { root: Issue; steps: Issue[] }

/** Pours with the real CLI, then reads the molecule back from the rig's database. */
async function pourGastown(name: string, vars: Record<string, string> = {}, extra: string[] = []): Promise<Poured> {
  const args = ['mol', 'pour', name, '--rig', 'demo', '--dir', sharedData(DATA)!, ...Object.entries(vars).flatMap(([k, v]) => ['--var', `${k}=${v}`]), ...extra];
  const r = f.gtJson(args);
  const s = await openStore({ kind: 'sqlite', beadsDir: join(f.town, 'demo', '.beads') });
  try {
    const root = await s.mustGet(r.root.id);
    const steps = await Promise.all(r.steps.map((p: { id: string }) => s.mustGet(p.id)));
    return { root, steps };
  } finally {
    await s.close();
  }
}

const stepIds = (p: Poured) => p.steps.map((s) => s.fields.mol_step as string);
/** A step's needs, as formula step ids. */
function needs(p: Poured, step: string): string[] {
  const byBead = new Map(p.steps.map((s) => [s.id, s.fields.mol_step as string]));
  const bead = p.steps.find((s) => s.fields.mol_step === step);
  assert.ok(bead, `step ${step} poured`);
  return bead.dependencies.filter((d) => d.type === 'blocks').map((d) => byBead.get(d.depends_on_id)!).sort();
}

before(() => {
  if (!skip) f = makeTown();
});
after(() => f?.cleanup());

test('all 13 of Gas Town\'s formulas are listed as valid', { skip }, () => {
  const list = f.gtJson(['formula', 'list', '--dir', sharedData(DATA)!]);
  const theirs = list.filter((e: any) => e.source.startsWith(sharedData(DATA)!));
  assert.equal(theirs.length, 13);
  assert.deepEqual(theirs.filter((e: any) => e.error).map((e: any) => `${e.name}: ${e.error}`), []);
});

test('workflows with vars, pour = true and [squash]: beads-release, mol-polecat-work, mol-convoy-feed, towers-of-hanoi', { skip }, async () => {
  const rel = await pourGastown('beads-release', { version: '0.37.0' });
  assert.equal(rel.steps.length, 18);
  assert.deepEqual(needs(rel, 'local-install'), ['verify-npm', 'verify-pypi'], 'a join of two parallel checks');
  assert.deepEqual(needs(rel, 'verify-pypi'), ['verify-github-release']);
  assert.match(rel.root.title, /^beads-release: /);
  assert.match(rel.steps[0]!.description ?? '', /./);

  const work = await pourGastown('mol-polecat-work', { issue: 'gt-abc' });
  assert.deepEqual(stepIds(work), ['load-context', 'branch-setup', 'implement', 'commit-changes', 'self-review', 'build-check', 'pre-verify', 'submit-and-exit']);
  assert.ok(work.steps.some((s) => (s.description ?? '').includes('gt-abc')), '{{issue}} filled in');
  assert.equal((work.root.fields.formula_vars as Record<string, string>).base_branch, 'main', 'a default');

  const feed = await pourGastown('mol-convoy-feed', { convoy: 'hq-cv1' });
  assert.equal(feed.steps.length, 5);
  assert.deepEqual(feed.root.fields.squash, { trigger: 'on_complete', template_type: 'work', include_metrics: true });

  const hanoi = await pourGastown('towers-of-hanoi');
  assert.deepEqual(stepIds(hanoi), ['setup', 'move-1', 'move-2', 'move-3', 'move-4', 'move-5', 'move-6', 'move-7', 'verify']);
  assert.equal(hanoi.steps[4]!.title, 'Move disk 3: A → C');
  assert.deepEqual(needs(hanoi, 'verify'), ['move-7']);
});

test('convoy formulas: one leg bead per [[legs]] (no needs, marked as legs) and a synthesis that needs them', { skip }, async () => {
  const review = await pourGastown('code-review', { pr: '42' });
  const legs = ['correctness', 'performance', 'security', 'elegance', 'resilience', 'style', 'smells', 'wiring', 'commit-discipline', 'test-quality'];
  assert.deepEqual(stepIds(review), [...legs, 'synthesis']);
  for (const leg of legs) assert.deepEqual(needs(review, leg), [], leg);
  assert.deepEqual(needs(review, 'synthesis'), [...legs].sort());
  assert.equal(review.steps[0]!.fields.mol_leg, 'Logical correctness and edge case handling');
  assert.equal(review.steps[10]!.title, 'Review Synthesis');
  assert.ok(review.root.fields.prompts && review.root.fields.presets && review.root.fields.output, 'prompts, presets and output travel with the root');
  assert.match(String((review.root.fields.prompts as any).base), /\{\{\.leg\.focus\}\}/, 'Go-template leg fields are left for the leg\'s prompt');
  const r = f.gt(['mol', 'pour', 'code-review', '--rig', 'demo', '--dir', sharedData(DATA)!]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /needs one of the variables pr, files, branch/, 'required_unless');

  const design = await pourGastown('design', { problem: 'rate limiting' });
  assert.equal(design.steps.length, 7);
  assert.deepEqual(needs(design, 'synthesis'), ['api', 'data', 'integration', 'scale', 'security', 'ux']);
});

test('convoy [prompts]: each leg\'s description is the base prompt rendered for that leg; the synthesis gets its output paths', { skip }, async () => {
  const review = await pourGastown('code-review', { files: 'src/a.ts, src/b.ts' });
  const sec = review.steps.find((s) => s.fields.mol_step === 'security')!;
  const text = sec.description!;
  assert.match(text, /^# Code Review Assignment/);
  assert.match(text, /- \*\*Formula\*\*: code-review\n/);
  assert.match(text, /- \*\*Your focus\*\*: Security vulnerabilities/);
  assert.match(text, /- \*\*Leg ID\*\*: security\n/);
  assert.match(text, /## Files Under Review\n- src\/a\.ts\n- src\/b\.ts\n/, 'no PR: the {{else}} branch lists the files');
  assert.match(text, new RegExp(`Write your findings to: \\*\\*\\.reviews/${review.root.id}/security-findings\\.md\\*\\*`));
  assert.match(text, /# Security Review Review\n/, "the leg title, as Gas Town's template words it");
  assert.match(text, /## Your Task\nReview the code for security vulnerabilities/);
  assert.ok(!/\{\{/.test(text), 'no template action is left');
  const synthesis = review.steps.find((s) => s.fields.mol_step === 'synthesis')!;
  assert.match(synthesis.description!, new RegExp(`All leg findings from: \\.reviews/${review.root.id}/\\n`));
  assert.match(synthesis.description!, new RegExp(`\\.reviews/${review.root.id}/review-summary\\.md`));

  // {{if .context}}: an input given shows its section; design's output directory uses its own id.
  const design = await pourGastown('design', { problem: 'rate limiting', context: 'we run 3 regions' });
  const api = design.steps.find((s) => s.fields.mol_step === 'api')!.description!;
  assert.match(api, /- \*\*Problem\*\*: rate limiting/);
  assert.match(api, /we run 3 regions/);
  assert.match(api, new RegExp(`\\.designs/${design.root.id}/api\\.md`));
  const bare = await pourGastown('design', { problem: 'caching' });
  assert.ok(!bare.steps[0]!.description!.includes('we run 3 regions'));
});

test('convoy presets: --preset pours only its legs, and the synthesis needs only those; bad presets are refused', { skip }, async () => {
  const gate = await pourGastown('code-review', { pr: '7' }, ['--preset', 'gate']);
  assert.deepEqual(stepIds(gate), ['security', 'smells', 'wiring', 'test-quality', 'synthesis']);
  assert.deepEqual(needs(gate, 'synthesis'), ['security', 'smells', 'test-quality', 'wiring']);
  assert.equal(gate.root.fields.formula_preset, 'gate');
  const bad = (args: string[], pattern: RegExp) => {
    const r = f.gt(['mol', 'pour', ...args, '--rig', 'demo', '--dir', sharedData(DATA)!]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, pattern);
  };
  bad(['code-review', '--var', 'pr=7', '--preset', 'quick'], /formula "code-review" has no preset "quick".*gate, full, security-focused, refactor/);
  bad(['design', '--var', 'problem=x', '--preset', 'gate'], /formula "design" has no presets/);
});

test('composition: extends + compose.expand (shiny-enterprise), extends + aspects (shiny-secure), bare expansion and aspect', { skip }, async () => {
  const shiny = await pourGastown('shiny', { feature: 'dark mode' });
  assert.deepEqual(stepIds(shiny), ['design', 'implement', 'review', 'test', 'submit']);
  assert.equal(shiny.steps[1]!.title, 'Implement dark mode');
  assert.equal(shiny.steps[0]!.acceptance_criteria, 'Design doc committed covering approach, trade-offs, and files to change');

  const ent = await pourGastown('shiny-enterprise', { feature: 'sso' });
  assert.deepEqual(stepIds(ent), ['design', 'implement.draft', 'implement.refine-1', 'implement.refine-2', 'implement.refine-3', 'implement.refine-4', 'review', 'test', 'submit']);
  assert.deepEqual(needs(ent, 'implement.draft'), ['design'], 'the expansion takes the replaced step\'s needs');
  assert.deepEqual(needs(ent, 'review'), ['implement.refine-4'], 'and its dependents wait for the expansion\'s end');
  assert.equal(ent.steps[1]!.title, 'Draft: Implement sso');

  const sec = await pourGastown('shiny-secure', { feature: 'sso' });
  assert.deepEqual(stepIds(sec), ['design', 'implement-security-prescan', 'implement', 'implement-security-postscan', 'review', 'test', 'submit-security-prescan', 'submit', 'submit-security-postscan']);
  assert.deepEqual(needs(sec, 'implement-security-prescan'), ['design']);
  assert.deepEqual(needs(sec, 'implement'), ['implement-security-prescan']);
  assert.deepEqual(needs(sec, 'review'), ['implement-security-postscan']);
  assert.equal(sec.steps[3]!.title, 'Security postscan for implement');

  const five = await pourGastown('rule-of-five');
  assert.deepEqual(stepIds(five), ['rule-of-five.draft', 'rule-of-five.refine-1', 'rule-of-five.refine-2', 'rule-of-five.refine-3', 'rule-of-five.refine-4']);
  const audit = await pourGastown('security-audit');
  assert.deepEqual(needs(audit, 'implement'), ['implement-security-prescan']);
});

test('parallel children and conditional gates: mol-gastown-boot, mol-shutdown-dance', { skip }, async () => {
  const boot = await pourGastown('mol-gastown-boot');
  assert.equal(boot.steps.length, 9);
  assert.deepEqual(needs(boot, 'ensure-gastown-witness'), ['ensure-deacon'], 'children take the parallel step\'s needs');
  assert.deepEqual(needs(boot, 'ensure-witnesses'), ['ensure-beads-witness', 'ensure-gastown-witness'], 'and it waits for its children');
  assert.deepEqual(needs(boot, 'verify-town-health'), ['ensure-refineries', 'ensure-witnesses']);

  const dance = await pourGastown('mol-shutdown-dance', { warrant_id: 'hq-w1', target: 'gt-demo-polecat-ace', reason: 'stuck' });
  assert.equal(dance.steps.length, 10);
  assert.deepEqual(dance.steps.find((s) => s.fields.mol_step === 'pardon')!.fields.gate, { type: 'conditional', condition: 'alive_detected' });
  assert.deepEqual(needs(dance, 'epitaph'), ['execute', 'pardon']);
  assert.equal((dance.root.fields.formula_vars as Record<string, string>).requester, 'deacon', 'required = true beside a default: the default applies');
});
