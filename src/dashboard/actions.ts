// What the dashboard may change, each through the same service call as the CLI command named
// beside it. The person at the page is the Overseer. Parsing a request body is pure; a bad body
// is a UserError (400), never a half-done change.
import { UserError } from '../lib/errors.js';
import type { Town } from '../town/town.js';

export const ACTOR = 'overseer';

export type Action =
  | { kind: 'sling'; beads: string[]; target: string } //        gt sling <bead...> <target>
  | { kind: 'nudge'; agent: string; message: string } //         gt nudge <agent> <message>
  | { kind: 'stop'; agent: string } //                           gt session kill <agent>
  | { kind: 'mq-retry'; mr: string } //                          gt mq retry <mr>
  | { kind: 'mq-remove'; mr: string } //                         gt mq remove <mr>
  | { kind: 'convoy-create'; title: string; beads: string[] } // gt convoy create <title> <bead...>
  | { kind: 'mail-reply'; id: string; body: string } //          gt mail reply <id> -m <body>
  | { kind: 'gate-approve'; id: string; reason?: string }; //    gt gate approve <id> [-r <reason>]

export const ACTION_KINDS = ['sling', 'nudge', 'stop', 'mq-retry', 'mq-remove', 'convoy-create', 'mail-reply', 'gate-approve'] as const;

const str = (o: Record<string, unknown>, k: string): string => {
  const v = o[k];
  if (typeof v !== 'string' || !v.trim()) throw new UserError(`'${k}' is required`);
  return v.trim();
};
const ids = (o: Record<string, unknown>, k: string): string[] => {
  const v = o[k];
  const list = typeof v === 'string' ? v.split(/[\s,]+/) : Array.isArray(v) ? v : [];
  const out = list.filter((x): x is string => typeof x === 'string' && !!x.trim()).map((x) => x.trim());
  if (!out.length) throw new UserError(`'${k}' needs at least one bead id`);
  return out;
};

/** The action a POST /api/action/<kind> body asks for. Pure. */
export function parseAction(kind: string, body: unknown): Action {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new UserError('the request body must be a JSON object');
  const o = body as Record<string, unknown>;
  switch (kind) {
    case 'sling': return { kind, beads: ids(o, 'beads'), target: str(o, 'target') };
    case 'nudge': return { kind, agent: str(o, 'agent'), message: typeof o.message === 'string' && o.message.trim() ? o.message.trim() : 'Check your hook: run `gt prime` and work it (GUPP).' };
    case 'stop': return { kind, agent: str(o, 'agent') };
    case 'mq-retry':
    case 'mq-remove': return { kind, mr: str(o, 'mr') };
    case 'convoy-create': return { kind, title: str(o, 'title'), beads: ids(o, 'beads') };
    case 'mail-reply': return { kind, id: str(o, 'id'), body: str(o, 'body') };
    case 'gate-approve': return { kind, id: str(o, 'id'), reason: typeof o.reason === 'string' && o.reason.trim() ? o.reason.trim() : undefined };
    default: throw new UserError(`no such action '${kind}'`, `one of: ${ACTION_KINDS.join(', ')}`);
  }
}

/** Carries out an action; returns what the matching CLI command would print as --json. */
export async function runAction(town: Town, a: Action): Promise<unknown> {
  switch (a.kind) {
    case 'sling': {
      const { sling } = await import('../work/sling.js');
      return sling(town, a.beads, a.target, { actor: ACTOR });
    }
    case 'nudge': {
      const { nudgeAgent } = await import('../runtime/nudge.js');
      return nudgeAgent(town, a.agent, a.message, { timeoutMs: 5000, typeWhenBusy: true });
    }
    case 'stop': {
      const { stopAgent } = await import('../runtime/launch.js');
      const { mustGetAgent } = await import('../town/identity.js');
      await mustGetAgent(town, a.agent);
      await stopAgent(town, a.agent);
      return { agent: a.agent, stopped: true };
    }
    case 'mq-retry': {
      const { mqRetry } = await import('../refinery/mq.js');
      return mqRetry(town, a.mr, ACTOR);
    }
    case 'mq-remove': {
      const { mqRemove } = await import('../refinery/mq.js');
      return mqRemove(town, a.mr, ACTOR);
    }
    case 'convoy-create': {
      const { createConvoy } = await import('../work/convoy.js');
      return createConvoy(town, a.title, a.beads, ACTOR);
    }
    case 'mail-reply': {
      const { replyMail } = await import('../work/mail.js');
      return replyMail(town, a.id, ACTOR, a.body, ACTOR);
    }
    case 'gate-approve': {
      const { approveGate } = await import('../work/molecules.js');
      return approveGate(town, a.id, ACTOR, a.reason);
    }
  }
}
