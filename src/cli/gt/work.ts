// gt hook, sling, unsling, convoy, mail, prime, handoff, done.
import type { Command } from 'commander';
import { output, warn } from '../output.js';
import { collect, currentTown, me, positiveInt } from './context.js';

export function register(program: Command): void {
  program
    .command('hook [agent]')
    .description('show the work on an identity\'s hook (default: yours)')
    .option('--json', 'print JSON')
    .action(async (agent: string | undefined, o: { json?: boolean }) => {
      const town = await currentTown();
      const { showHook } = await import('../../work/hook.js');
      const v = await showHook(town, agent ?? (await me(town)));
      output(o.json, v, (d) => (d.bead ? `${d.agent}: ${d.bead.id} ${d.bead.title} [${d.bead.status}]\n\n${d.bead.description ?? ''}` : `${d.agent}: hook is empty`));
    });

  program
    .command('sling <args...>')
    .description('put beads on a hook: `gt sling <bead...|epic> <rig>` spawns a polecat per ready bead within capacity and stages the rest on the convoy (the deacon slings them as blockers land and slots free); `gt sling <bead> <agent>` hooks an existing agent; `gt sling <formula|proto> <rig> --var k=v` pours the formula and slings the molecule')
    .option('--agent <name>', 'agent CLI for the session (claude, codex, gemini, opencode, amp, shell, or a custom one)')
    .option('--convoy <id>', 'add to this convoy instead of creating one')
    .option('--max-concurrent <n>', "at most this many of the convoy's beads in flight at once", positiveInt)
    .option('--force', 'sling even if the bead is blocked or claimed')
    .option('--no-start', 'hook only; do not start a session')
    .option('--var <name=value>', 'a formula variable, when slinging a formula (repeatable)', collect, [])
    .option('--dir <dir>', 'also look for <name>.formula.toml here, when slinging a formula (repeatable)', collect, [])
    .option('--wisp', 'when slinging a formula, pour it as a wisp')
    .option('--preset <name>', "when slinging a convoy formula, pour only its preset's legs")
    .option('--json', 'print JSON')
    .action(async (args: string[], o: { agent?: string; convoy?: string; force?: boolean; start?: boolean; maxConcurrent?: number; var: string[]; dir: string[]; wisp?: boolean; preset?: string; json?: boolean }) => {
      const { UsageError } = await import('../../lib/errors.js');
      if (args.length < 2) throw new UsageError('gt sling needs at least one bead and a target', 'gt sling <bead...> <rig|agent>');
      const target = args.pop()!;
      const town = await currentTown();
      const { sling, slingFormula } = await import('../../work/sling.js');
      const formulaAsked = o.var.length > 0 || o.dir.length > 0 || !!o.wisp || o.preset !== undefined;
      let r: Awaited<ReturnType<typeof sling>> & { molecule?: { root: string; formula: string; rig: string; wisp: boolean; steps: number } };
      if (formulaAsked || (args.length === 1 && (await (await import('../../work/molecules.js')).isPourable(town, args[0]!)))) {
        if (args.length !== 1) throw new UsageError(`--var, --dir, --wisp and --preset sling one formula; got ${args.length} names`, 'gt sling <formula> <rig> --var name=value');
        const { parseVarArgs } = await import('../../molecules/cook.js');
        const { var: vars, dir: dirs, ...rest } = o;
        const f = await slingFormula(town, args[0]!, target, { ...rest, vars: parseVarArgs(vars), dirs });
        r = f;
      } else {
        r = await sling(town, args, target, o);
      }
      for (const h of r.hooked) if (h.session === 'failed') warn('gt', `${h.bead} is hooked to ${h.agent}, but its session FAILED: ${h.error}`);
      output(o.json, r, (d) =>
        [
          ...(d.molecule ? [`Poured ${d.molecule.wisp ? 'wisp' : 'molecule'} ${d.molecule.root} from ${d.molecule.formula} (${d.molecule.steps} steps) in ${d.molecule.rig}`] : []),
          ...d.hooked.map((h) => `${h.created ? 'Hooked' : 'Already hooked:'} ${h.bead} -> ${h.agent}${h.branch ? ` (${h.branch})` : ''}${h.session === 'started' ? ', session started' : ''}`),
          ...d.staged.map((x) => `Staged ${x.bead} (${x.reason})`),
          `Convoy ${d.convoy}${d.convoyCreated ? ' (new)' : ''}${d.staged.length ? `; ${d.staged.length} staged bead(s) are slung by the deacon (gt up) as they become ready` : ''}`,
        ].join('\n'),
      );
      if (r.hooked.some((h) => h.session === 'failed')) process.exitCode = 1;
    });

  program
    .command('unsling [agent]')
    .description('clear an identity\'s hook and free its bead (a polecat is decommissioned; its branch is kept)')
    .option('--json', 'print JSON')
    .action(async (agent: string | undefined, o: { json?: boolean }) => {
      const town = await currentTown();
      const { unsling } = await import('../../work/hook.js');
      const r = await unsling(town, agent ?? (await me(town)), await me(town));
      output(o.json, { agent: r.agent.address, bead: r.bead }, (d) => `Unslung ${d.bead ?? 'nothing'} from ${d.agent}`);
    });

  const convoy = program.command('convoy').description('convoys: sets of beads delivered as one unit');
  convoy
    .command('create <title> [beads...]')
    .description('create a convoy tracking beads')
    .option('--json', 'print JSON')
    .action(async (title: string, beads: string[], o: { json?: boolean }) => {
      const town = await currentTown();
      const { createConvoy } = await import('../../work/convoy.js');
      const c = await createConvoy(town, title, beads, await me(town));
      output(o.json, c, (d) => `Created convoy ${d.id} "${d.title}" tracking ${beads.length} bead(s)`);
    });
  convoy
    .command('add <convoy> <beads...>')
    .description('track more beads in a convoy')
    .option('--json', 'print JSON')
    .action(async (id: string, beads: string[], o: { json?: boolean }) => {
      const town = await currentTown();
      const { addToConvoy } = await import('../../work/convoy.js');
      const c = await addToConvoy(town, id, beads, await me(town));
      output(o.json, c, (d) => `Convoy ${d.id} now tracks ${d.dependencies.filter((x) => x.type === 'tracks').length} bead(s)`);
    });
  convoy
    .command('list')
    .description('list open convoys (--all for landed ones too)')
    .option('--all', 'include closed convoys')
    .option('--json', 'print JSON')
    .action(async (o: { all?: boolean; json?: boolean }) => {
      const town = await currentTown();
      const { listConvoys } = await import('../../work/convoy.js');
      output(o.json, await listConvoys(town, o), (d) => (d.length ? d.map((c) => `${c.id.padEnd(12)} ${String(c.closed).padStart(3)}/${c.total} ${c.status.padEnd(7)} ${c.title}`).join('\n') : 'No open convoys.'));
    });
  convoy
    .command('status [convoy]')
    .description('a convoy\'s tracked beads with their state and overall progress (default: every open convoy)')
    .option('--json', 'print JSON')
    .action(async (id: string | undefined, o: { json?: boolean }) => {
      const town = await currentTown();
      const { convoyStatus, listConvoys, refreshConvoys, requireConvoy } = await import('../../work/convoy.js');
      // Looking at a convoy lands it if its last bead just closed (the patrol would, a moment later).
      const failed: { convoy: string; message: string }[] = [];
      await refreshConvoys(town, id ? [...trackedOf(await requireConvoy(town, id))] : undefined, await me(town), failed);
      for (const f of failed) process.stderr.write(`gt: warning: convoy ${f.convoy} could not be landed: ${f.message}\n`);
      const list = id ? [await convoyStatus(town, id)] : await listConvoys(town);
      const { renderConvoy } = await import('../../work/convoy-view.js');
      output(o.json, id ? list[0] : list, () => (list.length ? list.map(renderConvoy).join('\n\n') : 'No open convoys.'));
    });

  convoy
    .command('stranded [convoy]')
    .description('tracked beads that cannot progress on their own, and why (a cycle, a blocker outside the convoy nobody works, a blocker closed before its work merged, a given-up or retired holder, a bounced MR with no worker)')
    .option('--json', 'print JSON')
    .action(async (id: string | undefined, o: { json?: boolean }) => {
      const { strandedBeads } = await import('../../work/stranded.js');
      const r = await strandedBeads(await currentTown(), id);
      output(o.json, r, (d) => (d.length ? d.map((x) => `${x.convoy} ${x.bead}: ${x.reason}`).join('\n') : 'Nothing stranded.'));
      if (r.length) process.exitCode = 1;
    });

  const mail = program.command('mail').description('mail between identities (mayor, overseer, <rig>/witness, <rig>/<polecat>, <rig>/crew/<name>)');
  mail
    .command('send <to>')
    .description('send mail; an unknown address is an error')
    .requiredOption('-s, --subject <subject>', 'subject')
    .option('-m, --message <body>', 'body', '')
    .option('--nudge', 'also nudge the recipient\'s live session')
    .option('--nudge-timeout <sec>', 'how long the nudge waits for the recipient to be idle', positiveInt, 30)
    .option('--json', 'print JSON')
    .action(async (to: string, o: { subject: string; message: string; nudge?: boolean; nudgeTimeout: number; json?: boolean }) => {
      const town = await currentTown();
      const { sendMail } = await import('../../work/mail.js');
      const from = await me(town);
      const m = await sendMail(town, { from, to, subject: o.subject, body: o.message }, from);
      // The mail is delivered either way; the nudge is a courtesy to a live session.
      // `nudged` says what really happened: 'nudged' only when the text was typed.
      let nudged: string | undefined;
      if (o.nudge) {
        const { nudgeAgent } = await import('../../runtime/launch.js');
        nudged = await nudgeAgent(town, m.to, `You have mail from ${from}: "${m.subject}". Run \`gt mail inbox\`.`, { timeoutMs: o.nudgeTimeout * 1000 })
          .then((r) => (r.delivered ? 'nudged' : `not nudged: ${r.agent} stayed busy for ${Math.round(r.waitedMs / 1000)}s (the mail waits in its inbox)`))
          .catch((e: Error) => `not nudged: ${e.message}`);
        if (nudged !== 'nudged') warn('gt', nudged);
      }
      output(o.json, { ...m, nudged }, (d) => `Sent ${d.id} to ${d.to}${d.nudged === 'nudged' ? ` (nudged)` : ''}`);
    });
  mail
    .command('inbox [agent]')
    .description('list mail (default: yours)')
    .option('--all', 'include archived mail')
    .option('--unread', 'only unread mail')
    .option('--json', 'print JSON')
    .action(async (agent: string | undefined, o: { all?: boolean; unread?: boolean; json?: boolean }) => {
      const town = await currentTown();
      const { inbox } = await import('../../work/mail.js');
      const who = agent ?? (await me(town));
      output(o.json, await inbox(town, who, o), (d) => (d.length ? d.map((m) => `${m.read ? ' ' : '*'} ${m.id.padEnd(10)} ${m.from.padEnd(22)} ${m.subject}`).join('\n') : `No mail for ${who}.`));
    });
  mail
    .command('read <id>')
    .description('show a message and mark it read')
    .option('--json', 'print JSON')
    .action(async (id: string, o: { json?: boolean }) => {
      const town = await currentTown();
      const { readMail } = await import('../../work/mail.js');
      const who = await me(town);
      output(o.json, await readMail(town, id, who, who), (m) => `From: ${m.from}\nTo: ${m.to}\nSubject: ${m.subject}\nDate: ${m.created_at}\n\n${m.body}`);
    });
  mail
    .command('reply <id>')
    .description('reply in the same thread')
    .requiredOption('-m, --message <body>', 'body')
    .option('-s, --subject <subject>', 'subject (default: Re: ...)')
    .option('--json', 'print JSON')
    .action(async (id: string, o: { message: string; subject?: string; json?: boolean }) => {
      const town = await currentTown();
      const { replyMail } = await import('../../work/mail.js');
      const who = await me(town);
      output(o.json, await replyMail(town, id, who, o.message, who, o.subject), (d) => `Sent ${d.id} to ${d.to} (thread ${d.thread})`);
    });
  mail
    .command('archive <ids...>')
    .description('archive messages')
    .option('--json', 'print JSON')
    .action(async (ids: string[], o: { json?: boolean }) => {
      const town = await currentTown();
      const { archiveMail } = await import('../../work/mail.js');
      const who = await me(town);
      const done = [];
      for (const id of ids) done.push(await archiveMail(town, id, who, who));
      output(o.json, done, (d) => d.map((m) => `Archived ${m.id}`).join('\n'));
    });
  mail
    .command('thread <id>')
    .description('show every message of a thread')
    .option('--json', 'print JSON')
    .action(async (id: string, o: { json?: boolean }) => {
      const town = await currentTown();
      const { thread } = await import('../../work/mail.js');
      output(o.json, await thread(town, id), (d) => d.map((m) => `${m.created_at} ${m.from} -> ${m.to}: ${m.subject}\n${m.body}`).join('\n\n'));
    });

  program
    .command('prime')
    .description('print the role prompt for this identity: role, GUPP, the hooked bead in full, mail, handoff note')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const town = await currentTown();
      const { prime } = await import('../../work/prime.js');
      const v = await prime(town, await me(town));
      output(o.json, v, (d) => d.text);
    });

  program
    .command('handoff')
    .description('leave a note for your successor (shown by its gt prime) and restart your session')
    .option('-m, --message <note>', 'the note', '')
    .option('--no-restart', 'only leave the note')
    .option('--json', 'print JSON')
    .action(async (o: { message: string; restart?: boolean; json?: boolean }) => {
      const town = await currentTown();
      const { writeHandoff } = await import('../../work/handoff.js');
      const who = await me(town);
      const m = await writeHandoff(town, who, o.message, who);
      let restarting = false;
      if (o.restart !== false && process.env.GT_AGENT) {
        const { restartOwnSession } = await import('../../runtime/launch.js');
        restartOwnSession(town, who);
        restarting = true;
      }
      output(o.json, { note: m.id, restarting }, (d) => `Handoff note ${d.note} left${d.restarting ? '; restarting the session' : ''}`);
    });

  program
    .command('done')
    .description('(polecat) hand in finished work: checks the worktree is committed, files a merge request, releases the hook')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const town = await currentTown();
      const { done } = await import('../../work/done.js');
      const who = await me(town);
      const r = await done(town, who, who);
      output(o.json, r, (d) => `${d.created ? 'Filed' : 'Already filed'} ${d.mr.id} for ${d.bead} (${d.mr.branch} -> ${d.mr.target}); hook released`);
      if (process.env.GT_AGENT) {
        const { endOwnSession } = await import('../../runtime/launch.js');
        await endOwnSession(town, who);
      }
    });
}

function trackedOf(convoy: { dependencies: { type: string; depends_on_id: string }[] }): string[] {
  return convoy.dependencies.filter((d) => d.type === 'tracks').map((d) => d.depends_on_id);
}
