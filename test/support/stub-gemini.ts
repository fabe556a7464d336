// The stub Gemini model: a tiny Gemini API server (`POST /v1beta/models/<model>:streamGenerateContent?alt=sse`
// and `:generateContent`) on 127.0.0.1 that the REAL `gemini` binary talks to through
// GOOGLE_GEMINI_BASE_URL (see test/support/gemini.ts). It follows a scenario: a list of steps, each a
// shell command gemini runs with its own tool, or text.
//
// What @google/gemini-cli 0.61 sends (found by logging every request):
//  - the agent loop: `streamGenerateContent?alt=sse` with `tools[].functionDeclarations` (the shell is
//    `run_shell_command`, args `{command, description?, dir_path?, is_background?, delay_ms?}`) and the
//    whole conversation in `contents`; a tool result comes back as a user `functionResponse` part whose
//    `response.output` reads "Output: ...\nProcess Group PGID: N" (wrapped in <untrusted_context>).
//  - side requests: `generateContent` on a flash-lite model with a `responseJsonSchema` (the task
//    router's complexity score, ...) and no tools; they get a JSON object built from the schema.
//
// Which step answers a request is decided statelessly from the request itself: the number of model
// turns already in `contents`. Every reply is exactly one model turn (a tool call comes with its
// preamble text), so a nudged interactive session continues the scenario where its conversation says it is.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startStubServer, type StubServer } from './stub-server.js';

export interface GeminiTurn {
  /** A shell command the model runs through gemini's `run_shell_command` tool. */
  exec?: string;
  /** Text the model says (with exec: said before the call; alone: the turn ends). */
  text?: string;
}

export type GeminiPart = { text?: string; functionCall?: { name: string; args: Record<string, unknown>; id?: string }; functionResponse?: { name: string; response: unknown; id?: string } };
export type GeminiContent = { role?: string; parts: GeminiPart[] };
type Schema = { type?: string; properties?: Record<string, Schema>; items?: Schema; enum?: unknown[] };

export interface GenerateRequest {
  contents: GeminiContent[];
  tools?: Array<{ functionDeclarations?: Array<{ name: string }> }>;
  generationConfig?: { responseJsonSchema?: Schema; responseSchema?: Schema };
}

export interface GeminiRecordedRequest {
  method: string;
  path: string;
  /** The model named in the path. */
  model?: string;
  body?: GenerateRequest;
  /** 'main' = the agent loop (offers run_shell_command), 'side' = other generate calls, 'other' = other endpoints. */
  kind: 'main' | 'side' | 'other';
  step?: number;
  reply?: string;
  /** The usage the stub reported for this answer (what the CLI should record). */
  tokens?: { input: number; output: number };
  at: number;
}

export type StubGemini = StubServer<GeminiRecordedRequest>;

export const SHELL_TOOL = 'run_shell_command';

export async function startStubGemini(steps: GeminiTurn[], opts: { finalText?: string } = {}): Promise<StubGemini> {
  const requests: GeminiRecordedRequest[] = [];
  function handle(req: IncomingMessage, res: ServerResponse, raw: string): void {
    const [path, query = ''] = (req.url ?? '/').split('?');
    let body: GenerateRequest | undefined;
    try { body = raw ? (JSON.parse(raw) as GenerateRequest) : undefined; } catch { body = undefined; }
    const at = Date.now();
    const m = /\/models\/([^:/]+):(\w+)$/.exec(path!);
    const model = m?.[1];
    const method = m?.[2];
    const sse = query.includes('alt=sse');
    if (req.method === 'POST' && body && (method === 'generateContent' || method === 'streamGenerateContent')) {
      const tokens = Math.ceil(raw.length / 4);
      if (!offersShell(body)) {
        const text = sideAnswer(body);
        const rec: GeminiRecordedRequest = { method: req.method, path: path!, model, body, kind: 'side', reply: text, at };
        requests.push(rec);
        return reply(res, sse, [{ text }], tokens, rec);
      }
      const index = body.contents.filter((c) => c.role === 'model').length;
      const turn = steps[index] ?? { text: opts.finalText ?? 'All done.' };
      const parts: GeminiPart[] = [{ text: turn.text ?? (turn.exec ? 'Running a command.' : 'Done.') }];
      if (turn.exec) parts.push({ functionCall: { name: SHELL_TOOL, args: { command: turn.exec, description: 'scenario step' } } });
      const rec: GeminiRecordedRequest = { method: req.method, path: path!, model, body, kind: 'main', step: index, reply: JSON.stringify(parts), at };
      requests.push(rec);
      return reply(res, sse, parts, tokens, rec);
    }
    requests.push({ method: req.method ?? 'GET', path: path!, model, body, kind: 'other', at });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(method === 'countTokens' ? JSON.stringify({ totalTokens: Math.ceil(raw.length / 4) }) : '{}');
  }

  /** One GenerateContentResponse: as a single SSE event for the streaming endpoint, else plain JSON. */
  function reply(res: ServerResponse, sse: boolean, parts: GeminiPart[], promptTokens: number, rec: GeminiRecordedRequest): void {
    const out = Math.max(1, Math.ceil(JSON.stringify(parts).length / 4));
    rec.tokens = { input: promptTokens, output: out };
    const response = {
      candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }],
      usageMetadata: { promptTokenCount: promptTokens, candidatesTokenCount: out, totalTokenCount: promptTokens + out },
      modelVersion: 'stub',
    };
    if (!sse) {
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify(response));
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.end(`data: ${JSON.stringify(response)}\r\n\r\n`);
  }

  return startStubServer('stub gemini', requests, handle, (e) => ({ error: { code: 500, status: 'INTERNAL', message: String(e) } }));
}

/** The agent loop offers the shell tool; side calls (router, summaries) offer no tools. */
export function offersShell(body: GenerateRequest): boolean {
  return (body.tools ?? []).some((t) => (t.functionDeclarations ?? []).some((d) => d.name === SHELL_TOOL));
}

/** A side request that wants JSON gets a value of its schema's shape; any other gets "ok". */
function sideAnswer(body: GenerateRequest): string {
  const schema = body.generationConfig?.responseJsonSchema ?? body.generationConfig?.responseSchema;
  return schema ? JSON.stringify(fromSchema(schema)) : 'ok';
}

function fromSchema(s: Schema): unknown {
  if (s.enum?.length) return s.enum[0];
  switch (String(s.type ?? '').toUpperCase()) {
    case 'OBJECT': return Object.fromEntries(Object.entries(s.properties ?? {}).map(([k, v]) => [k, fromSchema(v)]));
    case 'ARRAY': return [];
    case 'INTEGER': case 'NUMBER': return 1;
    case 'BOOLEAN': return false;
    default: return 'stub';
  }
}

/** The tool outputs gemini sent back to the model in a request. */
export function toolOutputs(body: GenerateRequest | undefined): string[] {
  return (body?.contents ?? []).flatMap((c) => c.parts).filter((p) => p.functionResponse)
    .map((p) => { const r = p.functionResponse!.response as { output?: unknown }; return typeof r?.output === 'string' ? r.output : JSON.stringify(r); });
}
