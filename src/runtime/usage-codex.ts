// Codex's usage, from its session rollouts: $CODEX_HOME/sessions/YYYY/MM/DD/rollout-<time>-<id>.jsonl
// (seen with codex-cli 0.169.0 against the stub model). The first line is `session_meta` (payload.cwd,
// payload.timestamp); `turn_context` lines name the model; each `event_msg` of payload.type
// `token_count` carries info.total_token_usage, the session's running total (input_tokens includes
// cached_input_tokens; output_tokens includes reasoning). Codex picks its own session ids, so a
// session is found by its cwd and when it started.
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { addUsage, EMPTY_USAGE, usageOf, type Usage } from './usage.js';

interface TokenTotals { input_tokens?: number; cached_input_tokens?: number; output_tokens?: number }

/** The usage of one rollout: its last running total, priced by its model. Bad lines are skipped. Pure. */
export function summarizeCodexRollout(lines: Iterable<string>): Usage | undefined {
  let model = 'gpt-5';
  let total: TokenTotals | undefined;
  for (const line of lines) {
    if (!line.includes('"turn_context"') && !line.includes('"token_count"')) continue;
    let rec: { type?: string; payload?: { type?: string; model?: string; info?: { total_token_usage?: TokenTotals } | null } };
    try { rec = JSON.parse(line); } catch { continue; }
    if (rec.type === 'turn_context' && rec.payload?.model) model = rec.payload.model;
    if (rec.type === 'event_msg' && rec.payload?.type === 'token_count' && rec.payload.info?.total_token_usage) total = rec.payload.info.total_token_usage;
  }
  if (!total) return undefined;
  const cached = total.cached_input_tokens ?? 0;
  return usageOf(model, { input: Math.max(0, (total.input_tokens ?? 0) - cached), output: total.output_tokens ?? 0, cacheRead: cached });
}

type Meta = { cwd?: string; at?: number } | undefined;
/**
 * A rollout's first line never changes once written, and a cost report looks at every rollout
 * once per codex session (the dashboard once per rebuild): a meta read whole is kept for the
 * process. One not readable yet (codex still writing its first line) is read again next time.
 */
const metas = new Map<string, NonNullable<Meta>>();

function rolloutMeta(path: string): Meta {
  let meta = metas.get(path);
  if (!meta && (meta = readRolloutMeta(path))) metas.set(path, meta);
  return meta;
}

/** The rollout's session_meta: where and when it ran. */
function readRolloutMeta(path: string): Meta {
  // The first line holds the whole base prompt (tens of KB): read up to its newline only.
  const fd = openSync(path, 'r');
  try {
    const chunks: Buffer[] = [];
    const buf = Buffer.alloc(64 * 1024);
    for (let n, total = 0; (n = readSync(fd, buf, 0, buf.length, total)) > 0 && total < 4 * 1024 * 1024; total += n) {
      const nl = buf.subarray(0, n).indexOf(10);
      chunks.push(Buffer.from(buf.subarray(0, nl < 0 ? n : nl)));
      if (nl >= 0) break;
    }
    const rec = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { type?: string; payload?: { cwd?: string; timestamp?: string } };
    if (rec.type !== 'session_meta') return undefined;
    return { cwd: rec.payload?.cwd, at: Date.parse(rec.payload?.timestamp ?? '') || undefined };
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

function rollouts(dir: string, depth = 0): string[] {
  let entries;
  try { entries = readdirSync(dir, { withFileTypes: true }); } catch { return []; }
  return entries.flatMap((e) => e.isDirectory() && depth < 3 ? rollouts(join(dir, e.name), depth + 1)
    : e.isFile() && e.name.startsWith('rollout-') && e.name.endsWith('.jsonl') ? [join(dir, e.name)] : []);
}

/** Slack for clocks: codex writes its session_meta just after the launcher records the start. */
const SLACK_MS = 5_000;

/**
 * Usage of the codex sessions that ran in `cwd` from `fromMs` until `toMs` (open-ended when
 * undefined), read from `sessionsDir` ($CODEX_HOME/sessions). Undefined when there are none.
 */
export function codexUsage(sessionsDir: string, cwd: string, fromMs: number, toMs?: number): Usage | undefined {
  if (!existsSync(sessionsDir)) return undefined;
  let sum: Usage | undefined;
  for (const path of rollouts(sessionsDir)) {
    const meta = rolloutMeta(path);
    if (!meta?.at || meta.cwd !== cwd || meta.at < fromMs - SLACK_MS || (toMs !== undefined && meta.at > toMs)) continue;
    const u = summarizeCodexRollout(readFileSync(path, 'utf8').split('\n'));
    if (u) sum = addUsage(sum ?? EMPTY_USAGE, u);
  }
  return sum;
}
