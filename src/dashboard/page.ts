// The dashboard page: one self-contained HTML document (inline CSS and a small vanilla script, no
// build step, nothing fetched from elsewhere). The script renders each `snapshot` event of
// /api/events; the only server-side value in the HTML is the town's name, escaped.
import { createHash } from 'node:crypto';

const STYLE = `
:root { color-scheme: light dark; --bg: #f6f7f9; --panel: #fff; --fg: #1d2330; --muted: #6b7385; --line: #e2e5ea;
  --accent: #2f6fde; --ok: #1f9d55; --warn: #c98a00; --bad: #d1343b; --info: #2f80c9; --bar: #e6e9ef; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #0f1218; --panel: #171b23; --fg: #dfe3ea; --muted: #8b93a5; --line: #262c37;
    --accent: #6ea1ff; --ok: #3ecf7a; --warn: #e6b341; --bad: #ff6b6b; --info: #5eb0ff; --bar: #262c37; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 13px/1.45 ui-sans-serif, system-ui, -apple-system, "Segoe UI", sans-serif; }
header { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: center; padding: 10px 16px; border-bottom: 1px solid var(--line); background: var(--panel); position: sticky; top: 0; z-index: 1; }
header h1 { font-size: 15px; margin: 0; font-weight: 600; }
header h1 small { color: var(--muted); font-weight: 400; }
#states { display: flex; gap: 6px; flex-wrap: wrap; }
#conn { margin-left: auto; color: var(--muted); white-space: nowrap; }
#conn::before { content: "●"; margin-right: 4px; color: var(--bad); }
#conn.live::before { color: var(--ok); }
#problem { display: none; margin: 8px 16px 0; padding: 6px 10px; border: 1px solid var(--bad); border-radius: 6px; color: var(--bad); }
#problem.shown { display: block; }
main { display: grid; grid-template-columns: repeat(auto-fit, minmax(380px, 1fr)); gap: 12px; padding: 12px 16px 24px; }
section { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; min-width: 0; }
section.wide { grid-column: 1 / -1; }
h2 { font-size: 12px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); margin: 0 0 8px; }
h3 { font-size: 13px; margin: 10px 0 4px; }
h3:first-of-type { margin-top: 0; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 500; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.mono, a.bead, code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
.muted, .empty { color: var(--muted); }
.empty { font-style: italic; }
.agents { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 0 16px; }
.agent { display: grid; grid-template-columns: 72px 1fr auto; gap: 6px; padding: 3px 0; border-bottom: 1px solid var(--line); align-items: baseline; }
.agent .why { grid-column: 2 / -1; color: var(--bad); font-size: 12px; }
.agent .why.stuck { color: var(--warn); }
.badge { display: inline-block; padding: 0 6px; border-radius: 9px; font-size: 11px; border: 1px solid currentColor; text-align: center; white-space: nowrap; }
.s-working, .s-merged { color: var(--ok); }
.s-spawning, .s-testing { color: var(--info); }
.s-idle, .s-done, .s-queued { color: var(--muted); }
.s-stuck { color: var(--warn); }
.s-dead, .s-bounced { color: var(--bad); }
.convoy { padding: 4px 0 8px; border-bottom: 1px solid var(--line); }
.convoy:last-child { border-bottom: 0; }
.convoy .head { display: flex; gap: 8px; align-items: baseline; }
.convoy .head .title { flex: 1; min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.bar { height: 6px; background: var(--bar); border-radius: 3px; overflow: hidden; margin: 4px 0; }
.bar > div { height: 100%; background: var(--ok); }
details summary { cursor: pointer; color: var(--muted); font-size: 12px; }
details ul { margin: 4px 0 0; padding-left: 18px; }
.msg { padding: 4px 0; border-bottom: 1px solid var(--line); }
.msg.unread .subject { font-weight: 600; }
.msg .preview { color: var(--muted); font-size: 12px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
dialog { max-width: min(760px, 94vw); width: 100%; border: 1px solid var(--line); border-radius: 8px; background: var(--panel); color: var(--fg); padding: 14px 16px; }
dialog::backdrop { background: rgb(0 0 0 / .45); }
dialog pre { white-space: pre-wrap; background: var(--bg); padding: 8px; border-radius: 6px; max-height: 50vh; overflow: auto; }
dialog .close { float: right; }
button { font: inherit; color: inherit; background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: 2px 10px; cursor: pointer; }
`;

const SCRIPT = `
"use strict";
const $ = (s) => document.querySelector(s);
const ENT = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const esc = (v) => String(v == null ? "" : v).replace(/[&<>"']/g, (c) => ENT[c]);
const bead = (id) => id ? '<a href="#" class="bead" data-id="' + esc(id) + '">' + esc(id) + "</a>" : "";
const badge = (s) => '<span class="badge s-' + esc(s) + '">' + esc(s) + "</span>";
const empty = (t) => '<div class="empty">' + esc(t) + "</div>";
function ago(ts) {
  const t = Date.parse(ts || "");
  if (!t) return "";
  const s = Math.max(0, Math.round((Date.now() - t) / 1000));
  if (s < 60) return s + "s ago";
  if (s < 3600) return Math.floor(s / 60) + "m ago";
  if (s < 86400) return Math.floor(s / 3600) + "h ago";
  return Math.floor(s / 86400) + "d ago";
}
const openDetails = new Set();
let last;

function rigs(s) {
  if (!s.rigs.length) return empty("No rigs yet: gt rig add <name> <repo>");
  return "<table><tr><th>rig</th><th>prefix</th><th>branch</th><th class=n>open</th><th class=n>ready</th><th class=n>queue</th></tr>" +
    s.rigs.map((r) => "<tr><td>" + esc(r.name) + '</td><td class="mono">' + esc(r.prefix) + '</td><td class="mono">' + esc(r.branch) +
      "</td><td class=n>" + r.open + "</td><td class=n>" + r.ready + "</td><td class=n>" + r.queue + (r.testing ? ' <span class="muted">+' + r.testing + " testing</span>" : "") + "</td></tr>").join("") +
    "</table>";
}

function agentRow(a) {
  const who = a.rig ? a.address.slice(a.rig.length + 1) : a.address;
  const why = a.state === "dead" || a.state === "stuck"
    ? '<div class="why ' + esc(a.state) + '">' + esc(a.reason || "no reason recorded") + (a.restarts ? " · " + a.restarts + " restart" + (a.restarts > 1 ? "s" : "") : "") + (a.gaveUp ? " · witness gave up" : "") + "</div>"
    : "";
  return '<div class="agent">' + badge(a.state) + '<span class="mono" title="' + esc(a.address) + '">' + esc(who) + (a.hook ? ' <span class="muted">→</span> ' + bead(a.hook) : "") +
    '</span><span class="muted" title="' + esc(a.last_activity) + '">' + esc(ago(a.last_activity)) + "</span>" + why + "</div>";
}

function agents(s) {
  return s.agents.map((g) => "<h3>" + (g.rig ? esc(g.rig) : "town") + ' <span class="muted">(' + g.agents.length + ")</span></h3>" +
    (g.agents.length ? '<div class="agents">' + g.agents.map(agentRow).join("") + "</div>" : empty("no agents"))).join("");
}

function mrRow(m) {
  return "<tr><td>" + badge(m.state) + "</td><td>" + bead(m.id) + "</td><td>" + bead(m.source_bead) +
    (m.polecat ? ' <span class="muted" title="' + esc(m.polecat) + '">by ' + esc(m.polecat.split("/").pop()) + "</span>" : "") + '</td><td class="muted">' +
    esc(m.reason || m.branch) + (m.fix ? " → " + bead(m.fix) : "") + '</td><td class="muted n">' + esc(ago(m.at)) + "</td></tr>";
}

function queues(s) {
  if (!s.queues.length) return empty("No rigs.");
  return s.queues.map((q) => {
    const live = q.testing.concat(q.queued);
    return "<h3>" + esc(q.rig) + ' <span class="muted">(' + q.queued.length + " queued" + (q.testing.length ? ", " + q.testing.length + " testing" : "") + ")</span></h3>" +
      (live.length || q.recent.length ? "<table>" + live.concat(q.recent).map(mrRow).join("") + "</table>" : empty("queue empty"));
  }).join("");
}

function convoys(s) {
  if (!s.convoys.length) return empty("No open convoys.");
  return s.convoys.map((c) => {
    const pct = c.total ? Math.round((c.closed / c.total) * 100) : 0;
    return '<div class="convoy"><div class="head"><span class="title">' + esc(c.title) + "</span>" + bead(c.id) +
      '<span class="mono">' + c.closed + "/" + c.total + "</span></div>" +
      '<div class="bar"><div style="width:' + pct + '%"></div></div>' +
      (c.tracked.length ? '<details data-key="' + esc(c.id) + '"' + (openDetails.has(c.id) ? " open" : "") + "><summary>" + c.tracked.length + " tracked</summary><ul>" +
        c.tracked.map((t) => "<li>" + badge(t.status) + " " + bead(t.id) + " " + esc(t.title) + (t.assignee ? ' <span class="muted">· ' + esc(t.assignee) + "</span>" : "") + "</li>").join("") +
        "</ul></details>" : "") + "</div>";
  }).join("");
}

function mail(s) {
  return s.mail.map((b) => "<h3>" + esc(b.address) + ' <span class="muted">(' + b.unread + " unread)</span></h3>" +
    (b.messages.length ? b.messages.map((m) => '<div class="msg' + (m.read || m.archived ? "" : " unread") + '"><div>' + bead(m.id) +
      ' <span class="subject">' + esc(m.subject) + '</span> <span class="muted">from ' + esc(m.from) + " · " + esc(ago(m.created_at)) + "</span></div>" +
      (m.preview ? '<div class="preview">' + esc(m.preview) + "</div>" : "") + "</div>").join("") : empty("no mail"))).join("");
}

function render(s) {
  const working = s.byState.working || 0;
  document.title = (working ? working + " working · " : "") + "Gas Town · " + s.town.name;
  $("#states").innerHTML = Object.keys(s.byState).sort().map((k) => '<span class="badge s-' + esc(k) + '">' + s.byState[k] + " " + esc(k) + "</span>").join("");
  $("#rigs").innerHTML = rigs(s);
  $("#agents").innerHTML = agents(s);
  $("#queues").innerHTML = queues(s);
  $("#convoys").innerHTML = convoys(s);
  $("#mail").innerHTML = mail(s);
  $("#updated").textContent = "updated " + new Date(Date.parse(s.generated_at) || Date.now()).toLocaleTimeString();
}

function setLive(live) {
  $("#conn").classList.toggle("live", live);
  $("#connText").textContent = live ? "live" : "reconnecting…";
}

function showProblem(text) {
  $("#problem").textContent = text ? "Could not read the town: " + text : "";
  $("#problem").classList.toggle("shown", !!text);
}

async function showBead(id) {
  const d = $("#bead");
  $("#beadBody").innerHTML = '<p class="muted">loading ' + esc(id) + "…</p>";
  if (!d.open) d.showModal();
  try {
    const r = await fetch("/api/bead/" + encodeURIComponent(id));
    const b = await r.json();
    if (!r.ok) throw new Error(b.error || r.statusText);
    const row = (k, v) => v == null || v === "" || (Array.isArray(v) && !v.length) ? "" : "<tr><th>" + esc(k) + "</th><td>" + v + "</td></tr>";
    $("#beadBody").innerHTML = "<h3>" + esc(b.title) + "</h3><table>" +
      row("id", '<span class="mono">' + esc(b.id) + "</span>") +
      row("status", badge(b.status) + (b.close_reason ? " " + esc(b.close_reason) : "")) +
      row("type", esc(b.issue_type) + " · P" + esc(b.priority)) +
      row("assignee", esc(b.assignee)) +
      row("labels", (b.labels || []).map(esc).join(", ")) +
      row("depends on", (b.dependencies || []).map((x) => esc(x.type) + " " + bead(x.depends_on_id)).join("<br>")) +
      row("updated", esc(b.updated_at) + ' <span class="muted">' + esc(ago(b.updated_at)) + "</span>") +
      "</table>" + (b.description ? "<pre>" + esc(b.description) + "</pre>" : "") +
      ((b.comments || []).length ? "<h3>Comments</h3>" + b.comments.map((c) => '<p><span class="muted">' + esc(c.author) + " · " + esc(ago(c.created_at)) + "</span><br>" + esc(c.text) + "</p>").join("") : "");
  } catch (e) {
    $("#beadBody").innerHTML = '<p class="s-dead">' + esc(e.message) + "</p>";
  }
}

document.addEventListener("click", (e) => {
  const a = e.target.closest && e.target.closest("a.bead");
  if (a) { e.preventDefault(); showBead(a.dataset.id); }
});
document.addEventListener("toggle", (e) => {
  const key = e.target.dataset && e.target.dataset.key;
  if (key) e.target.open ? openDetails.add(key) : openDetails.delete(key);
}, true);
$("#closeBead").addEventListener("click", () => $("#bead").close());

const events = new EventSource("/api/events");
events.addEventListener("snapshot", (e) => { last = JSON.parse(e.data); showProblem(""); render(last); setLive(true); });
events.addEventListener("problem", (e) => showProblem(JSON.parse(e.data).error));
events.addEventListener("open", () => setLive(true));
events.addEventListener("error", () => setLive(false));
// Relative times ("3m ago") age between snapshots.
setInterval(() => { if (last) render(last); }, 30000);
`;

/** Content-Security-Policy for the page: its own inline script (by hash) and nothing from elsewhere. */
export const PAGE_CSP = [
  "default-src 'none'",
  `script-src 'sha256-${createHash('sha256').update(SCRIPT).digest('base64')}'`,
  "style-src 'unsafe-inline'",
  "connect-src 'self'",
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

export function pageHtml(townName: string): string {
  const name = escapeHtml(townName);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Gas Town · ${name}</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1>Gas Town <small>· ${name}</small></h1>
  <div id="states"></div>
  <div id="conn"><span id="connText">connecting…</span> <span id="updated" class="muted"></span></div>
</header>
<div id="problem" role="alert"></div>
<main>
  <section><h2>Rigs</h2><div id="rigs" class="empty">loading…</div></section>
  <section><h2>Convoys</h2><div id="convoys"></div></section>
  <section class="wide"><h2>Agents</h2><div id="agents"></div></section>
  <section><h2>Merge queue</h2><div id="queues"></div></section>
  <section><h2>Mail</h2><div id="mail"></div></section>
</main>
<dialog id="bead"><button id="closeBead" class="close" type="button">close</button><div id="beadBody"></div></dialog>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
