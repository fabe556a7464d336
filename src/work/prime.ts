// `gt prime`: the context an agent reads at the start of every session: its role, GUPP, the bead
// on its hook in full, unread mail, and the predecessor's handoff note. Reads only, except marking
// the handoff note it shows as read.
import type { Issue } from '../beads/store.js';
import { mustGetAgent, type Agent } from '../town/identity.js';
import type { Town } from '../town/town.js';
import { ROLE_PROMPTS } from './prompts/roles.js';
import { showHook } from './hook.js';
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
  const parts = [`## On your hook: ${b.id} — ${b.title}`, `type ${b.issue_type}, priority P${b.priority}, status ${b.status}`];
  if (b.description) parts.push('', b.description);
  if (b.design) parts.push('', '### Design', b.design);
  if (b.acceptance_criteria) parts.push('', '### Acceptance criteria', b.acceptance_criteria);
  if (b.notes) parts.push('', '### Notes', b.notes);
  for (const c of b.comments) parts.push('', `> ${c.author} (${c.created_at}): ${c.text}`);
  return parts.join('\n');
}

export function prime(town: Town, address: string): PrimeView {
  const agent = mustGetAgent(town, address);
  const hook = showHook(town, address).bead;
  const mail = inbox(town, address);
  const handoffMsg = [...mail].reverse().find((m) => !m.read && m.subject.startsWith('HANDOFF'));
  const handoff = handoffMsg ? readMail(town, handoffMsg.id, agent.address, agent.address) : undefined;
  const unread = mail.filter((m) => !m.read && m.id !== handoff?.id).length;

  const sections = [fill(ROLE_PROMPTS[agent.role], { address: agent.address, rig: agent.rig, workdir: agent.workdir, branch: agent.branch })];
  sections.push(hook ? beadSection(hook) : '## Your hook is empty\nNo work is assigned to you right now.' + (agent.role === 'polecat' ? ' A polecat without work should stop.' : ''));
  if (handoff) sections.push(`## Handoff from your predecessor (${handoff.created_at})\n${handoff.body}`);
  sections.push(unread ? `## Mail: ${unread} unread — run \`gt mail inbox\`` : '## Mail: nothing unread');
  return { agent, hook, unread, handoff, text: sections.join('\n\n') + '\n' };
}
