// What a bounce sends back: the fix bead's title and description, written so an agent that knows
// nothing else can pick it up. Pure: text from the evidence, no I/O.
import type { MergeOutcome } from './engine.js';

export type BounceOutcome = Extract<MergeOutcome, { kind: 'conflict' | 'red' | 'error' }>;

export interface BounceContext {
  mrId: string;
  source: { id: string; title: string };
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

export function fixBeadTitle(ctx: BounceContext, o: BounceOutcome): string {
  return `Fix ${ctx.source.title}: ${bounceReason(o)}`;
}

export function fixBeadDescription(ctx: BounceContext, o: BounceOutcome): string {
  const head = `The refinery bounced ${ctx.mrId} (branch \`${ctx.branch}\`, for ${ctx.source.id} "${ctx.source.title}") ` +
    `when merging it onto ${ctx.mainBranch} at ${ctx.mainCommit.slice(0, 12)}: ${bounceReason(o)}.`;
  // Cherry-pick onto the fixer's own branch (which starts from main): it stays on its branch for `gt done`.
  const bring = `The bounced work is on branch \`${ctx.branch}\` of the rig's repo. Bring it onto your branch (which starts from current ${ctx.mainBranch}):\n\n` +
    '```\n' + `git cherry-pick ${ctx.mainBranch}..${ctx.branch}   # resolve, git add, git cherry-pick --continue\n` + '```\n';
  switch (o.kind) {
    case 'conflict':
      return `${head}\n\nConflicting files:\n${o.files.map((f) => `- ${f}`).join('\n')}\n\n${bring}\n` +
        `Resolve the conflicts in those files keeping both sides' intent (${ctx.mainBranch} has changed them since the branch was cut), ` +
        'run the tests, commit, and hand in with `gt done`.' +
        (o.detail ? `\n\ngit said:\n\n\`\`\`\n${o.detail}\n\`\`\`` : '');
    case 'red':
      return `${head}\n\nThe tests ran on ${o.testedCommit.slice(0, 12)} (the branch rebased onto ${ctx.mainBranch}) and failed. ` +
        `Last lines of the test output:\n\n\`\`\`\n${o.tail}\n\`\`\`\n\n${bring}\n` +
        'Make the tests pass on top of current main, commit, and hand in with `gt done`.';
    case 'error':
      return `${head}\n\n${o.detail}\n\nRedo the work of ${ctx.source.id} on a fresh branch from ${ctx.mainBranch} ` +
        '(its branch could not be merged as it was), commit, and hand in with `gt done`.';
  }
}

function listFiles(files: string[]): string {
  return files.length > 5 ? `${files.slice(0, 5).join(', ')} and ${files.length - 5} more` : files.join(', ');
}
