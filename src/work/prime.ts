// `gt prime`: the context an agent reads at the start of every session: its role, GUPP, the bead
// on its hook in full, unread mail, and the predecessor's handoff note. Reads only, except marking
// the handoff note it shows as read.
import { printable } from '../lib/text.js';
import type { Issue } from '../beads/model.js';
import { mustGetAgent, type Agent } from '../town/identity.js';
import type { Town } from '../town/town.js';
import { ROLE_PROMPTS } from './prompts/roles.js';
import { hookedBead } from './hook.js';
import { inbox, readMail, type Message } from './mail.js';

export interface PrimeView {
  agent: Agent;
  hook?: Issue;
  unread: number;
  handoff?: Message;
  text: string;
}

export function fill(template: string, vars: Record<string, string | undefined>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, k: string) => vars[k] ?? '');
}

function beadSection(b: Issue): string {
  const parts = [`## On your hook: ${b.id} — ${printable(b.title)}`, `type ${b.issue_type}, priority P${b.priority}, status ${b.status}`];
  if (b.description) parts.push('', b.description);
  if (b.design) parts.push('', '### Design', b.design);
  if (b.acceptance_criteria) parts.push('', '### Acceptance criteria', b.acceptance_criteria);
  if (b.notes) parts.push('', '### Notes', b.notes);
  for (const c of b.comments) parts.push('', `> ${c.author} (${c.created_at}): ${c.text}`);
  return parts.join('\n');
}

/**
 * A hooked bead with child steps is worked as a molecule: one step at a time, in order. The
 * current step is the first open child that nothing blocks. Pure over the children.
 */
export function moleculeStep(steps: Issue[], ready: Set<string>): { done: number; total: number; current?: Issue } {
  const open = steps.filter((s) => s.status !== 'closed');
  return { done: steps.length - open.length, total: steps.length, current: open.find((s) => ready.has(s.id)) ?? open[0] };
}

async function moleculeSection(town: Town, hook: Issue): Promise<string | undefined> {
  const store = await town.stores.forBead(hook.id);
  // A hooked wisp (a patrol's, say) is worked like any molecule: its ephemeral steps count.
  // Gate beads (a gated step's gate) are children too, but not steps to work.
  const steps = (await store.list({ parent: hook.id, includeEphemeral: true })).filter((s) => s.issue_type !== 'gate')
    .sort((a, b) => a.id.localeCompare(b.id, undefined, { numeric: true }));
  if (!steps.length) return undefined;
  const ready = new Set((await store.ready({ parent: hook.id, includeEphemeral: true })).map((s) => s.id));
  const { done, total, current } = moleculeStep(steps, ready);
  if (!current) return `## Molecule: all ${total} steps closed — finish up and hand in (\`gt done\`)`;
  return [`## Molecule: step ${done + 1} of ${total} — ${current.id} ${printable(current.title)}`, current.description ?? '', `Close the step when it is done (\`bd close ${current.id}\`), then run \`gt prime\` for the next.`].filter(Boolean).join('\n');
}

export async function prime(town: Town, address: string): Promise<PrimeView> {
  const agent = await mustGetAgent(town, address);
  const hook = await hookedBead(town, agent);
  const mail = await inbox(town, address);
  const handoffMsg = [...mail].reverse().find((m) => !m.read && m.subject.startsWith('HANDOFF'));
  const handoff = handoffMsg ? await readMail(town, handoffMsg.id, agent.address, agent.address) : undefined;
  const unread = mail.filter((m) => !m.read && m.id !== handoff?.id).length;

  const sections = [fill(ROLE_PROMPTS[agent.role], { address: agent.address, rig: agent.rig, workdir: agent.workdir, branch: agent.branch })];
  sections.push(hook ? beadSection(hook) : '## Your hook is empty\nNo work is assigned to you right now.' + (agent.role === 'polecat' ? ' A polecat without work should stop.' : ''));
  const step = hook && (await moleculeSection(town, hook));
  if (step) sections.push(step);
  if (handoff) sections.push(`## Handoff from your predecessor (${handoff.created_at})\n${handoff.body}`);
  sections.push(unread ? `## Mail: ${unread} unread — run \`gt mail inbox\`` : '## Mail: nothing unread');
  return { agent, hook, unread, handoff, text: sections.join('\n\n') + '\n' };
}
