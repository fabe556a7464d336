// The dashboard's HTTP server (plain node:http): the page, the snapshot as JSON, one bead, and a
// Server-Sent Events stream that pushes a fresh snapshot whenever the town's stores change.
// It only reads: every change it shows was made through the services by someone else.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NotFoundError, UserError } from '../lib/errors.js';
import { fileSignature } from '../beads/sync.js';
import { storeForBead } from '../town/rig.js';
import { loadTown, type Town } from '../town/town.js';
import { buildSnapshot, snapshotKey, type DashboardSnapshot } from './snapshot.js';
import { routesFile, signature, watchedFiles } from './watch.js';
import { pageHtml, PAGE_CSP } from './page.js';

export interface DashboardOptions {
  port?: number;
  host?: string;
  /** How often the stores' file signatures are compared while someone watches the stream. */
  pollMs?: number;
  /** Comment lines on the stream so proxies do not close an idle connection. */
  heartbeatMs?: number;
}

export interface Dashboard {
  url: string;
  close(): Promise<void>;
}

export const DEFAULT_PORT = 7777;
export const DEFAULT_HOST = '127.0.0.1';

export type Route =
  | { kind: 'page' }
  | { kind: 'status' }
  | { kind: 'events' }
  | { kind: 'bead'; id: string }
  | { kind: 'not-found' }
  | { kind: 'method-not-allowed' };

/** Which handler a request goes to. Pure. */
export function route(method: string | undefined, url: string | undefined): Route {
  if (method !== 'GET') return { kind: 'method-not-allowed' };
  let path: string;
  try {
    path = new URL(url ?? '/', 'http://dashboard').pathname;
  } catch {
    return { kind: 'not-found' };
  }
  if (path === '/') return { kind: 'page' };
  if (path === '/api/status') return { kind: 'status' };
  if (path === '/api/events') return { kind: 'events' };
  const bead = path.match(/^\/api\/bead\/([^/]+)$/);
  if (bead) {
    try {
      const id = decodeURIComponent(bead[1]!);
      if (id.trim()) return { kind: 'bead', id };
    } catch { /* a malformed escape names no bead */ }
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

interface Current { sig: string; snapshot: DashboardSnapshot; key: string; json: string }

/**
 * The town as last seen: rebuilt only when a watched file's signature moved. The rig list is
 * re-read when the routes file changes (a rig added or removed while the dashboard runs).
 */
class TownView {
  private routesSig: string;
  private files: string[];
  private latest: Current | undefined;

  constructor(private town: Town) {
    this.routesSig = fileSignature(routesFile(town));
    this.files = watchedFiles(town);
  }

  get(): Town {
    return this.town;
  }

  /** The current snapshot; throws when the town cannot be read (the caller reports it). */
  current(): Current {
    const routesSig = fileSignature(routesFile(this.town));
    if (routesSig !== this.routesSig) {
      this.town = loadTown(this.town.root);
      this.routesSig = routesSig;
      this.files = watchedFiles(this.town);
    }
    // The signature is taken before reading: a write landing mid-build moves it again, and the
    // next poll rebuilds, so no change is ever missed (at worst one is read twice).
    const sig = signature(this.files);
    if (this.latest?.sig === sig) return this.latest;
    const snapshot = buildSnapshot(this.town);
    this.latest = { sig, snapshot, key: snapshotKey(snapshot), json: JSON.stringify(snapshot) };
    return this.latest;
  }
}

interface StreamClient { res: ServerResponse; key?: string }

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };

function sendJson(res: ServerResponse, code: number, data: unknown): void {
  res.writeHead(code, JSON_HEADERS).end(JSON.stringify(data));
}

/** Starts the server; resolves once it listens. A port in use or a host we cannot bind is a UserError. */
export async function startDashboard(town: Town, opts: DashboardOptions = {}): Promise<Dashboard> {
  const host = opts.host ?? DEFAULT_HOST;
  const port = opts.port ?? DEFAULT_PORT;
  const pollMs = opts.pollMs ?? 1000;
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const view = new TownView(town);
  const clients = new Set<StreamClient>();
  let poller: NodeJS.Timeout | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let lastProblem: string | undefined;

  const sendSnapshot = (c: StreamClient, cur: Current) => {
    if (c.key === cur.key) return;
    c.key = cur.key;
    c.res.write(`event: snapshot\ndata: ${cur.json}\n\n`);
  };
  const sendProblem = (c: StreamClient, message: string) => c.res.write(`event: problem\ndata: ${JSON.stringify({ error: message })}\n\n`);

  const poll = () => {
    let cur: Current;
    try {
      cur = view.current();
    } catch (e) {
      // Say it once per distinct failure; keep polling, the next change may fix it.
      const message = (e as Error).message;
      if (message !== lastProblem) for (const c of clients) sendProblem(c, message);
      lastProblem = message;
      return;
    }
    lastProblem = undefined;
    for (const c of clients) sendSnapshot(c, cur);
  };

  const stopTimers = () => {
    clearInterval(poller);
    clearInterval(heartbeat);
    poller = heartbeat = undefined;
  };

  const openStream = (res: ServerResponse) => {
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
      sendSnapshot(client, view.current());
    } catch (e) {
      sendProblem(client, (e as Error).message);
    }
    // Timers run only while someone watches.
    poller ??= setInterval(poll, pollMs);
    heartbeat ??= setInterval(() => {
      for (const c of clients) c.res.write(': ping\n\n');
    }, heartbeatMs);
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    if (!hostAllowed(req.headers.host, host)) return sendJson(res, 403, { error: `unexpected Host header '${req.headers.host}'` });
    const r = route(req.method, req.url);
    try {
      switch (r.kind) {
        case 'page':
          res.writeHead(200, {
            'content-type': 'text/html; charset=utf-8',
            'cache-control': 'no-store',
            'content-security-policy': PAGE_CSP,
            'referrer-policy': 'no-referrer',
            'x-content-type-options': 'nosniff',
          });
          return void res.end(pageHtml(view.get().name));
        case 'status':
          return sendJson(res, 200, view.current().snapshot);
        case 'events':
          return openStream(res);
        case 'bead': {
          const bead = storeForBead(view.get(), r.id).get(r.id);
          return bead ? sendJson(res, 200, bead) : sendJson(res, 404, { error: `bead not found: ${r.id}` });
        }
        case 'method-not-allowed':
          res.setHeader('allow', 'GET');
          return sendJson(res, 405, { error: `${req.method} is not allowed: the dashboard only reads` });
        case 'not-found':
          return sendJson(res, 404, { error: `no such page: ${req.url}` });
      }
    } catch (e) {
      if (e instanceof NotFoundError) return sendJson(res, 404, { error: e.message });
      if (e instanceof UserError) return sendJson(res, 400, { error: e.message });
      return sendJson(res, 500, { error: (e as Error).message });
    }
  };

  const server: Server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(listenError(e, host, port)));
    server.listen(port, host, () => resolve());
  });

  const bound = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    url: dashboardUrl(host, bound),
    close() {
      closing ??= new Promise<void>((resolve) => {
        stopTimers();
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
