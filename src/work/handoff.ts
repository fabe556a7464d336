// `gt handoff`: leave a note for this identity's successor (read by its next `gt prime`), then
// ask the runtime to restart the session so a fresh context picks the work up.
import { mustGetAgent } from '../town/identity.js';
import type { Town } from '../town/town.js';
import { sendMail, type Message } from './mail.js';

export async function writeHandoff(town: Town, address: string, note: string, actor: string): Promise<Message> {
  const agent = await mustGetAgent(town, address);
  const hook = agent.hook ? ` (hook: ${agent.hook})` : '';
  return sendMail(town, { from: agent.address, to: agent.address, subject: `HANDOFF${hook}`, body: note || 'No note left.', labels: ['handoff'] }, actor);
}
