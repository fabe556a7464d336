// The stub OpenAI model: a tiny Responses API server (`POST /v1/responses`, SSE) on 127.0.0.1 that
// the REAL `codex` binary talks to through a custom model provider (see test/support/codex.ts). It
// follows a scenario: a list of steps, each a shell command codex runs with its own tool, or text.
//
// What codex-cli 0.169 sends (found by logging every request): `POST /v1/responses` with
// `stream: true`, `store: false` (so the whole conversation is in `input` each time) and a Bearer
// token from the provider's env_key. How the shell is offered depends on the model's metadata:
//  - the default model (gpt-6.1-sol) uses "code mode": no top-level `tools`; an `additional_tools`
//    input item offers a custom tool `exec` taking JavaScript, in which `await tools.exec_command({cmd})`
//    runs a command and returns {exit_code, output, ...}; calls are `custom_tool_call` items (raw
//    `input` text), results come back as `custom_tool_call_output` (a list of input_text parts).
//  - an older or unknown pinned model (e.g. `model = "gpt-5.5"`) gets a top-level function
//    `exec_command` with JSON arguments `{cmd, workdir?, yield_time_ms?, ...}`; results come back
//    as `function_call_output` items ("Process exited with code N\nOutput:\n...").
// Side requests: the TUI asks for a session title in a thread of its own (same tools, but a
// json_schema `text.format` with a `title` property); they get a title, never a tool call.
//
// Which step answers a request is decided statelessly from the request itself: the number of
// assistant messages already in `input`. Every reply carries exactly one assistant message (a tool
// call comes with its preamble text), so a nudged interactive session continues the scenario where
// its conversation says it is.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startStubServer, type StubServer } from './stub-server.js';

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

export type InputItem = { type?: string; role?: string; content?: unknown; output?: unknown; name?: string; arguments?: string; input?: string; call_id?: string; tools?: ToolDef[] };

export type ToolDef = { type: string; name?: string; tools?: ToolDef[] };

export interface ResponsesRequest {
  model: string;
  input: InputItem[];
  tools?: ToolDef[];
  stream?: boolean;
  text?: { format?: { type?: string; schema?: { properties?: Record<string, unknown> } } };
}

export interface OpenAiRecordedRequest {
  method: string;
  path: string;
  body?: ResponsesRequest;
  /** 'main' = the agent loop (offers exec_command), 'side' = other responses calls, 'other' = other endpoints. */
  kind: 'main' | 'side' | 'other';
  step?: number;
  /** How the shell tool was offered: a plain function, or nested in the code-mode `exec` tool. */
  surface?: 'function' | 'code';
  reply?: string;
  /** The usage the stub reported for this answer (what the CLI should record). */
  tokens?: { input: number; output: number };
  at: number;
}

export type StubOpenAi = StubServer<OpenAiRecordedRequest>;

export const SHELL_TOOL = 'exec_command';
export const CODE_TOOL = 'exec';

export async function startStubOpenAi(steps: OpenAiTurn[], opts: { finalText?: string } = {}): Promise<StubOpenAi> {
  const requests: OpenAiRecordedRequest[] = [];
  let seq = 0;
  function handle(req: IncomingMessage, res: ServerResponse, raw: string): void {
    const path = (req.url ?? '/').split('?')[0]!;
    let body: ResponsesRequest | undefined;
    try { body = raw ? (JSON.parse(raw) as ResponsesRequest) : undefined; } catch { body = undefined; }
    const at = Date.now();
    if (req.method === 'POST' && path.endsWith('/responses') && body) {
      const inputTokens = Math.ceil(raw.length / 4);
      // A structured-output request (the TUI's session title) is a side request even though it
      // carries the same tools: it runs in a thread of its own.
      const surface = body.text?.format?.type === 'json_schema' ? undefined : shellSurface(body);
      if (!surface) {
        const text = sideAnswer(body);
        const rec: OpenAiRecordedRequest = { method: req.method, path, body, kind: 'side', reply: text, at };
        requests.push(rec);
        return stream(res, body, [message(text)], inputTokens, rec);
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
        const args = { cmd, yield_time_ms: 30_000 };
        const n = ++seq;
        items.push(surface === 'function'
          ? { type: 'function_call', id: `fc_stub_${n}`, call_id: `call_stub_${n}`, name: SHELL_TOOL, arguments: JSON.stringify(args) }
          : { type: 'custom_tool_call', id: `ctc_stub_${n}`, call_id: `call_stub_${n}`, name: CODE_TOOL, input: codeModeScript(args) });
      }
      const rec: OpenAiRecordedRequest = { method: req.method, path, body, kind: 'main', step: index, surface, reply: JSON.stringify(items), at };
      requests.push(rec);
      return stream(res, body, items, inputTokens, rec);
    }
    requests.push({ method: req.method ?? 'GET', path, body, kind: 'other', at });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  }

  function message(text: string): Record<string, unknown> {
    return { type: 'message', id: `msg_stub_${++seq}`, role: 'assistant', status: 'completed', content: [{ type: 'output_text', text, annotations: [] }] };
  }

  /** The SSE events codex reads: created, one added/done pair per output item, completed with usage. */
  function stream(res: ServerResponse, body: ResponsesRequest, items: Array<Record<string, unknown>>, inputTokens: number, rec: OpenAiRecordedRequest): void {
    const id = `resp_stub_${++seq}`;
    const outputTokens = Math.max(1, Math.ceil(JSON.stringify(items).length / 4));
    rec.tokens = { input: inputTokens, output: outputTokens };
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

  const server = await startStubServer('stub openai', requests, handle, (e) => ({ error: { type: 'server_error', message: String(e) } }));
  return { ...server, url: `${server.url}/v1` }; // an OpenAI base URL ends in /v1
}

/** Code mode: a script calling the nested shell tool, printing its result like the plain tool does. */
function codeModeScript(args: { cmd: string; yield_time_ms: number }): string {
  return [
    `const r = await tools.${SHELL_TOOL}(${JSON.stringify(args)});`,
    'text(typeof r === "string" ? r : `Process exited with code ${r.exit_code}\\nOutput:\\n${r.output}`);',
    '',
  ].join('\n');
}

/** Every tool offered, namespaces flattened: the request's `tools` plus `additional_tools` input items. */
export function offeredTools(body: ResponsesRequest): ToolDef[] {
  const flat = (ts: ToolDef[]): ToolDef[] => ts.flatMap((t) => (t.type === 'namespace' ? flat(t.tools ?? []) : [t]));
  return flat([...(body.tools ?? []), ...body.input.filter((i) => i.type === 'additional_tools').flatMap((i) => i.tools ?? [])]);
}

/** The agent loop offers the shell as `exec_command`, or (code mode) only inside the JavaScript `exec` tool. */
export function shellSurface(body: ResponsesRequest): 'function' | 'code' | undefined {
  const tools = offeredTools(body);
  if (tools.some((t) => t.type === 'function' && t.name === SHELL_TOOL)) return 'function';
  if (tools.some((t) => t.type === 'custom' && t.name === CODE_TOOL)) return 'code';
  return undefined;
}

function sideAnswer(body: ResponsesRequest): string {
  const props = body.text?.format?.type === 'json_schema' ? body.text.format.schema?.properties ?? {} : undefined;
  if (props && 'title' in props) return JSON.stringify({ title: 'Stub session' });
  return 'ok';
}

const outputText = (o: unknown): string =>
  typeof o === 'string' ? o : Array.isArray(o) ? o.map((c: { text?: string }) => c.text ?? JSON.stringify(c)).join('\n') : JSON.stringify(o);

/** Text of an input item: a message's text parts, or a tool call's output. */
export function inputText(item: InputItem): string {
  if (item.type === 'function_call_output' || item.type === 'custom_tool_call_output') return outputText(item.output);
  if (item.type === 'function_call') return item.arguments ?? '';
  if (item.type === 'custom_tool_call') return item.input ?? '';
  if (typeof item.content === 'string') return item.content;
  if (Array.isArray(item.content)) return item.content.map((c: { text?: string }) => c.text ?? '').join('\n');
  return '';
}

function lastInputText(body: ResponsesRequest): string {
  const last = [...body.input].reverse().find((i) => i.type === 'function_call_output' || i.type === 'custom_tool_call_output' || (i.type === 'message' && i.role === 'user'));
  return last ? inputText(last) : '';
}
