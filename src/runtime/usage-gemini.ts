// Gemini CLI's usage, from its chat files: ~/.gemini/tmp/<project>/chats/session-<time>-<id8>.jsonl
// (seen with @google/gemini-cli 0.61.0 against the stub model). The first line names the sessionId;
// each model turn is a line of type "gemini" with tokens {input, output, cached, thoughts, tool} and
// its model, and a turn is written again when its tool calls finish (same id: the last one counts).
// input includes cached (Gemini's promptTokenCount); thoughts are billed as output, tool as input.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { addUsage, EMPTY_USAGE, usageOf, type Usage } from './usage.js';

interface GeminiTokens { input?: number; output?: number; cached?: number; thoughts?: number; tool?: number }

/** The usage of one chat file, once per message id. Bad lines are skipped. Pure. */
export function summarizeGeminiChat(lines: Iterable<string>): Usage | undefined {
  const turns = new Map<string, { model: string; tokens: GeminiTokens }>();
  for (const line of lines) {
    if (!line.includes('"tokens"')) continue;
    let rec: { id?: string; type?: string; model?: string; tokens?: GeminiTokens };
    try { rec = JSON.parse(line); } catch { continue; }
    if (rec.type !== 'gemini' || !rec.tokens) continue;
    turns.set(rec.id ?? line, { model: rec.model ?? 'gemini', tokens: rec.tokens });
  }
  let sum: Usage | undefined;
  for (const { model, tokens: t } of turns.values()) {
    const cached = t.cached ?? 0;
    sum = addUsage(sum ?? EMPTY_USAGE, usageOf(model, { input: Math.max(0, (t.input ?? 0) - cached) + (t.tool ?? 0), output: (t.output ?? 0) + (t.thoughts ?? 0), cacheRead: cached }));
  }
  return sum;
}

/** Usage of the gemini session `sessionId`, read under `geminiDir` (~/.gemini). Undefined when not found. */
export function geminiUsage(geminiDir: string, sessionId: string): Usage | undefined {
  const tmp = join(geminiDir, 'tmp');
  if (!existsSync(tmp)) return undefined;
  const tail = `-${sessionId.slice(0, 8)}.jsonl`;
  let sum: Usage | undefined;
  for (const project of readdirSync(tmp)) {
    const chats = join(tmp, project, 'chats');
    let names: string[];
    try { names = readdirSync(chats); } catch { continue; }
    for (const name of names.filter((n) => n.startsWith('session-') && n.endsWith(tail))) {
      const lines = readFileSync(join(chats, name), 'utf8').split('\n');
      // The file name holds 8 characters of the id; the first line holds all of it.
      try { if ((JSON.parse(lines[0] ?? '') as { sessionId?: string }).sessionId !== sessionId) continue; } catch { continue; }
      const u = summarizeGeminiChat(lines);
      if (u) sum = addUsage(sum ?? EMPTY_USAGE, u);
    }
  }
  return sum;
}
