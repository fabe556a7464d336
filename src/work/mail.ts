// Mail: message beads in the HQ store between identities. Subject is the title, body the
// description, the recipient the assignee; sender, thread and read time are fields. Archiving
// closes the message. Mail to an address with no identity is an error, never silently lost.
import { UserError } from '../lib/errors.js';
import { now } from '../lib/time.js';
import type { Issue } from '../beads/model.js';
import type { Tx } from '../beads/api.js';
import { fitTitle } from '../beads/model.js';
import { canonicalAddress } from '../town/address.js';
import { getAgent } from '../town/identity.js';
import type { Town } from '../town/town.js';

export const MESSAGE_TYPE = 'message';

export interface Message {
  id: string;
  from: string;
  to: string;
  subject: string;
  body: string;
  thread: string;
  read: boolean;
  archived: boolean;
  created_at: string;
}

export function messageFromBead(b: Issue): Message {
  return {
    id: b.id,
    from: String(b.fields.sender ?? ''),
    to: b.assignee ?? '',
    subject: b.title,
    body: b.description ?? '',
    thread: String(b.fields.thread ?? b.id),
    read: !!b.fields.read_at,
    archived: b.status === 'closed',
    created_at: b.created_at,
  };
}

async function resolveRecipient(town: Town, to: string): Promise<string> {
  let address: string;
  try {
    address = canonicalAddress(to);
  } catch {
    throw new UserError(`unknown mail address '${to}'`, 'use mayor, overseer, deacon, <rig>/witness, <rig>/refinery, <rig>/<polecat> or <rig>/crew/<name>');
  }
  let agent;
  try {
    agent = await getAgent(town, address);
  } catch {
    agent = undefined;
  }
  if (!agent || !agent.active) throw new UserError(`no such recipient: ${address}`, "see 'gt status' for the town's identities");
  return address;
}

export interface NewMail { from: string; to: string; subject: string; body?: string; replyTo?: string; labels?: string[] }

/** Sends one message; `hqTx`, when given, is the caller's transaction on the HQ store (the mail is part of it). */
export async function sendMail(town: Town, mail: NewMail, actor: string, hqTx?: Tx): Promise<Message> {
  if (!mail.subject.trim()) throw new UserError('mail needs a subject (-s)');
  const to = await resolveRecipient(town, mail.to);
  const outer: Tx = hqTx ?? (await town.stores.hq());
  return outer.transaction(async (hq) => {
    let thread: string | undefined;
    if (mail.replyTo) {
      const parent = await hq.mustGet(mail.replyTo);
      if (parent.issue_type !== MESSAGE_TYPE) throw new UserError(`${parent.id} is not a message`);
      thread = messageFromBead(parent).thread;
    }
    const bead = await hq.create(
      {
        title: mail.subject,
        description: mail.body ?? '',
        issue_type: MESSAGE_TYPE,
        priority: 2,
        assignee: to,
        labels: mail.labels,
        fields: { sender: mail.from, ...(thread ? { thread } : {}) },
      },
      actor,
    );
    if (mail.replyTo) await hq.addDependency(bead.id, mail.replyTo, 'replies-to', actor);
    return messageFromBead(await hq.mustGet(bead.id));
  });
}

export async function inbox(town: Town, address: string, opts: { all?: boolean; unread?: boolean } = {}): Promise<Message[]> {
  const to = canonicalAddress(address);
  return (await (await town.stores.hq()).list({ type: MESSAGE_TYPE, assignee: to }))
    .map(messageFromBead)
    .filter((m) => (opts.all || !m.archived) && (!opts.unread || !m.read))
    .sort((a, b) => a.created_at.localeCompare(b.created_at));
}

export async function unreadCount(town: Town, address: string): Promise<number> {
  return (await inbox(town, address, { unread: true })).length;
}

async function mustGetMessage(town: Town, id: string, reader: string): Promise<Issue> {
  const bead = await (await town.stores.hq()).mustGet(id);
  if (bead.issue_type !== MESSAGE_TYPE) throw new UserError(`${bead.id} is not a message`);
  if (reader !== 'overseer' && bead.assignee !== reader && bead.fields.sender !== reader) {
    throw new UserError(`${bead.id} is not addressed to ${reader}`);
  }
  return bead;
}

/** Returns the message and marks it read (once). */
export async function readMail(town: Town, id: string, reader: string, actor: string): Promise<Message> {
  const bead = await mustGetMessage(town, id, reader);
  if (!bead.fields.read_at && bead.assignee === reader) {
    return messageFromBead(await (await town.stores.hq()).update(bead.id, { fields: { read_at: now() } }, actor));
  }
  return messageFromBead(bead);
}

export async function archiveMail(town: Town, id: string, reader: string, actor: string): Promise<Message> {
  const bead = await mustGetMessage(town, id, reader);
  const hq = await town.stores.hq();
  if (bead.status !== 'closed') {
    await hq.transaction(async (tx) => {
      if (!bead.fields.read_at) await tx.update(bead.id, { fields: { read_at: now() } }, actor);
      await tx.closeIssues([bead.id], 'archived', actor);
    });
  }
  return messageFromBead(await hq.mustGet(bead.id));
}

export async function replyMail(town: Town, id: string, from: string, body: string, actor: string, subject?: string): Promise<Message> {
  const parent = messageFromBead(await mustGetMessage(town, id, from));
  const to = parent.from === from ? parent.to : parent.from;
  return sendMail(town, { from, to, subject: subject ?? (parent.subject.startsWith('Re: ') ? parent.subject : fitTitle(`Re: ${parent.subject}`)), body, replyTo: id }, actor);
}

export async function thread(town: Town, threadId: string): Promise<Message[]> {
  return (await (await town.stores.hq()).list({ type: MESSAGE_TYPE }))
    .map(messageFromBead)
    .filter((m) => m.thread === threadId)
    .sort((a, b) => a.created_at.localeCompare(b.created_at));
}
