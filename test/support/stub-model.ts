// The stub model: a tiny Anthropic Messages API server on 127.0.0.1 that the REAL `claude` binary
// talks to (ANTHROPIC_BASE_URL), and the REAL `opencode` through its `anthropic` provider (baseURL
// in its config, see test/support/opencode.ts). It follows a scenario: a list of steps, each a tool call (Bash,
// Write, Edit, Read) or text, optionally chosen by what the last tool result / user message said.
//
// Which step answers a request is decided statelessly from the request itself: the number of
// assistant messages already in the conversation. So a resumed session (`claude --resume`) and a
// nudged interactive session continue the scenario where the transcript says they are, exactly
// like a real model would continue from the conversation it is shown.
//
// What Claude Code 2.1 sends besides the main loop (found by logging every request):
//  - side requests without the Bash tool: session titles / topic detection ("haiku" class models),
//    quota probes (max_tokens 1). They get a short plain text answer and never advance the scenario.
//  - POST /v1/messages/count_tokens for context accounting -> {input_tokens}.
//  - anything else (HEAD /, /api/...) gets a 200 with {} so no start-up path blocks on it.
// What opencode 1.18 sends (logged the same way): the same streaming POST /v1/messages, its shell
// tool named `bash` (lowercase, input {command, description, timeout?, workdir?}), one assistant
// message per step; its session title is a side request without tools (system "title generator").
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startStubServer, type StubServer } from './stub-server.js';

/** Claude Code's tools, and opencode's shell tool (`bash`). */
export type ToolName = 'Bash' | 'Write' | 'Edit' | 'Read' | 'bash';

/** The shell tool that marks a main-loop request: Claude Code's `Bash` or opencode's `bash`. */
const SHELL_TOOLS = new Set(['Bash', 'bash']);

export interface StubTurn {
  /** A tool call the model makes; Claude Code runs it for real and sends back the result. */
  tool?: { name: ToolName; input: Record<string, unknown> | ((ctx: TurnContext) => Record<string, unknown>) };
  /** Text the model says (with a tool: said before the call; alone: the turn ends, end_turn). */
  text?: string | ((ctx: TurnContext) => string);
}

/** A step: one turn, or a choice between turns by what the last tool result / user message said. */
export type StubStep = StubTurn | { branches: Array<{ when: RegExp; turn: StubTurn }>; otherwise?: StubTurn };

export interface TurnContext {
  /** Index of this step in the scenario (= assistant messages already in the conversation). */
  index: number;
  /** Text of the last user message: tool results or the typed prompt. */
  lastUserText: string;
  /** Every text in the conversation so far, oldest first (seance tests look for old turns here). */
  history: string[];
  /** The agent's working directory, as Claude Code states it in the system prompt. */
  cwd: string;
  body: MessagesRequest;
}

export interface MessagesRequest {
  model: string;
  messages: Array<{ role: 'user' | 'assistant'; content: string | Array<Record<string, unknown>> }>;
  system?: unknown;
  tools?: Array<{ name: string }>;
  stream?: boolean;
  max_tokens?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  /** Parsed JSON body (undefined if none). */
  body?: MessagesRequest;
  /** 'main' = the agent loop (has tools), 'side' = titles/quota/etc, 'other' = non-messages endpoints. */
  kind: 'main' | 'side' | 'count' | 'other';
  /** For main requests: the step index answered and what was answered. */
  step?: number;
  reply?: string;
  /** The usage the stub reported for this answer (what the CLI should record). */
  tokens?: { input: number; output: number };
  at: number;
}

export type StubModel = StubServer<RecordedRequest>;

export interface StubOptions {
  /** Text for requests past the end of the scenario. */
  finalText?: string;
  /** Model name echoed back (Claude Code records it in the transcript; costs use it). */
  model?: string;
}

export async function startStubModel(steps: StubStep[], opts: StubOptions = {}): Promise<StubModel> {
  const requests: RecordedRequest[] = [];
  let seq = 0;
  function handle(req: IncomingMessage, res: ServerResponse, raw: string): void {
    const path = (req.url ?? '/').split('?')[0]!;
    let body: MessagesRequest | undefined;
    try { body = raw ? (JSON.parse(raw) as MessagesRequest) : undefined; } catch { body = undefined; }
    const at = Date.now();
    if (req.method === 'POST' && path.endsWith('/v1/messages/count_tokens')) {
      requests.push({ method: req.method, path, body, kind: 'count', at });
      return json(res, { input_tokens: estimateTokens(raw) });
    }
    if (req.method === 'POST' && path.endsWith('/v1/messages') && body) {
      const isMain = (body.tools ?? []).some((t) => SHELL_TOOLS.has(t.name));
      const inputTokens = estimateTokens(raw);
      if (!isMain) {
        const text = sideAnswer(body);
        const rec: RecordedRequest = { method: req.method, path, body, kind: 'side', reply: text, at };
        requests.push(rec);
        return answer(res, body, [{ type: 'text', text }], 'end_turn', inputTokens, rec);
      }
      const index = body.messages.filter((m) => m.role === 'assistant').length;
      const sys = JSON.stringify(body.system ?? '');
      const cwd = (/Primary working directory: ([^\n"\\]+)/.exec(sys) ?? /Working directory: ([^\n"\\]+)/.exec(sys))?.[1]?.trim() ?? '';
      const ctx: TurnContext = { index, lastUserText: lastUserText(body), history: allTexts(body), cwd, body };
      const turn = pickTurn(steps[index], ctx) ?? { text: opts.finalText ?? 'All done.' };
      const content: Array<Record<string, unknown>> = [];
      const text = typeof turn.text === 'function' ? turn.text(ctx) : turn.text;
      if (text) content.push({ type: 'text', text });
      if (turn.tool) {
        const input = typeof turn.tool.input === 'function' ? turn.tool.input(ctx) : turn.tool.input;
        content.push({ type: 'tool_use', id: `toolu_stub_${++seq}`, name: turn.tool.name, input });
      }
      const rec: RecordedRequest = { method: req.method, path, body, kind: 'main', step: index, reply: JSON.stringify(content), at };
      requests.push(rec);
      return answer(res, body, content, turn.tool ? 'tool_use' : 'end_turn', inputTokens, rec);
    }
    requests.push({ method: req.method ?? 'GET', path, body, kind: 'other', at });
    json(res, {});
  }

  function answer(res: ServerResponse, body: MessagesRequest, content: Array<Record<string, unknown>>, stop: string, inputTokens: number, rec: RecordedRequest): void {
    const model = opts.model ?? body.model ?? 'claude-sonnet-4-5';
    const outputTokens = Math.max(1, estimateTokens(JSON.stringify(content)));
    rec.tokens = { input: inputTokens, output: outputTokens };
    const id = `msg_stub_${++seq}`;
    const usage = { input_tokens: inputTokens, output_tokens: outputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
    if (!body.stream) {
      return json(res, { id, type: 'message', role: 'assistant', model, content, stop_reason: stop, stop_sequence: null, usage });
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    send('message_start', { type: 'message_start', message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } } });
    content.forEach((block, i) => {
      if (block.type === 'text') {
        send('content_block_start', { type: 'content_block_start', index: i, content_block: { type: 'text', text: '' } });
        send('content_block_delta', { type: 'content_block_delta', index: i, delta: { type: 'text_delta', text: block.text } });
      } else {
        send('content_block_start', { type: 'content_block_start', index: i, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } });
        send('content_block_delta', { type: 'content_block_delta', index: i, delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) } });
      }
      send('content_block_stop', { type: 'content_block_stop', index: i });
    });
    send('message_delta', { type: 'message_delta', delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: outputTokens } });
    send('message_stop', { type: 'message_stop' });
    res.end();
  }

  return startStubServer('stub model', requests, handle, (e) => ({ type: 'error', error: { type: 'api_error', message: String(e) } }));
}

function pickTurn(step: StubStep | undefined, ctx: TurnContext): StubTurn | undefined {
  if (!step) return undefined;
  if (!('branches' in step)) return step;
  return step.branches.find((b) => b.when.test(ctx.lastUserText))?.turn ?? step.otherwise;
}

function textOf(content: string | Array<Record<string, unknown>>): string {
  if (typeof content === 'string') return content;
  return content.map((b) => {
    if (b.type === 'text') return String(b.text);
    if (b.type === 'tool_result') return typeof b.content === 'string' ? b.content : textOf((b.content as Array<Record<string, unknown>>) ?? []);
    if (b.type === 'tool_use') return JSON.stringify(b.input);
    return '';
  }).join('\n');
}

function lastUserText(body: MessagesRequest): string {
  const last = [...body.messages].reverse().find((m) => m.role === 'user');
  return last ? textOf(last.content) : '';
}

function allTexts(body: MessagesRequest): string[] {
  return body.messages.map((m) => textOf(m.content));
}

function sideAnswer(body: MessagesRequest): string {
  const sys = JSON.stringify(body.system ?? '').toLowerCase();
  if (sys.includes('title')) return '{"title": "Stub session"}';
  if (sys.includes('topic')) return '{"isNewTopic": false, "title": null}';
  return 'ok';
}

function estimateTokens(s: string): number {
  return Math.ceil(s.length / 4);
}

function json(res: ServerResponse, data: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(data));
}
