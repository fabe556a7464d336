// The dashboard's HTTP server (plain node:http): the page, the snapshot as JSON, details (a bead,
// an MR's evidence, an agent's pane, the bead list), a Server-Sent Events stream that pushes a fresh
// snapshot whenever the town's stores or its sessions change, and actions that change the town only
// through the services the CLI calls. Everything but the page's code needs the town's token.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { NotFoundError, UserError } from '../lib/errors.js';
import { spawnDetached, which } from '../lib/proc.js';
import { now } from '../lib/time.js';
import { TOWN_ENTRIES, type Town } from '../town/town.js';
import { TownView, type Current } from './view.js';
import { pageHtml, PAGE_CSP, WORKER_JS } from './page.js';
import { COOKIE, requestToken, sameOrigin, sameToken, townToken } from './token.js';
import { parseAction, runAction } from './actions.js';
import { convoyHistory, listBeads, mailThread, mrDetail, parseBeadQuery } from './detail.js';
import { agentPane } from '../runtime/pane.js';

export interface DashboardOptions {
  port?: number;
  host?: string;
  /**
   * How often the live evidence (sessions, the deacon) is looked at while someone watches the
   * stream; the stores' commits are pushed as they happen (store.onChange).
   */
  pollMs?: number;
  /** How often the stream says when the town was last checked (also keeps proxies from closing it). */
  heartbeatMs?: number;
}

export interface Dashboard {
  url: string;
  /** The town's token (also in <town>/dashboard/token). */
  token: string;
  /** The URL that opens the page with the token (the browser trades it for a cookie). */
  openUrl: string;
  close(): Promise<void>;
}

export const DEFAULT_PORT = 7777;
export const DEFAULT_HOST = '127.0.0.1';

export type Route =
  | { kind: 'page' }
  | { kind: 'worker' }
  | { kind: 'status' }
  | { kind: 'events' }
  | { kind: 'bead'; id: string }
  | { kind: 'beads'; params: URLSearchParams }
  | { kind: 'mr'; id: string }
  | { kind: 'thread'; id: string }
  | { kind: 'convoy'; id: string }
  | { kind: 'pane'; agent: string }
  | { kind: 'action'; action: string }
  | { kind: 'not-found' }
  | { kind: 'method-not-allowed'; allow: string };

const decode = (s: string): string | undefined => {
  try {
    const v = decodeURIComponent(s);
    return v.trim() ? v : undefined;
  } catch {
    return undefined; // a malformed escape names nothing
  }
};

/** Which handler a request goes to. Pure. */
export function route(method: string | undefined, url: string | undefined): Route {
  let u: URL;
  try {
    u = new URL(url ?? '/', 'http://dashboard');
  } catch {
    return { kind: 'not-found' };
  }
  const path = u.pathname;
  const action = path.match(/^\/api\/action\/([a-z-]+)$/);
  if (action) return method === 'POST' ? { kind: 'action', action: action[1]! } : { kind: 'method-not-allowed', allow: 'POST' };
  if (method !== 'GET' && method !== 'HEAD') return { kind: 'method-not-allowed', allow: 'GET, HEAD' };
  if (path === '/') return { kind: 'page' };
  if (path === '/worker.js') return { kind: 'worker' };
  if (path === '/api/status') return { kind: 'status' };
  if (path === '/api/events') return { kind: 'events' };
  if (path === '/api/beads') return { kind: 'beads', params: u.searchParams };
  const m = path.match(/^\/api\/(bead|mr|thread|convoy|agent)\/([^/]+)$/) ?? path.match(/^\/api\/(agent)\/(.+)\/pane$/);
  const id = m && decode(m[2]!);
  if (m && id) {
    if (m[1] === 'bead') return { kind: 'bead', id };
    if (m[1] === 'mr') return { kind: 'mr', id };
    if (m[1] === 'thread') return { kind: 'thread', id };
    if (m[1] === 'convoy') return { kind: 'convoy', id };
    if (path.endsWith('/pane')) return { kind: 'pane', agent: id };
  }
  return { kind: 'not-found' };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Whether to answer a request with this Host header. Bound to loopback, only loopback names are
 * accepted: a web page whose domain is re-pointed at 127.0.0.1 (DNS rebinding) must not read the
 * town's private work. Bound elsewhere, the user chose to expose it.
 */
export function hostAllowed(hostHeader: string | undefined, boundHost: string): boolean {
  if (!isLoopback(boundHost) || hostHeader === undefined) return true;
  const name = hostHeader.startsWith('[') ? hostHeader.slice(1, hostHeader.indexOf(']')) : hostHeader.replace(/:\d*$/, '');
  return isLoopback(name.toLowerCase()) || name.toLowerCase() === boundHost.toLowerCase();
}

/** The URL to print for a bound address (IPv6 literals in brackets). */
export function dashboardUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}/`;
}

interface StreamClient { res: ServerResponse; key?: string }

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };

function sendJson(res: ServerResponse, code: number, data: unknown): void {
  res.writeHead(code, JSON_HEADERS).end(JSON.stringify(data));
}

const MAX_BODY = 64 * 1024;

async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) throw new UserError('send the action as application/json');
  let text = '';
  for await (const chunk of req) {
    text += chunk;
    if (text.length > MAX_BODY) throw new UserError('the request body is too large');
  }
  try {
    return JSON.parse(text || '{}');
  } catch {
    throw new UserError('the request body is not valid JSON');
  }
}

const UNAUTHORIZED_PAGE = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Gas Town: token needed</title>
<body style="font:15px system-ui;margin:40px"><h1 style="font-size:18px">This dashboard needs its token</h1>
<p>Open the address <code>gt dashboard</code> printed (it ends in <code>?token=…</code>), or run <code>gt dashboard --open</code>.</p></body></html>`;

/** Starts the server; resolves once it listens. A port in use or a host we cannot bind is a UserError. */
export async function startDashboard(town: Town, opts: DashboardOptions = {}): Promise<Dashboard> {
  const host = opts.host ?? DEFAULT_HOST;
  const port = opts.port ?? DEFAULT_PORT;
  const pollMs = opts.pollMs ?? 1000;
  const heartbeatMs = opts.heartbeatMs ?? 5_000;
  const token = townToken(town);
  const view = new TownView(town);
  const clients = new Set<StreamClient>();
  let poller: NodeJS.Timeout | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let lastProblem: string | undefined;
  let checkedAt = now();
  let pageGz: Buffer | undefined;

  const sendSnapshot = (c: StreamClient, cur: Current) => {
    if (c.key === cur.key) return;
    c.key = cur.key;
    c.res.write(`event: snapshot\ndata: ${cur.json}\n\n`);
  };
  const sendProblem = (c: StreamClient, message: string) => {
    c.key = undefined; // the next good read is sent even if unchanged: it clears the page's banner
    c.res.write(`event: problem\ndata: ${JSON.stringify({ error: message })}\n\n`);
  };
  // The last time the town was read without error: the page shows it as "checked", so a quiet
  // town and a stalled server look different.
  const sendChecked = (c: StreamClient) => c.res.write(`event: checked\ndata: ${JSON.stringify({ at: checkedAt })}\n\n`);

  // One poll at a time; a change arriving meanwhile asks for one more after it.
  let polling: Promise<void> | undefined;
  let again = false;
  const poll = (): Promise<void> => {
    if (polling) {
      again = true;
      return polling;
    }
    polling = (async () => {
      do {
        again = false;
        await pollOnce();
      } while (again && clients.size);
    })().finally(() => { polling = undefined; });
    return polling;
  };
  view.onChange = () => { if (clients.size) void poll(); };

  const pollOnce = async () => {
    let cur: Current;
    try {
      cur = await view.current();
    } catch (e) {
      // Say it once per distinct failure; keep polling, the next change may fix it.
      const message = (e as Error).message;
      if (message !== lastProblem) for (const c of clients) sendProblem(c, message);
      lastProblem = message;
      return;
    }
    lastProblem = undefined;
    checkedAt = now();
    for (const c of clients) sendSnapshot(c, cur);
  };

  const stopTimers = () => {
    clearInterval(poller);
    clearInterval(heartbeat);
    poller = heartbeat = undefined;
  };

  const openStream = async (res: ServerResponse) => {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no', // nginx: do not buffer the stream
    });
    res.write('retry: 2000\n\n');
    const client: StreamClient = { res };
    clients.add(client);
    res.on('close', () => {
      clients.delete(client);
      if (!clients.size) stopTimers();
    });
    try {
      sendSnapshot(client, await view.current());
      checkedAt = now();
      sendChecked(client);
    } catch (e) {
      sendProblem(client, (e as Error).message);
    }
    // Timers run only while someone watches.
    poller ??= setInterval(() => void poll(), pollMs);
    heartbeat ??= setInterval(() => {
      for (const c of clients) sendChecked(c);
    }, heartbeatMs);
  };

  const securityHeaders = { 'referrer-policy': 'no-referrer', 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (!hostAllowed(req.headers.host, host)) return sendJson(res, 403, { error: `unexpected Host header '${req.headers.host}'` });
    const r = route(req.method, req.url);
    const authed = sameToken(requestToken(req.headers), token);
    try {
      switch (r.kind) {
        case 'page': {
          const given = new URL(req.url ?? '/', 'http://dashboard').searchParams.get('token') ?? undefined;
          if (sameToken(given, token)) {
            // Trade the URL's token for a cookie no script can read and no other site can send,
            // then drop it from the address bar (and from history).
            res.writeHead(303, { ...securityHeaders, location: '/', 'set-cookie': `${COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict` });
            return void res.end();
          }
          if (!authed) {
            res.writeHead(401, { ...securityHeaders, 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'" });
            return void res.end(UNAUTHORIZED_PAGE);
          }
          const headers = { ...securityHeaders, 'content-type': 'text/html; charset=utf-8', 'content-security-policy': PAGE_CSP, 'x-frame-options': 'DENY', vary: 'accept-encoding' };
          // The page is the same for every load: compressed once (28 KB becomes 9 KB on the wire).
          if (/\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) {
            pageGz ??= gzipSync(pageHtml(view.get().name));
            res.writeHead(200, { ...headers, 'content-encoding': 'gzip' });
            return void res.end(pageGz);
          }
          res.writeHead(200, headers);
          return void res.end(pageHtml(view.get().name));
        }
        case 'worker':
          // The worker's code holds nothing of the town; it reads with the page's cookie.
          res.writeHead(200, { ...securityHeaders, 'content-type': 'text/javascript; charset=utf-8' });
          return void res.end(WORKER_JS);
        case 'method-not-allowed':
          res.setHeader('allow', r.allow);
          return sendJson(res, 405, { error: `${req.method} is not allowed here` });
        case 'not-found':
          return sendJson(res, 404, { error: `no such page: ${req.url}` });
        default:
          break;
      }
      if (!authed) return sendJson(res, 401, { error: 'the dashboard token is missing or wrong: open the URL gt dashboard printed, or send Authorization: Bearer <token>' });
      switch (r.kind) {
        case 'status':
          return sendJson(res, 200, (await view.current()).snapshot);
        case 'events':
          return openStream(res);
        case 'bead': {
          const bead = await (await view.get().stores.forBead(r.id)).get(r.id);
          return bead ? sendJson(res, 200, bead) : sendJson(res, 404, { error: `bead not found: ${r.id}` });
        }
        case 'beads':
          return sendJson(res, 200, await listBeads(view.get(), parseBeadQuery(r.params)));
        case 'mr':
          return sendJson(res, 200, await mrDetail(view.get(), r.id));
        case 'convoy':
          return sendJson(res, 200, await convoyHistory(view.get(), r.id));
        case 'thread':
          return sendJson(res, 200, await mailThread(view.get(), r.id));
        case 'pane':
          return sendJson(res, 200, await agentPane(view.get(), r.agent));
        case 'action': {
          // A browser always names the page a POST comes from: only the dashboard's own may act.
          if (!sameOrigin(req.headers.origin, req.headers.host)) return sendJson(res, 403, { error: `cross-site request from ${req.headers.origin} refused` });
          const action = parseAction(r.action, await readJsonBody(req));
          const result = await runAction(view.get(), action);
          await poll(); // show the change now, not at the next tick
          return sendJson(res, 200, { ok: true, result });
        }
      }
    } catch (e) {
      if (res.headersSent) return void res.end();
      if (e instanceof NotFoundError) return sendJson(res, 404, { error: e.message });
      if (e instanceof UserError) return sendJson(res, 400, { error: e.message, hint: e.hint });
      return sendJson(res, 500, { error: (e as Error).message });
    }
  };

  const server: Server = createServer((req, res) => void handle(req, res));
  // A page comes back every few seconds (details, panes); a long keep-alive spares reconnects and
  // makes it rare for a client to reuse a socket the server is just closing.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(listenError(e, host, port)));
    server.listen(port, host, () => resolve());
  });

  const bound = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  const url = dashboardUrl(host, bound);
  return {
    url,
    token,
    openUrl: `${url}?token=${token}`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        stopTimers();
        view.close();
        for (const c of clients) c.res.end();
        clients.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function listenError(e: NodeJS.ErrnoException, host: string, port: number): Error {
  switch (e.code) {
    case 'EADDRINUSE': return new UserError(`port ${port} is already in use on ${host}`, 'pass --port with another port, or --port 0 for a free one');
    case 'EACCES': return new UserError(`not allowed to listen on ${host}:${port}`, 'ports below 1024 need privileges; pick a higher --port');
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN': return new UserError(`cannot listen on host '${host}'`, 'use an address of this machine, e.g. 127.0.0.1');
    default: return e;
  }
}

/**
 * Opens a URL in the user's browser ($BROWSER, else xdg-open or macOS open), detached, its output
 * in <town>/dashboard/browser.log. A machine with none is a UserError saying what to do instead.
 */
export function openInBrowser(town: Town, url: string): void {
  const opener = process.env.BROWSER?.trim() || ['xdg-open', 'open'].find((c) => which(c));
  if (!opener || !which(opener)) throw new UserError('found no browser to open', 'open the URL printed above yourself, or set BROWSER');
  spawnDetached(opener, [url], { logFile: join(town.root, TOWN_ENTRIES.dashboard, 'browser.log') });
}
