// Usage and cost: the shape every agent CLI's usage is summed into, the price table, and the reader
// of Claude Code transcripts (JSONL). Each assistant content block is its own line carrying the
// whole message's usage, so usage is counted once per message.id. The other CLIs' readers are in
// usage-codex.ts, usage-gemini.ts and usage-opencode.ts.
import { existsSync, readFileSync } from 'node:fs';

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cacheWriteTokens: number;
  cacheReadTokens: number;
  costUsd: number;
  messages: number;
  models: string[];
}

export const EMPTY_USAGE: Usage = { inputTokens: 0, outputTokens: 0, cacheWriteTokens: 0, cacheReadTokens: 0, costUsd: 0, messages: 0, models: [] };

/** USD per million tokens (input, output); cache writes cost 1.25x input, cache reads 0.1x. */
export interface Price { input: number; output: number }

/**
 * Price by model family; newest generations first. OpenAI and Google list prices as of 2026 (GPT-5
 * and Gemini 2.5 tiers; later generations price as these until listed). Unknown models price as Sonnet.
 */
export function priceFor(model: string): Price {
  const m = model.toLowerCase();
  if (m.startsWith('gemini')) {
    if (m.includes('flash-lite')) return { input: 0.1, output: 0.4 };
    return m.includes('flash') ? { input: 0.3, output: 2.5 } : { input: 1.25, output: 10 };
  }
  if (/^(gpt|o\d|codex)/.test(m)) {
    if (m.includes('nano')) return { input: 0.05, output: 0.4 };
    return m.includes('mini') ? { input: 0.25, output: 2 } : { input: 1.25, output: 10 };
  }
  if (m.includes('opus')) {
    // Opus 4.5 and later are $5/$25; Opus 3, 4 and 4.1 were $15/$75.
    return /opus-4-[5-9]|opus-4\.[5-9]|opus-[5-9]/.test(m) ? { input: 5, output: 25 } : { input: 15, output: 75 };
  }
  if (m.includes('haiku')) return /haiku-4|haiku-[5-9]/.test(m) ? { input: 1, output: 5 } : { input: 0.8, output: 4 };
  return { input: 3, output: 15 };
}

interface UsageFields { input_tokens?: number; output_tokens?: number; cache_creation_input_tokens?: number; cache_read_input_tokens?: number }

export function costOf(model: string, u: UsageFields): number {
  const p = priceFor(model);
  const inTok = u.input_tokens ?? 0;
  const write = u.cache_creation_input_tokens ?? 0;
  const read = u.cache_read_input_tokens ?? 0;
  return (inTok * p.input + write * p.input * 1.25 + read * p.input * 0.1 + (u.output_tokens ?? 0) * p.output) / 1e6;
}

/** Sums a transcript's assistant usage, once per message id. Bad lines are skipped. */
export function summarizeTranscript(lines: Iterable<string>): Usage {
  const seen = new Set<string>();
  const models = new Set<string>();
  const u: Usage = { ...EMPTY_USAGE, models: [] };
  for (const line of lines) {
    if (!line.includes('"usage"')) continue;
    let rec: { type?: string; message?: { id?: string; model?: string; usage?: UsageFields } };
    try { rec = JSON.parse(line); } catch { continue; }
    const msg = rec.message;
    if (rec.type !== 'assistant' || !msg?.usage) continue;
    const key = msg.id ?? line;
    if (seen.has(key)) continue;
    seen.add(key);
    const model = msg.model ?? 'unknown';
    if (model === '<synthetic>') continue;
    models.add(model);
    u.inputTokens += msg.usage.input_tokens ?? 0;
    u.outputTokens += msg.usage.output_tokens ?? 0;
    u.cacheWriteTokens += msg.usage.cache_creation_input_tokens ?? 0;
    u.cacheReadTokens += msg.usage.cache_read_input_tokens ?? 0;
    u.costUsd += costOf(model, msg.usage);
    u.messages++;
  }
  u.models = [...models];
  return u;
}

export function addUsage(a: Usage, b: Usage): Usage {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cacheWriteTokens: a.cacheWriteTokens + b.cacheWriteTokens,
    cacheReadTokens: a.cacheReadTokens + b.cacheReadTokens,
    costUsd: a.costUsd + b.costUsd,
    messages: a.messages + b.messages,
    models: [...new Set([...a.models, ...b.models])],
  };
}

/** One model's tokens in Usage's terms (input excludes cache reads), priced by priceFor unless a cost is given. */
export function usageOf(model: string, t: { input: number; output: number; cacheRead?: number; cacheWrite?: number; costUsd?: number }): Usage {
  const u = { input_tokens: t.input, output_tokens: t.output, cache_read_input_tokens: t.cacheRead ?? 0, cache_creation_input_tokens: t.cacheWrite ?? 0 };
  return {
    inputTokens: t.input, outputTokens: t.output, cacheReadTokens: t.cacheRead ?? 0, cacheWriteTokens: t.cacheWrite ?? 0,
    costUsd: t.costUsd ?? costOf(model, u), messages: 1, models: [model],
  };
}

export function readTranscriptUsage(path: string | undefined): Usage | undefined {
  if (!path || !existsSync(path)) return undefined;
  return summarizeTranscript(readFileSync(path, 'utf8').split('\n'));
}
