// The page's code, as text served to the browser (no build step, nothing from elsewhere).
//
// WORKER_JS is a SharedWorker: one event stream per browser, shared by every tab, so twenty tabs
// hold one connection, not twenty (a browser allows six per site). Each tab gets the last snapshot
// at once and every event after. Browsers without SharedWorker fall back to a stream per tab.
//
// CLIENT_JS renders snapshots by patching the DOM in place (only nodes whose content changed are
// touched), so focus, text selection and open disclosures survive updates. Each view has a URL
// (#/bead/<id>, #/agent/<address>, #/convoy/<id>, #/mr/<id>, #/beads?q=...), so back and forward
// work. Actions POST to /api/action/<kind> with the page's cookie; the server checks the origin.

export const WORKER_JS = String.raw`"use strict";
const ports = new Set();
const latest = {};
let live = false;
function send(msg) { for (const p of ports) p.postMessage(msg); }
const es = new EventSource("/api/events");
for (const type of ["snapshot", "problem", "checked"]) {
  es.addEventListener(type, (e) => { latest[type] = e.data; if (type === "snapshot") delete latest.problem; send({ type, data: e.data }); });
}
es.addEventListener("open", () => { live = true; send({ type: "live", data: true }); });
es.addEventListener("error", () => { live = false; send({ type: "live", data: false }); });
onconnect = (e) => {
  const port = e.ports[0];
  ports.add(port);
  port.postMessage({ type: "live", data: live });
  for (const type of ["snapshot", "problem", "checked"]) if (latest[type] !== undefined) port.postMessage({ type, data: latest[type] });
};
`;

export const CLIENT_JS = String.raw`"use strict";
const $ = (s) => document.querySelector(s);
const ENT = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const esc = (v) => String(v == null ? "" : v).replace(/[&<>"']/g, (c) => ENT[c]);
const enc = encodeURIComponent;
const link = (kind, id, text) => id ? '<a class="id" href="#/' + kind + "/" + esc(enc(id)) + '">' + esc(text || id) + "</a>" : "";
const bead = (id) => link("bead", id);
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
const clock = (ts) => new Date(Date.parse(ts) || Date.now()).toLocaleTimeString();

// ---- patching: change only what differs, keep the user's focus, selection and typing ----
function same(a, b) {
  return a.nodeType === b.nodeType && a.nodeName === b.nodeName && (a.nodeType !== 1 || a.getAttribute("data-k") === b.getAttribute("data-k"));
}
function morph(a, b) {
  if (a.nodeType !== 1) { if (a.nodeValue !== b.nodeValue) a.nodeValue = b.nodeValue; return; }
  for (const at of Array.from(a.attributes)) if (!b.hasAttribute(at.name) && !(a.tagName === "DETAILS" && at.name === "open")) a.removeAttribute(at.name);
  for (const at of Array.from(b.attributes)) if (a.getAttribute(at.name) !== at.value) a.setAttribute(at.name, at.value);
  if (/^(INPUT|TEXTAREA|SELECT)$/.test(a.tagName)) return;
  morphChildren(a, b);
}
function morphChildren(to, from) {
  let cur = to.firstChild;
  for (let n = from.firstChild; n;) {
    const next = n.nextSibling;
    if (cur && same(cur, n)) { morph(cur, n); cur = cur.nextSibling; }
    else {
      const k = n.nodeType === 1 && n.getAttribute("data-k");
      let found = null;
      if (k) for (let c = cur; c; c = c.nextSibling) if (c.nodeType === 1 && same(c, n)) { found = c; break; }
      if (found) { to.insertBefore(found, cur); morph(found, n); cur = found.nextSibling; }
      else to.insertBefore(n, cur);
    }
    n = next;
  }
  while (cur) { const nx = cur.nextSibling; to.removeChild(cur); cur = nx; }
}
function patch(el, html) {
  const t = document.createElement("template");
  t.innerHTML = html;
  morphChildren(el, t.content);
}

// ---- overview ----
let last;
function rigs(s) {
  if (!s.rigs.length) return empty("No rigs yet: gt rig add <name> <repo>");
  return '<div class="scroll"><table><tr><th>rig</th><th>prefix</th><th>branch</th><th class=n>open</th><th class=n>ready</th><th class=n>queue</th></tr>' +
    s.rigs.map((r) => '<tr data-k="' + esc(r.name) + '"><td><a class="id" href="#/beads?rig=' + esc(enc(r.name)) + '">' + esc(r.name) + '</a></td><td class="mono">' + esc(r.prefix) + '</td><td class="mono">' + esc(r.branch) +
      "</td><td class=n>" + r.open + "</td><td class=n>" + r.ready + "</td><td class=n>" + r.queue + (r.testing ? ' <span class="muted">+' + r.testing + " testing</span>" : "") + "</td></tr>").join("") +
    "</table></div>";
}
function agentRow(a) {
  const who = a.rig ? a.address.slice(a.rig.length + 1) : a.address;
  const why = a.state === "dead" || a.state === "stuck"
    ? '<div class="why ' + esc(a.state) + '">' + esc(a.reason || "no reason recorded") + (a.restarts ? " · " + a.restarts + " restart" + (a.restarts > 1 ? "s" : "") : "") + (a.gaveUp ? " · witness gave up" : "") + "</div>" : "";
  return '<div class="agent" data-k="' + esc(a.address) + '">' + badge(a.state) + '<span class="clip">' + link("agent", a.address, who) + (a.hook ? ' <span class="muted">→</span> ' + bead(a.hook) : "") +
    '</span><span class="muted ago" title="' + esc(a.last_activity) + '">' + esc(ago(a.last_activity)) + "</span>" + why + "</div>";
}
function agents(s) {
  return s.agents.map((g) => '<h3 data-k="' + esc(g.rig || "town") + '">' + (g.rig ? esc(g.rig) : "town") + ' <span class="muted">(' + g.agents.length + ")</span></h3>" +
    (g.agents.length ? '<div class="agents" data-k="a-' + esc(g.rig || "town") + '">' + g.agents.map(agentRow).join("") + "</div>" : empty("no agents"))).join("");
}
function mrRow(m) {
  return '<tr data-k="' + esc(m.id) + '"><td>' + badge(m.state) + "</td><td>" + link("mr", m.id) + '</td><td class="clip">' + bead(m.source_bead) + " " + esc(m.title || "") +
    (m.polecat ? ' <span class="muted">by ' + esc(m.polecat.split("/").pop()) + "</span>" : "") + '<div class="muted">' +
    esc(m.reason || m.branch) + (m.fix ? " → " + bead(m.fix) : "") + '</div></td><td class="muted n">' + esc(ago(m.at)) + "</td></tr>";
}
function queues(s) {
  if (!s.queues.length) return empty("No rigs.");
  return s.queues.map((q) => {
    const rows = q.testing.concat(q.queued, q.recent);
    return '<h3 data-k="q-' + esc(q.rig) + '">' + esc(q.rig) + ' <span class="muted">(' + q.queued.length + " queued" + (q.testing.length ? ", " + q.testing.length + " testing" : "") + ")</span></h3>" +
      (rows.length ? '<div class="scroll" data-k="qt-' + esc(q.rig) + '"><table>' + rows.map(mrRow).join("") + "</table></div>" : empty("queue empty"));
  }).join("");
}
function progress(c) {
  const pct = (n) => c.total ? (n / c.total) * 100 : 0;
  return '<div class="bar" role="img" aria-label="' + c.counts.closed + " closed, " + c.counts.active + " in progress, " + c.counts.open + ' open"><div class="done" style="width:' + pct(c.counts.closed) + '%"></div><div class="act" style="width:' + pct(c.counts.active) + '%"></div></div>';
}
const openDetails = new Set();
function convoys(s) {
  const form = '<form data-action="convoy-create" data-k="new-convoy"><input type="text" name="title" aria-label="new convoy title" placeholder="new convoy title"><input type="text" name="beads" aria-label="bead ids" placeholder="bead ids"><button type="submit">create</button></form>';
  if (!s.convoys.length) return empty("No convoys yet.") + form;
  return s.convoys.map((c) => '<div class="convoy" data-k="' + esc(c.id) + '"><div class="head"><span class="title clip">' + link("convoy", c.id, c.title) + "</span>" + (c.status === "closed" ? badge("landed") + ' <span class="muted">' + esc(ago(c.closed_at)) + "</span>" : "") +
    '<span class="mono">' + c.closed + "/" + c.total + (c.counts.active ? ' <span class="muted">(' + c.counts.active + " active)</span>" : "") + "</span></div>" + progress(c) +
    (c.tracked.length ? '<details data-key="' + esc(c.id) + '"' + (openDetails.has(c.id) ? " open" : "") + "><summary>" + c.tracked.length + ' tracked</summary><ul tabindex="0" aria-label="tracked beads">' +
      c.tracked.map((t) => '<li data-k="' + esc(t.id) + '">' + badge(t.status) + " " + bead(t.id) + " " + esc(t.title) + (t.assignee ? ' <span class="muted">· ' + esc(t.assignee) + "</span>" : "") + "</li>").join("") +
      "</ul></details>" : "") + "</div>").join("") + form;
}
function mail(s) {
  return s.mail.map((b) => '<h3 data-k="m-' + esc(b.address) + '">' + esc(b.address) + ' <span class="muted">(' + b.unread + " unread)</span></h3>" +
    ((b.threads || []).length ? b.threads.map((t) => '<div data-k="' + esc(t.thread) + '" class="msg' + (t.unread ? " unread" : "") + '"><div><span class="subject">' + link("thread", t.thread, t.subject) + "</span>" +
      ' <span class="muted">' + (t.messages > 1 ? t.messages + " messages · " : "") + "last from " + esc(t.last_from) + " · " + esc(ago(t.last_at)) + "</span></div>" +
      (t.preview ? '<div class="preview clip">' + esc(t.preview) + "</div>" : "") + "</div>").join("") : empty("no mail"))).join("");
}
const PROBLEM_LINK = { "dead-agent": "agent", "stuck-agent": "agent", "bounced-mr": "mr", "stranded-convoy": "convoy", "open-gate": "bead" };
const approveForm = (id) => '<form data-action="gate-approve" class="inline"><input type="hidden" name="id" value="' + esc(id) + '"><button type="submit" aria-label="approve gate ' + esc(id) + '">approve</button></form>';
function health(s) {
  const items = (s.problems || []).map((p) => '<li data-k="' + esc(p.kind + p.id) + '">' + badge(p.kind.replace(/-.*/, "")) + " " + (PROBLEM_LINK[p.kind] ? link(PROBLEM_LINK[p.kind], p.id) + " " : "") + esc(p.text) +
    (p.kind === "open-gate" ? " " + approveForm(p.id) : "") + "</li>");
  return items.length ? '<ul class="alerts" tabindex="0" aria-label="problems">' + items.join("") + "</ul>" : '<div class="ok">All agents alive; nothing bounced without a worker; main green; no stranded convoys.</div>';
}
const usd = (n) => "$" + n.toFixed(n >= 100 ? 0 : 2);
function spendTable(title, m, label) {
  const rows = Object.keys(m).sort((a, b) => m[b].usd - m[a].usd).slice(0, 8);
  return rows.length ? '<h3 data-k="c-' + esc(title) + '">' + esc(title) + '</h3><div class="scroll" data-k="ct-' + esc(title) + '"><table>' + rows.map((k) => '<tr data-k="' + esc(k) + '"><td class="clip">' + label(k) + '</td><td class="n">' + usd(m[k].usd) + '</td><td class="n muted">' + m[k].tokens.toLocaleString() + " tok</td></tr>").join("") + "</table></div>" : "";
}
function costs(s) {
  const c = s.costs;
  if (!c || !c.total.tokens) return empty("No usage recorded yet (claude, codex, gemini and opencode report it).");
  return '<div><b>' + usd(c.total.usd) + '</b> <span class="muted">' + c.total.tokens.toLocaleString() + " tokens in all</span></div>" +
    spendTable("by agent", c.byAgent, (k) => link("agent", k)) + spendTable("by rig", c.byRig, esc) +
    spendTable("by convoy", c.byConvoy, (k) => link("convoy", k)) + spendTable("by day", c.byDay, esc) + spendTable("by agent CLI", c.byAdapter || {}, esc);
}
function activity(s) {
  const items = (s.activity || []).slice().reverse();
  if (!items.length) return empty("Nothing has happened yet.");
  return '<ul class="alerts" tabindex="0" aria-label="recent activity">' + items.map((i) => '<li data-k="' + esc(i.at + i.type + i.text) + '"><span class="muted">' + esc(clock(i.at)) + "</span> " + badge(i.type) + " " + esc(i.text) + "</li>").join("") + "</ul>";
}
function renderOverview(s) {
  const working = s.byState.working || 0;
  document.title = (working ? working + " working · " : "") + "Gas Town · " + s.town.name;
  patch($("#states"), Object.keys(s.byState).sort().map((k) => '<span class="badge s-' + esc(k) + '" data-k="' + esc(k) + '">' + s.byState[k] + " " + esc(k) + "</span>").join(""));
  patch($("#health"), health(s));
  patch($("#rigs"), rigs(s));
  patch($("#agents"), agents(s));
  patch($("#queues"), queues(s));
  patch($("#convoys"), convoys(s));
  patch($("#mail"), mail(s));
  patch($("#costs"), costs(s));
  patch($("#activity"), activity(s));
  $("#updated").textContent = "changed " + clock(s.generated_at);
}

// ---- views with their own URL ----
async function getJson(url) {
  const r = await fetch(url);
  const b = await r.json();
  if (!r.ok) throw new Error(b.error || r.statusText);
  return b;
}
const row = (k, v) => v == null || v === "" ? "" : "<tr><th>" + esc(k) + "</th><td>" + v + "</td></tr>";
const close = '<a class="tap" href="#/">close</a>';
function beadView(b) {
  return "<h2><span class=grow>bead " + esc(b.id) + "</span>" + close + "</h2><h3>" + esc(b.title) + '</h3><div class="scroll"><table>' +
    row("status", badge(b.status) + (b.close_reason ? " " + esc(b.close_reason) : "")) +
    row("type", esc(b.issue_type) + " · P" + esc(b.priority)) + row("assignee", esc(b.assignee)) +
    row("labels", (b.labels || []).map(esc).join(", ")) +
    row("depends on", (b.dependencies || []).map((x) => esc(x.type) + " " + bead(x.depends_on_id)).join("<br>")) +
    row("updated", esc(b.updated_at) + ' <span class="muted">' + esc(ago(b.updated_at)) + "</span>") + "</table></div>" +
    (b.description ? '<pre tabindex="0">' + esc(b.description) + "</pre>" : "") +
    ((b.comments || []).length ? "<h3>Comments</h3>" + b.comments.map((c) => '<p><span class="muted">' + esc(c.author) + " · " + esc(ago(c.created_at)) + "</span><br>" + esc(c.text) + "</p>").join("") : "") +
    (b.issue_type === "gate" && b.status !== "closed"
      ? '<form data-action="gate-approve"><input type="hidden" name="id" value="' + esc(b.id) + '"><input type="text" name="reason" aria-label="why it opens (optional)" placeholder="why it opens (optional)"><button type="submit">approve gate</button></form>'
    : b.issue_type === "message"
      ? '<a class="tap" href="#/thread/' + esc(enc(b.fields && b.fields.thread || b.id)) + '">show the thread</a><form data-action="mail-reply"><input type="hidden" name="id" value="' + esc(b.id) + '"><textarea name="body" aria-label="reply" rows="2" placeholder="reply"></textarea><button type="submit">reply</button></form>'
      : b.status === "open" ? '<form data-action="sling"><input type="hidden" name="beads" value="' + esc(b.id) + '"><label>sling to <input type="text" name="target" placeholder="rig or agent" value=""></label><button type="submit">sling</button></form>' : "");
}
function agentView(a, pane) {
  return "<h2><span class=grow>agent " + esc(a.address) + "</span>" + close + "</h2><div>" + badge(a.state) + " " + esc(a.role) + (a.adapter ? " · " + esc(a.adapter) : "") + (a.hook ? " · hook " + bead(a.hook) : "") +
    (a.reason ? ' <span class="muted">' + esc(a.reason) + "</span>" : "") + "</div>" +
    '<form data-action="nudge"><input type="hidden" name="agent" value="' + esc(a.address) + '"><input type="text" name="message" aria-label="nudge message" placeholder="nudge message (optional)"><button type="submit">nudge</button></form>' +
    '<form data-action="stop"><input type="hidden" name="agent" value="' + esc(a.address) + '"><button type="submit">stop session</button></form>' +
    "<h3>Pane" + (pane.session ? ' <span class="muted">' + esc(pane.session) + (pane.alive ? "" : " (not running)") + "</span>" : "") + '</h3><pre id="pane" tabindex="0">' + esc(pane.screen || "(no session)") + "</pre>";
}
function mrView(m) {
  const attempts = (m.attempts || []).map((t) => '<div data-k="at' + t.attempt + '"><h3>attempt ' + t.attempt + " · " + badge(t.outcome) + ' <span class="muted">' + esc(ago(t.at)) + "</span></h3>" +
    ((t.conflict_files || []).length ? "<div>conflict in " + t.conflict_files.map((f) => "<code>" + esc(f) + "</code>").join(", ") + "</div>" : "") +
    (t.test_output_tail ? '<pre tabindex="0">' + esc(t.test_output_tail) + "</pre>" : "") + (t.detail ? '<pre tabindex="0">' + esc(t.detail) + "</pre>" : "") + "</div>").join("");
  return "<h2><span class=grow>merge request " + esc(m.id) + "</span>" + close + "</h2><div>" + badge(m.state) + " " + bead(m.source_bead) + " " + esc(m.source ? m.source.title : "") +
    ' <span class="mono">' + esc(m.branch) + " → " + esc(m.target) + "</span>" + (m.position ? " · #" + m.position + " in queue" : "") + "</div>" +
    (m.state === "bounced" ? '<form data-action="mq-retry"><input type="hidden" name="mr" value="' + esc(m.id) + '"><button type="submit">retry</button></form>' : "") +
    (m.state === "queued" ? '<form data-action="mq-remove"><input type="hidden" name="mr" value="' + esc(m.id) + '"><button type="submit">remove from queue</button></form>' : "") +
    (attempts || empty("not tried yet")) + (m.diffstat ? "<h3>Diff</h3><pre tabindex=\"0\">" + esc(m.diffstat) + "</pre><details><summary>full diff</summary><pre tabindex=\"0\">" + esc(m.diff) + "</pre></details>" : "");
}
// Progress over time: closed (solid) and closed + in progress (light) as steps from the first event to now.
function historyChart(h) {
  const pts = h.points;
  if (!pts.length || !h.total) return "";
  const t0 = Date.parse(pts[0].at), t1 = Math.max(Date.now(), Date.parse(pts[pts.length - 1].at) + 1);
  const W = 600, H = 80, x = (at) => ((Date.parse(at) - t0) / (t1 - t0)) * W, y = (n) => H - (n / h.total) * H;
  const steps = (f) => { let d = "M0," + H; for (const p of pts) d += " H" + x(p.at).toFixed(1) + " V" + y(f(p)).toFixed(1); return d + " H" + W; };
  const lastP = pts[pts.length - 1];
  return '<svg class="chart" viewBox="0 0 ' + W + " " + H + '" preserveAspectRatio="none" role="img" aria-label="progress over time: ' + lastP.closed + " of " + h.total + ' closed">' +
    '<path class="act" d="' + steps((p) => p.closed + p.active) + '"/><path class="done" d="' + steps((p) => p.closed) + '"/></svg>' +
    '<ol class="history" tabindex="0" aria-label="progress over time">' + pts.slice(-8).reverse().map((p) => '<li data-k="' + esc(p.at) + '"><span class="muted">' + esc(new Date(Date.parse(p.at)).toLocaleString()) + "</span> " + p.closed + "/" + h.total + " closed" + (p.active ? ", " + p.active + " in progress" : "") + "</li>").join("") + "</ol>";
}
function convoyView(c, h) {
  return "<h2><span class=grow>convoy " + esc(c.id) + "</span>" + close + "</h2><h3>" + esc(c.title) + "</h3><div>" + badge(c.status === "closed" ? "landed" : c.status) + " " + c.closed + "/" + c.total + " closed, " + c.counts.active + " in progress · filed " + esc(ago(c.created_at)) +
    (c.closed_at ? " · landed " + esc(ago(c.closed_at)) : "") + "</div>" + progress(c) + (h ? historyChart(h) : "") +
    '<div class="scroll"><table>' + c.tracked.map((t) => '<tr data-k="' + esc(t.id) + '"><td>' + badge(t.status) + "</td><td>" + bead(t.id) + "</td><td>" + esc(t.title) + '</td><td class="muted">' + esc(t.assignee || "") + "</td></tr>").join("") + "</table></div>";
}
function threadView(t) {
  const lastMsg = t.messages[t.messages.length - 1];
  return "<h2><span class=grow>thread: " + esc(t.subject) + "</span>" + close + "</h2>" +
    t.messages.map((m) => '<div class="msg" data-k="' + esc(m.id) + '"><div><b>' + esc(m.from) + '</b> <span class="muted">→ ' + esc(m.to) + " · " + esc(ago(m.created_at)) + " · " + link("bead", m.id) + "</span></div>" +
      (m.subject !== t.subject ? "<div>" + esc(m.subject) + "</div>" : "") + '<pre class="body" tabindex="0">' + esc(m.body) + "</pre></div>").join("") +
    '<form data-action="mail-reply"><input type="hidden" name="id" value="' + esc(lastMsg.id) + '"><textarea name="body" aria-label="reply" rows="3" placeholder="reply to ' + esc(lastMsg.from) + '"></textarea><button type="submit">reply</button></form>';
}
const STATUSES = ["", "open", "in_progress", "hooked", "blocked", "deferred", "closed"];
function beadsView(p, rows) {
  const opt = (v, cur) => '<option value="' + esc(v) + '"' + (v === cur ? " selected" : "") + ">" + esc(v || "any") + "</option>";
  const rigOpts = [""].concat(last ? last.rigs.map((r) => r.name) : [], ["hq"]);
  return "<h2><span class=grow>beads</span>" + close + "</h2>" +
    '<form id="beadSearch"><input type="search" name="q" aria-label="search beads" placeholder="search title, text or id" value="' + esc(p.get("q") || "") + '">' +
    '<label>status <select name="status">' + STATUSES.map((v) => opt(v, p.get("status") || "")).join("") + "</select></label>" +
    '<label>rig <select name="rig">' + rigOpts.map((v) => opt(v, p.get("rig") || "")).join("") + "</select></label>" +
    '<label>type <input type="text" name="type" size="8" value="' + esc(p.get("type") || "") + '"></label><button type="submit">filter</button></form>' +
    (rows.length ? '<div class="scroll"><table><tr><th>id</th><th>status</th><th>title</th><th>assignee</th><th class=n>updated</th></tr>' + rows.map((b) => '<tr data-k="' + esc(b.id) + '"><td>' + bead(b.id) + "</td><td>" + badge(b.status) + "</td><td>" + esc(b.title) +
      ' <span class="muted">' + esc(b.issue_type) + " · P" + esc(b.priority) + '</span></td><td class="muted">' + esc(b.assignee || "") + '</td><td class="muted n">' + esc(ago(b.updated_at)) + "</td></tr>").join("") + "</table></div>"
      : empty("no beads match"));
}

let paneTimer;
let shown = "";
async function showRoute() {
  clearTimeout(paneTimer);
  const h = location.hash.replace(/^#\/?/, "");
  const panel = $("#detail");
  const [path, query] = h.split("?");
  const m = path.match(/^(bead|agent|convoy|mr|thread|beads)(?:\/(.+))?$/);
  if (!m) { panel.hidden = true; patch(panel, ""); shown = ""; return; }
  const kind = m[1];
  const id = m[2] ? decodeURIComponent(m[2]) : "";
  const key = h;
  if (shown !== key) { panel.hidden = false; panel.innerHTML = '<p class="muted">loading ' + esc(id || kind) + "…</p>"; shown = key; panel.scrollIntoView({ block: "nearest" }); }
  try {
    let html;
    if (kind === "bead") html = beadView(await getJson("/api/bead/" + enc(id)));
    else if (kind === "mr") html = mrView(await getJson("/api/mr/" + enc(id)));
    else if (kind === "thread") html = threadView(await getJson("/api/thread/" + enc(id)));
    else if (kind === "beads") { const p = new URLSearchParams(query || ""); html = beadsView(p, await getJson("/api/beads?" + p)); }
    else if (kind === "convoy") {
      const c = last && last.convoys.find((x) => x.id === id);
      html = c ? convoyView(c, await getJson("/api/convoy/" + enc(id)).catch(() => undefined)) : beadView(await getJson("/api/bead/" + enc(id)));
    } else {
      const a = last && [].concat(...last.agents.map((g) => g.agents)).find((x) => x.address === id);
      if (!a) throw new Error("no agent " + id);
      html = agentView(a, await getJson("/api/agent/" + enc(id) + "/pane"));
      paneTimer = setTimeout(() => { if (shown === key) showRoute(); }, 2000);
    }
    if (shown === key) patch(panel, html);
  } catch (e) {
    if (shown === key) patch(panel, "<h2><span class=grow>" + esc(kind) + "</span>" + close + '</h2><p class="s-dead">' + esc(e.message) + "</p>");
  }
}

// ---- actions ----
function toast(text) { $("#toast").textContent = text; clearTimeout(toast.t); toast.t = setTimeout(() => { $("#toast").textContent = ""; }, 6000); }
document.addEventListener("submit", async (e) => {
  const form = e.target;
  e.preventDefault();
  if (form.id === "beadSearch") {
    const p = new URLSearchParams();
    for (const [k, v] of new FormData(form)) if (String(v).trim()) p.set(k, String(v).trim());
    location.hash = "#/beads" + (String(p) ? "?" + p : "");
    return;
  }
  const kind = form.dataset.action;
  if (!kind) return;
  const body = {};
  for (const [k, v] of new FormData(form)) body[k] = String(v);
  const button = form.querySelector("button");
  if (button) button.disabled = true;
  try {
    const r = await fetch("/api/action/" + kind, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const b = await r.json();
    if (!r.ok) throw new Error(b.error + (b.hint ? " (" + b.hint + ")" : ""));
    toast(kind + ": done");
    if (kind === "convoy-create" || kind === "mail-reply") form.reset();
    if (shown) showRoute();
  } catch (err) {
    toast(kind + " failed: " + err.message);
  } finally {
    if (button) button.disabled = false;
  }
});
document.addEventListener("toggle", (e) => {
  const key = e.target.dataset && e.target.dataset.key;
  if (key) e.target.open ? openDetails.add(key) : openDetails.delete(key);
}, true);
window.addEventListener("hashchange", showRoute);

// ---- the live stream (shared by every tab of this browser) ----
let lastCheck;
function setLive(live) {
  document.body.classList.toggle("stale", !live);
  $("#conn").classList.toggle("live", live);
  $("#connText").textContent = live ? "live" : "offline: showing data checked " + (lastCheck ? clock(lastCheck) : "never");
}
function showProblem(text) {
  $("#problem").textContent = text ? "Could not read the town: " + text : "";
  $("#problem").hidden = !text;
}
function onEvent(type, data) {
  if (type === "snapshot") { last = JSON.parse(data); showProblem(""); renderOverview(last); if (shown.startsWith("convoy") || shown.startsWith("agent")) showRoute(); }
  else if (type === "problem") showProblem(JSON.parse(data).error);
  else if (type === "checked") { lastCheck = JSON.parse(data).at; $("#checked").textContent = "checked " + clock(lastCheck); }
  else if (type === "live") setLive(data);
}
if (window.SharedWorker) {
  const w = new SharedWorker("/worker.js");
  w.port.onmessage = (m) => onEvent(m.data.type, m.data.data);
  w.port.start();
} else {
  const es = new EventSource("/api/events");
  for (const type of ["snapshot", "problem", "checked"]) es.addEventListener(type, (e) => onEvent(type, e.data));
  es.addEventListener("open", () => setLive(true));
  es.addEventListener("error", () => setLive(false));
}
// Relative times ("3m ago") age between snapshots; patching touches only the times that moved.
setInterval(() => { if (last) renderOverview(last); }, 30000);
showRoute();
`;
