// What a bounce sends back: the fix bead's title and description, written so an agent that knows
// nothing else can pick it up. Pure: text from the evidence, no I/O.
import { fenced } from '../lib/markdown.js';
import { fitTitle, MAX_TITLE_LENGTH } from '../beads/model.js';
import type { MergeOutcome } from './engine.js';

export type BounceOutcome = Extract<MergeOutcome, { kind: 'conflict' | 'red' | 'error' }>;

/** How many times one original piece of work may bounce before it goes to the Mayor and the Overseer. */
export const BOUNCE_BUDGET = 3;

export interface BounceContext {
  mrId: string;
  /** The bead the bounced MR was for (the original, or an earlier fix of it). */
  source: { id: string; title: string };
  /** The original piece of work every fix in its chain redoes; fix titles name it, never a fix. */
  root: { id: string; title: string };
  branch: string;
  mainBranch: string;
  mainCommit: string;
}

/** The attempt's one-line reason: "conflict in a, b", "failing tests", or the error. */
export function bounceReason(o: BounceOutcome): string {
  switch (o.kind) {
    case 'conflict': return `conflict in ${listFiles(o.files)}`;
    case 'red': return o.timedOut ? 'tests timed out' : 'failing tests';
    case 'error': return o.detail.split('\n')[0]!.slice(0, 120);
  }
}

/** The root of the chain a bounced source belongs to: its recorded root, else what it fixes, else itself. Pure. */
export function bounceRoot(source: { id: string; fields: Record<string, unknown> }): string {
  const f = source.fields;
  return typeof f.bounce_root === 'string' ? f.bounce_root : typeof f.bounce_of === 'string' ? f.bounce_of : source.id;
}

/** File another fix, or hand the work to people: `priorFixes` fixes of the same root were filed already. Pure. */
export function bounceVerdict(priorFixes: number, budget = BOUNCE_BUDGET): 'fix' | 'escalate' {
  return priorFixes < budget ? 'fix' : 'escalate';
}

/** Named after the original work (never after a fix: titles do not nest), cut to the title cap. */
export function fixBeadTitle(ctx: BounceContext, o: BounceOutcome): string {
  // The reason is the news: the quoted title gives way to it.
  const reason = fitTitle(bounceReason(o), 200);
  return `Fix ${fitTitle(ctx.root.title, MAX_TITLE_LENGTH - `Fix : ${reason}`.length)}: ${reason}`;
}

/** The last lines of what went wrong, as the fix bead and the escalation quote them. */
function evidence(o: BounceOutcome): string {
  switch (o.kind) {
    case 'conflict': return `Conflicting files:\n${o.files.map((f) => `- ${f}`).join('\n')}` + (o.detail ? `\n\ngit said:\n\n${fenced(o.detail)}` : '');
    case 'red': return `Last lines of the test output (on ${o.testedCommit.slice(0, 12)}):\n\n${fenced(o.tail)}`;
    case 'error': return fenced(o.detail);
  }
}

/**
 * The mail to the Mayor and the Overseer when a piece of work has used up its bounces: no more
 * fix beads, the bead waits (blocked) for a person, with the evidence and where the work is. Pure.
 */
export function escalationMail(ctx: BounceContext, o: BounceOutcome, fixes: string[], rig: string): { subject: string; body: string } {
  const reason = bounceReason(o);
  return {
    subject: fitTitle(`${rig}: bounced ${fixes.length + 1} times, needs a person: ${ctx.root.title}`),
    body: `The refinery bounced ${ctx.mrId} (branch \`${ctx.branch}\`, for ${ctx.source.id}) when merging it onto ` +
      `${ctx.mainBranch} at ${ctx.mainCommit.slice(0, 12)}: ${reason}.\n\n` +
      `That is bounce ${fixes.length + 1} of ${ctx.root.id} "${ctx.root.title}", past its budget of ${fixes.length}: ` +
      `its fixes ${fixes.join(', ')} did not land. No further fix bead is filed; ${ctx.source.id} is blocked until someone decides.\n\n` +
      `${evidence(o)}\n\nThe work is kept on branch \`${ctx.branch}\` of the rig's repo. To send it out again: ` +
      `\`gt sling ${ctx.source.id} ${rig} --force\`; to drop it: \`bd close ${ctx.root.id}\`.`,
  };
}

export function fixBeadDescription(ctx: BounceContext, o: BounceOutcome): string {
  const head = `The refinery bounced ${ctx.mrId} (branch \`${ctx.branch}\`, for ${ctx.source.id} "${ctx.source.title}") ` +
    `when merging it onto ${ctx.mainBranch} at ${ctx.mainCommit.slice(0, 12)}: ${bounceReason(o)}.`;
  // Cherry-pick onto the fixer's own branch (which starts from main): it stays on its branch for `gt done`.
  const bring = `The bounced work is on branch \`${ctx.branch}\` of the rig's repo. Bring it onto your branch (which starts from current ${ctx.mainBranch}):\n\n` +
    fenced(`git cherry-pick ${ctx.mainBranch}..${ctx.branch}   # resolve, git add, git cherry-pick --continue`) + '\n';
  switch (o.kind) {
    case 'conflict':
      return `${head}\n\n${evidence(o)}\n\n${bring}\n` +
        `Resolve the conflicts in those files keeping both sides' intent (${ctx.mainBranch} has changed them since the branch was cut), ` +
        'run the tests, commit, and hand in with `gt done`.';
    case 'red':
      return `${head}\n\nThe tests ran on ${o.testedCommit.slice(0, 12)} (the branch rebased onto ${ctx.mainBranch}) and failed. ` +
        `Last lines of the test output:\n\n${fenced(o.tail)}\n\n${bring}\n` +
        'Make the tests pass on top of current main, commit, and hand in with `gt done`.';
    case 'error':
      return `${head}\n\n${evidence(o)}\n\nRedo the work of ${ctx.source.id} on a fresh branch from ${ctx.mainBranch} ` +
        '(its branch could not be merged as it was), commit, and hand in with `gt done`.';
  }
}

function listFiles(files: string[]): string {
  return files.length > 5 ? `${files.slice(0, 5).join(', ')} and ${files.length - 5} more` : files.join(', ');
}
