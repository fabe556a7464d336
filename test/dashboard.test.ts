// gt dashboard against a real town: the snapshot API, the live event stream picking up changes
// made through the real CLI, the page, one bead, errors; and the command itself as a process.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { until } from './support/wait.js';
import { makeTown, type TownFixture } from './support/town-fixture.js';
import { bd, gtBin } from './support/cli.js';
import { loadTown } from '../src/town/town.js';
import { startDashboard, type Dashboard } from '../src/dashboard/server.js';
import type { DashboardSnapshot } from '../src/dashboard/snapshot.js';

let f: TownFixture;
let dash: Dashboard;
const at = (path: string) => new URL(path, dash.url).href;
/** fetch with the town's token, as a script would send it. */
const api = (path: string, init: RequestInit = {}) => fetch(at(path), { ...init, headers: { authorization: `Bearer ${dash.token}`, ...init.headers } });

before(async () => {
  f = makeTown();
  dash = await startDashboard(loadTown(f.town), { port: 0 });
});
after(async () => {
  await dash?.close();
  f?.cleanup();
});

/** Reads Server-Sent Events off a fetch body, one event at a time (comments and `checked` ticks skipped). */
function eventReader(body: ReadableStream<Uint8Array>) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  return async (): Promise<{ event: string; data: string }> => {
    for (;;) {
      const end = buf.indexOf('\n\n');
      if (end >= 0) {
        const block = buf.slice(0, end);
        buf = buf.slice(end + 2);
        const lines = block.split('\n').filter((l) => !l.startsWith(':'));
        const data = lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
        const event = lines.find((l) => l.startsWith('event: '))?.slice(7) ?? 'message';
        if (data && event !== 'checked') return { event, data };
        continue; // a tick, or the retry hint
      }
      const { value, done } = await reader.read();
      if (done) throw new Error('event stream ended');
      buf += decoder.decode(value, { stream: true });
    }
  };
}

test('GET /api/status is the town: rig demo, its identities, no convoys yet', async () => {
  const r = await api('/api/status');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') ?? '', /application\/json/);
  const s = (await r.json()) as DashboardSnapshot;
  assert.equal(s.town.name, 'town');
  assert.deepEqual(s.rigs.map((x) => x.name), ['demo']);
  assert.deepEqual(s.queues.map((q) => [q.rig, q.queued.length]), [['demo', 0]]);
  const addresses = (rig?: string) => s.agents.find((g) => g.rig === rig)?.agents.map((a) => a.address).sort();
  assert.deepEqual(addresses(undefined), ['boot', 'deacon', 'mayor']);
  assert.deepEqual(addresses('demo'), ['demo/refinery', 'demo/witness']);
  assert.deepEqual(s.mail.map((m) => m.address), ['mayor', 'overseer']);
  assert.deepEqual(s.convoys, []);
});

test('the event stream opens with a snapshot and sends a new one when the town changes through the CLI', { timeout: 60_000 }, async () => {
  const abort = new AbortController();
  const r = await api('/api/events', { signal: abort.signal });
  try {
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /text\/event-stream/);
    const next = eventReader(r.body!);
    const first = await next();
    assert.equal(first.event, 'snapshot');
    const initial = JSON.parse(first.data) as DashboardSnapshot;
    assert.equal(initial.rigs[0]!.open, 0);

    const created = bd(['create', 'Watch the dashboard', '--json'], { cwd: f.root, env: { ...f.env, BEADS_DIR: join(f.town, 'demo', '.beads') } });
    assert.equal(created.code, 0, created.stderr);
    const beadId = JSON.parse(created.stdout).id as string;
    const convoy = f.gtJson(['convoy', 'create', 'Dashboard convoy', beadId]);
    assert.equal(f.gt(['mail', 'send', 'mayor', '-s', 'Hello from the test']).code, 0);

    // Snapshots come only on change; read them until the changes show (the test's timeout bounds it).
    let s: DashboardSnapshot;
    do {
      const e = await next();
      assert.equal(e.event, 'snapshot');
      s = JSON.parse(e.data);
    } while (!(s.convoys.some((c) => c.id === convoy.id) && s.mail[0]!.messages.length && s.rigs[0]!.open === 1));
    const c = s.convoys.find((x) => x.id === convoy.id)!;
    assert.deepEqual([c.title, c.closed, c.total, c.tracked[0]!.id], ['Dashboard convoy', 0, 1, beadId]);
    assert.deepEqual([s.mail[0]!.unread, s.mail[0]!.messages[0]!.subject], [1, 'Hello from the test']);

    const bead = await api(`/api/bead/${beadId}`);
    assert.equal(bead.status, 200);
    assert.equal(((await bead.json()) as { title: string }).title, 'Watch the dashboard');
    const hq = await api(`/api/bead/${convoy.id}`);
    assert.equal(((await hq.json()) as { issue_type: string }).issue_type, 'convoy');
  } finally {
    abort.abort();
  }
});

test('the stream says when the town was last checked (keeping idle proxies awake), and ends when the dashboard closes', { timeout: 60_000 }, async () => {
  const own = await startDashboard(loadTown(f.town), { port: 0, heartbeatMs: 20 });
  const r = await fetch(new URL('/api/events', own.url), { headers: { authorization: `Bearer ${own.token}` } });
  const reader = r.body!.getReader();
  const decoder = new TextDecoder();
  let seen = '';
  while (!/event: checked\ndata: \{"at":"[^"]+"\}\n\n[^]*event: checked/.test(seen)) {
    const { value, done } = await reader.read();
    assert.ok(!done, 'stream open until the close');
    seen += decoder.decode(value, { stream: true });
  }
  assert.match(seen, /^retry: \d+\n\nevent: snapshot\ndata: \{/);
  await own.close();
  while (!(await reader.read()).done) { /* drain what was in flight */ }
});

test('GET / is one self-contained page naming the town (with the token); HEAD / answers too', async () => {
  const head = await api('/', { method: 'HEAD' });
  assert.equal(head.status, 200);
  const r = await api('/');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') ?? '', /text\/html/);
  assert.match(r.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  const html = await r.text();
  assert.match(html, /<title>Gas Town · town<\/title>/);
  assert.match(html, /new SharedWorker\("\/worker.js"\)/);
  assert.ok(!/<(?:script|link)[^>]+(?:src|href)="https?:/.test(html), 'nothing loaded from elsewhere');
});

test('errors: unknown bead and path 404 with a JSON error, non-GET 405, a foreign Host 403', async () => {
  for (const path of ['/api/bead/hq-zzzzzz', '/api/bead/nosuchprefix-1', '/nope']) {
    const r = await api(path);
    assert.equal(r.status, 404, path);
    assert.match(((await r.json()) as { error: string }).error, /not found|no such/, path);
  }
  const post = await api('/api/status', { method: 'POST', body: '{}' });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get('allow'), 'GET, HEAD');
  await post.text();
  const { port } = new URL(dash.url);
  const status = await new Promise<number>((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/api/status', headers: { host: `rebound.example:${port}` } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject).end();
  });
  assert.equal(status, 403);
});

test('gt dashboard: a bad port is a usage error, a taken one a user error; one line each', () => {
  for (const [args, code] of [[['--port', 'nope'], 2], [['--port', '70000'], 2], [['--port', new URL(dash.url).port], 1]] as const) {
    const r = f.gt(['dashboard', ...args]);
    assert.equal(r.code, code, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.equal(r.stdout, '');
  }
});

test('gt dashboard serves until SIGTERM, then exits 0', { timeout: 60_000 }, async () => {
  const child = spawn(process.execPath, [gtBin, 'dashboard', '--port', '0'], { cwd: f.root, env: f.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (c) => {
      out += c;
      const m = out.match(/(http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/);
      if (m) resolve(m[1]!);
    });
    child.on('exit', () => reject(new Error(`gt dashboard exited early: ${out}`)));
  });
  const token = new URL(url).searchParams.get('token')!;
  assert.equal(token, readFileSync(join(f.town, 'dashboard', 'token'), 'utf8').trim(), 'the printed token is the town\'s');
  assert.equal((await fetch(new URL('/api/status', url))).status, 401, 'no token, no town');
  const r = await fetch(new URL('/api/status', url), { headers: { authorization: `Bearer ${token}` } });
  assert.deepEqual(((await r.json()) as DashboardSnapshot).rigs.map((x) => x.name), ['demo']);
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
});

test('a rig added while the dashboard runs shows up on the stream', { timeout: 60_000 }, async () => {
  const abort = new AbortController();
  const r = await api('/api/events', { signal: abort.signal });
  try {
    const next = eventReader(r.body!);
    assert.equal((await next()).event, 'snapshot');
    const added = f.gt(['rig', 'add', 'second', f.project]);
    assert.equal(added.code, 0, added.stderr);
    let s: DashboardSnapshot;
    do s = JSON.parse((await next()).data);
    while (s.rigs.length < 2);
    assert.deepEqual(s.rigs.map((x) => x.name), ['demo', 'second']);
    assert.deepEqual(s.queues.map((q) => q.rig), ['demo', 'second']);
  } finally {
    abort.abort();
  }
});

test('the token: every read and action needs it; the URL token becomes a strict HttpOnly cookie; a foreign origin cannot act', async () => {
  for (const path of ['/api/status', '/api/events', '/api/beads', '/api/bead/hq-x']) assert.equal((await fetch(at(path))).status, 401, path);
  const page = await fetch(at('/'));
  assert.equal(page.status, 401);
  assert.match(await page.text(), /gt dashboard/);
  assert.equal((await fetch(at('/?token=wrong'), { redirect: 'manual' })).status, 401);
  const swap = await fetch(at(`/?token=${dash.token}`), { redirect: 'manual' });
  assert.equal(swap.status, 303);
  assert.equal(swap.headers.get('location'), '/');
  const cookie = swap.headers.get('set-cookie') ?? '';
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
  assert.equal((await fetch(at('/api/status'), { headers: { cookie: cookie.split(';')[0]! } })).status, 200, 'the cookie opens the API');

  const body = JSON.stringify({ title: 'From the dashboard', beads: [] });
  const post = (headers: Record<string, string>) => fetch(at('/api/action/convoy-create'), { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  assert.equal((await post({})).status, 401, 'no token');
  const { host } = new URL(dash.url);
  const foreign = await post({ authorization: `Bearer ${dash.token}`, origin: 'http://evil.example' });
  assert.equal(foreign.status, 403, 'a page elsewhere cannot act even when the browser would send the cookie');
  const bad = await post({ authorization: `Bearer ${dash.token}`, origin: `http://${host}` });
  assert.equal(bad.status, 400, 'a convoy with no beads is refused as a user mistake');
  assert.match(((await bad.json()) as { error: string }).error, /beads/);
  assert.deepEqual(f.gtJson<unknown[]>(['convoy', 'list']).filter((c) => (c as { title: string }).title === 'From the dashboard'), [], 'nothing changed');
});

test('actions go through the CLI\'s services: a convoy created on the page is the one `gt convoy list` shows', async () => {
  const beadId = bd(['create', 'Tracked from the page', '--json'], { cwd: f.root, env: { ...f.env, BEADS_DIR: join(f.town, 'demo', '.beads') } });
  const id = JSON.parse(beadId.stdout).id as string;
  const r = await api('/api/action/convoy-create', { method: 'POST', headers: { 'content-type': 'application/json', origin: new URL(dash.url).origin }, body: JSON.stringify({ title: 'Page convoy', beads: id }) });
  assert.equal(r.status, 200, await r.clone().text());
  const made = ((await r.json()) as { result: { id: string } }).result.id;
  const listed = f.gtJson<{ id: string; title: string; total: number }[]>(['convoy', 'list']);
  assert.deepEqual(listed.filter((c) => c.id === made).map((c) => [c.title, c.total]), [['Page convoy', 1]]);
  const found = (await (await api(`/api/beads?q=${encodeURIComponent('Tracked from')}`)).json()) as { id: string }[];
  assert.deepEqual(found.map((b) => b.id), [id], 'the bead list searches text');
});

test('gt dashboard --open hands the token URL to the browser; the token file is private to its owner', { timeout: 60_000 }, async () => {
  const opened = join(f.root, 'opened.txt');
  const fakeBrowser = join(f.root, 'fake-browser.sh');
  writeFileSync(fakeBrowser, `#!/bin/sh\nprintf '%s' "$1" > '${opened}'\n`, { mode: 0o755 });
  const child = spawn(process.execPath, [gtBin, 'dashboard', '--port', '0', '--open'], { cwd: f.root, env: { ...f.env, BROWSER: fakeBrowser }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const url = await until('the browser is opened', () => existsSync(opened) && readFileSync(opened, 'utf8'));
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{32,}$/);
    assert.equal(statSync(join(f.town, 'dashboard', 'token')).mode & 0o077, 0, 'no one else may read the token');
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0);
});
