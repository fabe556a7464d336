// The stub OpenAI model: a tiny Responses API server (`POST /v1/responses`, SSE) on 127.0.0.1 that
// the REAL `codex` binary talks to through a custom model provider (see codexHome in codex.ts). It
// follows a scenario: a list of steps, each a shell command codex runs with its own tool, or text.
//
// What codex-cli 0.169 sends (found by logging every request): `POST /v1/responses` with
// `stream: true`, `store: false` (so the whole conversation is in `input` each time), a Bearer token
// from the provider's env_key, and a `tools` list whose shell tool is the function `exec_command`
// with JSON arguments `{cmd, workdir?, yield_time_ms?, ...}`. Tool results come back as
// `{type: "function_call_output", call_id, output}` input items.
//
// Which step answers a request is decided statelessly from the request itself: the number of
// assistant messages already in `input`. Every reply carries exactly one assistant message (a tool
// call comes with its preamble text), so a nudged interactive session continues the scenario where
// its conversation says it is. Requests without `exec_command` (none seen so far; e.g. a title or
// compaction request) get short text and never advance the scenario.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OpenAiTurn {
  /** A shell command the model runs through codex's `exec_command` tool. */
  exec?: string | ((ctx: OpenAiTurnContext) => string);
  /** Text the model says (with exec: said before the call; alone: the turn ends). */
  text?: string | ((ctx: OpenAiTurnContext) => string);
}

export interface OpenAiTurnContext {
  /** Index of this step in the scenario (= assistant messages already in the input). */
  index: number;
  /** The last tool output or user message. */
  lastInputText: string;
  /** The agent's working directory, as codex states it in its environment context. */
  cwd: string;
  body: ResponsesRequest;
}

export type InputItem = { type?: string; role?: string; content?: unknown; output?: unknown; name?: string; arguments?: string; call_id?: string };

export interface ResponsesRequest {
  model: string;
  input: InputItem[];
  tools?: Array<{ type: string; name?: string }>;
  stream?: boolean;
}

export interface OpenAiRecordedRequest {
  method: string;
  path: string;
  body?: ResponsesRequest;
  /** 'main' = the agent loop (offers exec_command), 'side' = other responses calls, 'other' = other endpoints. */
  kind: 'main' | 'side' | 'other';
  step?: number;
  reply?: string;
  at: number;
}

export interface StubOpenAi {
  url: string;
  requests: OpenAiRecordedRequest[];
  mainRequests(): OpenAiRecordedRequest[];
  waitFor(pred: (r: OpenAiRecordedRequest) => boolean, timeoutMs?: number): Promise<OpenAiRecordedRequest>;
  close(): Promise<void>;
}

export const SHELL_TOOL = 'exec_command';

export async function startStubOpenAi(steps: OpenAiTurn[], opts: { finalText?: string } = {}): Promise<StubOpenAi> {
  const requests: OpenAiRecordedRequest[] = [];
  let seq = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        handle(req, res, Buffer.concat(chunks).toString('utf8'));
      } catch (e) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { type: 'server_error', message: String(e) } }));
      }
    });
  });

  function handle(req: IncomingMessage, res: ServerResponse, raw: string): void {
    const path = (req.url ?? '/').split('?')[0]!;
    let body: ResponsesRequest | undefined;
    try { body = raw ? (JSON.parse(raw) as ResponsesRequest) : undefined; } catch { body = undefined; }
    const at = Date.now();
    if (req.method === 'POST' && path.endsWith('/responses') && body) {
      const inputTokens = Math.ceil(raw.length / 4);
      if (!(body.tools ?? []).some((t) => t.name === SHELL_TOOL)) {
        requests.push({ method: req.method, path, body, kind: 'side', reply: 'ok', at });
        return stream(res, body, [message('ok')], inputTokens);
      }
      const index = body.input.filter((i) => i.type === 'message' && i.role === 'assistant').length;
      const cwd = /<cwd>([^<]+)<\/cwd>/.exec(raw)?.[1] ?? '';
      const ctx: OpenAiTurnContext = { index, lastInputText: lastInputText(body), cwd, body };
      const turn = steps[index] ?? { text: opts.finalText ?? 'All done.' };
      const text = (typeof turn.text === 'function' ? turn.text(ctx) : turn.text) ?? (turn.exec ? 'Running a command.' : 'Done.');
      const items: Array<Record<string, unknown>> = [message(text)];
      if (turn.exec) {
        const cmd = typeof turn.exec === 'function' ? turn.exec(ctx) : turn.exec;
        // A generous yield so a slow `gt done` returns its output in one call, not a session id to poll.
        items.push({ type: 'function_call', id: `fc_stub_${++seq}`, call_id: `call_stub_${seq}`, name: SHELL_TOOL, arguments: JSON.stringify({ cmd, yield_time_ms: 30_000 }) });
      }
      requests.push({ method: req.method, path, body, kind: 'main', step: index, reply: JSON.stringify(items), at });
      return stream(res, body, items, inputTokens);
    }
    requests.push({ method: req.method ?? 'GET', path, body, kind: 'other', at });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  }

  function message(text: string): Record<string, unknown> {
    return { type: 'message', id: `msg_stub_${++seq}`, role: 'assistant', status: 'completed', content: [{ type: 'output_text', text, annotations: [] }] };
  }

  /** The SSE events codex reads: created, one added/done pair per output item, completed with usage. */
  function stream(res: ServerResponse, body: ResponsesRequest, items: Array<Record<string, unknown>>, inputTokens: number): void {
    const id = `resp_stub_${++seq}`;
    const outputTokens = Math.max(1, Math.ceil(JSON.stringify(items).length / 4));
    const usage = { input_tokens: inputTokens, input_tokens_details: { cached_tokens: 0 }, output_tokens: outputTokens, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: inputTokens + outputTokens };
    const response = { id, object: 'response', model: body.model, status: 'in_progress', output: [] as unknown[] };
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const send = (data: Record<string, unknown>) => res.write(`event: ${String(data.type)}\ndata: ${JSON.stringify(data)}\n\n`);
    send({ type: 'response.created', response });
    items.forEach((item, i) => {
      send({ type: 'response.output_item.added', output_index: i, item });
      if (item.type === 'message') {
        const text = (item.content as Array<{ text: string }>)[0]!.text;
        send({ type: 'response.output_text.delta', item_id: item.id, output_index: i, content_index: 0, delta: text });
      }
      send({ type: 'response.output_item.done', output_index: i, item });
    });
    send({ type: 'response.completed', response: { ...response, status: 'completed', output: items, usage } });
    res.end();
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    mainRequests: () => requests.filter((r) => r.kind === 'main'),
    async waitFor(pred, timeoutMs = 30_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const hit = requests.find((r) => r.kind === 'main' && pred(r));
        if (hit) return hit;
        if (Date.now() > end) throw new Error(`stub openai: no matching request within ${timeoutMs} ms (${requests.length} requests seen)`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** Text of an input item: a message's text parts, or a tool call's output. */
export function inputText(item: InputItem): string {
  if (item.type === 'function_call_output') return typeof item.output === 'string' ? item.output : JSON.stringify(item.output);
  if (item.type === 'function_call') return item.arguments ?? '';
  if (typeof item.content === 'string') return item.content;
  if (Array.isArray(item.content)) return item.content.map((c: { text?: string }) => c.text ?? '').join('\n');
  return '';
}

function lastInputText(body: ResponsesRequest): string {
  const last = [...body.input].reverse().find((i) => i.type === 'function_call_output' || (i.type === 'message' && i.role === 'user'));
  return last ? inputText(last) : '';
}
