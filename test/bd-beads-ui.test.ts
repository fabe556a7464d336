// beads-ui (npm beads-ui, a third-party web UI for Beads) on our bd: its own server starts on a
// real workspace with our bd first on PATH, and the test drives its WebSocket API the way its
// pages do: every list subscription its tabs open (Issues, Epics, Board columns, detail), every
// field those pages render, and every mutation its detail view and dialogs send.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { bd, repoRoot, tempDir, testEnv } from './support/cli.js';
import { launchBrowser, noBrowser } from './support/browser.js';

type Issue = Record<string, unknown> & { id: string };
interface Reply { id: string; ok: boolean; type: string; payload?: unknown; error?: { code: string; message: string } }

// ws (beads-ui's own dependency) has no type declarations here: the few members the test uses.
interface WebSocket {
  on(ev: 'message', fn: (data: unknown) => void): void;
  once(ev: 'open' | 'error', fn: (e?: unknown) => void): void;
  send(text: string): void;
  close(): void;
}
const WebSocket = createRequire(import.meta.url)('ws') as new (url: string) => WebSocket;

const UI_SERVER = join(repoRoot, 'node_modules', 'beads-ui', 'server', 'index.js');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** A workspace with one of each thing beads-ui shows: an epic with children, a blocker, labels, comments, a closed issue. */
interface Ids { epic: string; a: string; b: string; done: string }
function workspace(dir: string, env: NodeJS.ProcessEnv): Ids {
  const ok = (args: string[]) => {
    const r = bd(args, { cwd: dir, env });
    assert.equal(r.code, 0, `bd ${args.join(' ')}: ${r.stderr}`);
    return r.stdout.trim();
  };
  execFileSync('git', ['init', '-q'], { cwd: dir, env });
  // beads-ui signs comments with git's user.name.
  execFileSync('git', ['config', 'user.name', 'Ada Reviewer'], { cwd: dir, env });
  {
    ok(['init', '--prefix', 'ui']);
    const epic = ok(['create', 'Ship the UI', '-t', 'epic', '-p', '1', '--silent']);
    const a = ok(['create', 'Design the board', '--parent', epic, '-p', '1', '-d', 'Columns for each state', '--design', 'Four columns',
      '--acceptance', 'Drag and drop works', '--notes', 'ask the team', '-a', 'alice', '-l', 'ui,board', '--silent']);
    const b = ok(['create', 'Wire the data', '--parent', epic, '-t', 'feature', '--deps', a, '--silent']);
    const done = ok(['create', 'Pick a framework', '--parent', epic, '-t', 'chore', '--silent']);
    ok(['close', done, '-r', 'lit-html']);
    ok(['update', a, '--status', 'in_progress']);
    ok(['comment', a, 'first thoughts']);
    return { epic, a, b, done };
  }
}

class UiClient {
  private waiting = new Map<string, (r: Reply) => void>();
  readonly snapshots = new Map<string, Issue[]>();
  private snapshotWaiters = new Map<string, (issues: Issue[]) => void>();
  private n = 0;
  constructor(private ws: WebSocket) {
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as Reply & { payload?: { type?: string; id?: string; issues?: Issue[] } };
      if (msg.type === 'snapshot' && msg.payload?.id) {
        this.snapshots.set(msg.payload.id, msg.payload.issues ?? []);
        this.snapshotWaiters.get(msg.payload.id)?.(msg.payload.issues ?? []);
        this.snapshotWaiters.delete(msg.payload.id);
        return;
      }
      this.waiting.get(msg.id)?.(msg);
      this.waiting.delete(msg.id);
    });
  }
  static open(port: number): Promise<UiClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
      ws.once('open', () => resolve(new UiClient(ws)));
      ws.once('error', reject);
    });
  }
  send(type: string, payload: unknown): Promise<Reply> {
    const id = `t${++this.n}`;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.ws.send(JSON.stringify({ id, type, payload }));
    });
  }
  async ok(type: string, payload: unknown): Promise<unknown> {
    const r = await this.send(type, payload);
    assert.equal(r.ok, true, `${type} ${JSON.stringify(payload)}: ${r.error?.message}`);
    return r.payload;
  }
  /** Subscribes like a page does and returns the first snapshot's issues. */
  async subscribe(clientId: string, type: string, params?: Record<string, string>): Promise<Issue[]> {
    const first = new Promise<Issue[]>((resolve) => this.snapshotWaiters.set(clientId, resolve));
    await this.ok('subscribe-list', { id: clientId, type, ...(params ? { params } : {}) });
    return first;
  }
  async unsubscribe(clientId: string): Promise<void> {
    await this.ok('unsubscribe-list', { id: clientId });
  }
  close() {
    this.ws.close();
  }
}

async function startUi(dir: string, env: NodeJS.ProcessEnv): Promise<{ port: number; proc: ChildProcess; log: () => string }> {
  const port = await freePort();
  let log = '';
  const proc = spawn(process.execPath, [UI_SERVER, '--port', String(port), '--host', '127.0.0.1'], { cwd: dir, env });
  proc.stdout!.on('data', (d) => (log += d));
  proc.stderr!.on('data', (d) => (log += d));
  // Ready when it says it listens (its own start-up line), or fail with what it printed.
  await new Promise<void>((resolve, reject) => {
    const check = () => { if (log.includes('listening on')) resolve(); };
    proc.stdout!.on('data', check);
    proc.on('exit', (code) => reject(new Error(`beads-ui exited (${code}): ${log}`)));
  });
  return { port, proc, log: () => log };
}

const ROW_FIELDS = ['id', 'title', 'status', 'priority', 'issue_type', 'dependency_count', 'dependent_count'];

test('beads-ui runs on our bd: every tab, every field it renders, every edit it sends', { timeout: 600_000 }, async () => {
  const { dir, cleanup } = tempDir('bd-beads-ui-');
  const home = join(dir, 'home');
  const ws = join(dir, 'ws');
  mkdirSync(home);
  mkdirSync(ws);
  const env = testEnv({ HOME: home, BD_ACTOR: 'tester', GIT_CONFIG_GLOBAL: join(home, '.gitconfig') });
  let ui: Awaited<ReturnType<typeof startUi>> | undefined;
  let client: UiClient | undefined;
  try {
    const ids = workspace(ws, env);
    ui = await startUi(ws, env);
    client = await UiClient.open(ui.port);

    // Issues tab: `bd --sandbox list --json --tree=false`; rows render these fields.
    const all = await client.subscribe('tab:issues', 'all-issues');
    assert.deepEqual(all.map((i) => i.id).sort(), [ids.epic, ids.a, ids.b].sort(), 'open issues, closed ones left out');
    for (const i of all) for (const f of ROW_FIELDS) assert.ok(f in i, `list row ${i.id} has ${f}`);
    const rowA = all.find((i) => i.id === ids.a)!;
    assert.equal(rowA.assignee, 'alice');
    assert.equal(rowA.dependency_count, 1, 'a depends on its parent');
    assert.equal(rowA.dependent_count, 1, 'b depends on a');
    assert.equal(rowA.parent, ids.epic);
    assert.equal(rowA.comment_count, 1);
    assert.equal(all.find((i) => i.id === ids.epic)!.dependent_count, 3, 'three children');

    // Epics tab: `bd --sandbox epic status --json`, progress from total/closed children.
    const epics = await client.subscribe('tab:epics', 'epics');
    assert.equal(epics.length, 1);
    assert.equal(epics[0]!.id, ids.epic);
    assert.equal(epics[0]!.title, 'Ship the UI');
    assert.equal(epics[0]!.total_children, 3);
    assert.equal(epics[0]!.closed_children, 1);
    assert.equal(epics[0]!.eligible_for_close, false);

    // Board columns: ready, blocked, in progress, closed.
    const ready = await client.subscribe('board:ready', 'ready-issues');
    assert.deepEqual(ready.map((i) => i.id), [ids.epic], 'the epic is ready; a is in progress, b is blocked by a');
    const blocked = await client.subscribe('board:blocked', 'blocked-issues');
    assert.deepEqual(blocked.map((i) => i.id), [ids.b]);
    assert.deepEqual(blocked[0]!.blocked_by, [ids.a]);
    assert.equal(blocked[0]!.blocked_by_count, 1);
    const inProgress = await client.subscribe('board:in_progress', 'in-progress-issues');
    assert.deepEqual(inProgress.map((i) => i.id), [ids.a]);
    const closed = await client.subscribe('board:closed', 'closed-issues');
    assert.deepEqual(closed.map((i) => i.id), [ids.done]);
    assert.ok(typeof closed[0]!.closed_at === 'number' && closed[0]!.closed_at > 0, 'closed_at parses as a time');
    for (const col of [ready, blocked, inProgress, closed]) for (const i of col) for (const f of ['id', 'title', 'priority', 'issue_type']) assert.ok(f in i);

    // Detail view: every field it renders; dependencies and dependents as issues.
    const [detailA] = await client.subscribe(`detail:${ids.a}`, 'issue-detail', { id: ids.a });
    assert.ok(detailA);
    for (const [f, v] of Object.entries({ title: 'Design the board', description: 'Columns for each state', design: 'Four columns',
      acceptance_criteria: 'Drag and drop works', notes: 'ask the team', status: 'in_progress', priority: 1, assignee: 'alice' })) {
      assert.deepEqual(detailA[f], v, `detail ${f}`);
    }
    assert.deepEqual(detailA.labels, ['board', 'ui']);
    const depsA = detailA.dependencies as Issue[];
    assert.deepEqual(depsA.map((d) => [d.id, d.title, d.issue_type, d.dependency_type]), [[ids.epic, 'Ship the UI', 'epic', 'parent-child']]);
    const dependentsA = detailA.dependents as Issue[];
    assert.deepEqual(dependentsA.map((d) => [d.id, d.title, d.issue_type, d.status, d.dependency_type]), [[ids.b, 'Wire the data', 'feature', 'open', 'blocks']]);
    const comments = detailA.comments as { author: string; text: string; created_at: string }[];
    assert.equal(comments.length, 1);
    assert.equal(comments[0]!.author, 'tester');
    assert.equal(comments[0]!.text, 'first thoughts');
    assert.ok(Date.parse(comments[0]!.created_at) > 0);
    // An epic's detail lists its children as dependents (the Epics tab expands from them).
    const [detailEpic] = await client.subscribe(`detail:${ids.epic}`, 'issue-detail', { id: ids.epic });
    const kids = (detailEpic!.dependents as Issue[]).filter((d) => d.dependency_type === 'parent-child');
    assert.deepEqual(kids.map((k) => k.id).sort(), [ids.a, ids.b, ids.done].sort());
    for (const k of kids) for (const f of ROW_FIELDS.filter((x) => !x.endsWith('_count'))) assert.ok(f in k, `epic child ${k.id} has ${f}`);
    assert.equal(detailEpic!.epic_total_children, 3);
    assert.equal(detailEpic!.epic_closed_children, 1);

    // beads-ui re-runs every open subscription after each edit: close them so the edits below run alone.
    for (const id of ['tab:issues', 'tab:epics', 'board:ready', 'board:blocked', 'board:in_progress', 'board:closed', `detail:${ids.a}`, `detail:${ids.epic}`]) await client.unsubscribe(id);

    // Edits from the detail view: each answers with the issue as `bd show --json` now has it.
    const shown = (p: unknown) => (p as Issue[])[0]!;
    assert.equal(shown(await client.ok('update-status', { id: ids.b, status: 'in_progress' })).status, 'in_progress');
    assert.equal(shown(await client.ok('update-priority', { id: ids.b, priority: 0 })).priority, 0);
    assert.equal(shown(await client.ok('update-assignee', { id: ids.b, assignee: 'bob' })).assignee, 'bob');
    assert.equal(shown(await client.ok('update-assignee', { id: ids.b, assignee: '' })).assignee, undefined, "'' clears the assignee");
    for (const [field, key] of [['title', 'title'], ['description', 'description'], ['acceptance', 'acceptance_criteria'], ['notes', 'notes'], ['design', 'design']] as const) {
      assert.equal(shown(await client.ok('edit-text', { id: ids.b, field, value: `new ${field}` }))[key], `new ${field}`, `edit ${field}`);
    }
    assert.deepEqual(shown(await client.ok('label-add', { id: ids.b, label: 'data' })).labels, ['data']);
    assert.deepEqual(shown(await client.ok('label-remove', { id: ids.b, label: 'data' })).labels ?? [], []);
    const afterRemove = shown(await client.ok('dep-remove', { a: ids.b, b: ids.a }));
    assert.deepEqual((afterRemove.dependencies as Issue[]).map((d) => d.id), [ids.epic]);
    const afterAdd = shown(await client.ok('dep-add', { a: ids.b, b: ids.a, view_id: ids.a }));
    assert.equal(afterAdd.id, ids.a, 'the view it asked for');
    assert.deepEqual((afterAdd.dependents as Issue[]).map((d) => d.id), [ids.b]);

    // Comments: the author is git's user.name, as beads-ui passes it (--author).
    const after = (await client.ok('add-comment', { id: ids.b, text: 'looks right' })) as { author: string; text: string }[];
    assert.deepEqual(after.map((c) => [c.author, c.text]), [['Ada Reviewer', 'looks right']]);
    assert.equal(((await client.ok('get-comments', { id: ids.b })) as unknown[]).length, 1);

    // New issue dialog, then delete from the detail view.
    assert.deepEqual(await client.ok('create-issue', { title: 'From the dialog', type: 'bug', priority: 3, description: 'typed in the UI' }), { created: true });
    const withNew = await client.subscribe('tab:issues2', 'all-issues');
    const created = withNew.find((i) => i.title === 'From the dialog');
    assert.ok(created, 'the created issue is listed');
    assert.equal(created.issue_type, 'bug');
    assert.equal(created.priority, 3);
    assert.deepEqual(await client.ok('delete-issue', { id: created.id }), { deleted: true, id: created.id });
    await client.unsubscribe('tab:issues2');
    const afterDelete = await client.subscribe('tab:issues3', 'all-issues');
    assert.equal(afterDelete.some((i) => i.id === created.id), false, 'a deleted issue leaves the list');
    const gone = await client.send('subscribe-list', { id: 'detail:gone', type: 'issue-detail', params: { id: created.id } });
    assert.equal(gone.ok, false, 'its detail is refused');
  } catch (e) {
    if (ui) process.stderr.write(`beads-ui log:\n${ui.log()}\n`);
    throw e;
  } finally {
    client?.close();
    ui?.proc.kill();
    cleanup();
  }
});

test('beads-ui in a browser: the issues list and an epic render from our bd', { skip: noBrowser, timeout: 600_000 }, async () => {
  const { dir, cleanup } = tempDir('bd-beads-ui-web-');
  const home = join(dir, 'home');
  const ws = join(dir, 'ws');
  mkdirSync(home);
  mkdirSync(ws);
  const env = testEnv({ HOME: home, BD_ACTOR: 'tester', GIT_CONFIG_GLOBAL: join(home, '.gitconfig') });
  let ui: Awaited<ReturnType<typeof startUi>> | undefined;
  const b = await launchBrowser();
  try {
    const ids = workspace(ws, env);
    ui = await startUi(ws, env);
    const context = await b.browser.newContext({ viewport: { width: 1400, height: 900 } });
    context.setDefaultTimeout(30_000);
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${ui.port}/#/issues`);
    // Each open issue's row shows its title; the closed one is not on the Issues tab.
    for (const title of ['Ship the UI', 'Design the board', 'Wire the data']) await page.getByText(title, { exact: true }).first().waitFor();
    assert.equal(await page.getByText('Pick a framework', { exact: true }).count(), 0);
    // The detail of a: its dependent b is listed by title (blank before: raw edges had no titles).
    await page.goto(`http://127.0.0.1:${ui.port}/#/issues?issue=${ids.a}`);
    await page.locator('#detail-root').getByText('Wire the data').first().waitFor();
    await page.locator('#detail-root').getByText('Drag and drop works').first().waitFor();
    // The Epics tab shows the epic with 1 of 3 children closed.
    await page.goto(`http://127.0.0.1:${ui.port}/#/epics`);
    await page.getByText('1/3').first().waitFor();
    await context.close();
  } catch (e) {
    if (ui) process.stderr.write(`beads-ui log:\n${ui.log()}\n`);
    throw e;
  } finally {
    ui?.proc.kill();
    await b.close();
    cleanup();
  }
});
