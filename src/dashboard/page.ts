// The dashboard page: one self-contained HTML document (inline CSS and the vanilla script of
// client.ts, no build step, nothing fetched from elsewhere but its own worker). The only
// server-side value in the HTML is the town's name, escaped.
import { createHash } from 'node:crypto';
import { CLIENT_JS, WORKER_JS } from './client.js';

const STYLE = `
:root { color-scheme: light dark; --bg: #f6f7f9; --panel: #fff; --fg: #1d2330; --muted: #535b6b; --line: #dde1e7;
  --accent: #1f5fc8; --ok: #146c3a; --warn: #8a5a00; --bad: #b3232b; --info: #1a5f9e; --bar: #e3e7ee; --act: #c98a00; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #0f1218; --panel: #171b23; --fg: #e3e7ee; --muted: #a3abbb; --line: #2a303c;
    --accent: #8cb6ff; --ok: #4fd88a; --warn: #f0c25a; --bad: #ff8a8a; --info: #7cc0ff; --bar: #2a303c; --act: #f0c25a; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 14px/1.5 ui-sans-serif, system-ui, -apple-system, "Segoe UI", sans-serif; }
header { display: flex; flex-wrap: wrap; gap: 6px 14px; align-items: center; padding: 8px 16px; border-bottom: 1px solid var(--line); background: var(--panel); position: sticky; top: 0; z-index: 2; }
header h1 { font-size: 16px; margin: 0; font-weight: 600; }
header h1 span { color: var(--muted); font-weight: 400; }
nav { display: flex; gap: 4px; flex-wrap: wrap; }
#states { display: flex; gap: 6px; flex-wrap: wrap; }
#conn { margin-left: auto; color: var(--muted); }
#conn::before { content: "●"; margin-right: 4px; color: var(--bad); }
#conn.live::before { color: var(--ok); }
.banner { margin: 8px 16px 0; padding: 6px 10px; border: 1px solid var(--bad); border-radius: 6px; color: var(--bad); background: var(--panel); }
.banner[hidden] { display: none; }
body.stale main { opacity: .55; }
main { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(440px, 100%), 1fr)); grid-auto-flow: row dense; gap: 12px; padding: 12px 16px 24px; max-width: 2200px; margin: 0 auto; }
section { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; min-width: 0; }
section.wide { grid-column: 1 / -1; }
section[hidden] { display: none; }
h2 { font-size: 12px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); margin: 0 0 8px; display: flex; gap: 8px; align-items: center; }
h2 .grow { flex: 1; }
h3 { font-size: 14px; margin: 10px 0 4px; }
h3:first-child { margin-top: 0; }
.scroll { overflow-x: auto; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: 2px 6px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 500; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.mono, a.id, code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
a { color: var(--accent); }
a.id, nav a, .tap { display: inline-flex; align-items: center; min-height: 24px; min-width: 24px; white-space: nowrap; }
a.id { text-decoration: none; }
a.id:hover, a.id:focus-visible { text-decoration: underline; }
.muted, .empty { color: var(--muted); }
.empty { font-style: italic; }
.clip { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; min-width: 0; }
.agents { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(320px, 100%), 1fr)); gap: 0 16px; }
.agent { display: grid; grid-template-columns: 76px minmax(0, 1fr) auto; gap: 6px; padding: 2px 0; border-bottom: 1px solid var(--line); align-items: center; }
.agent .why { grid-column: 2 / -1; color: var(--bad); font-size: 13px; }
.agent .why.stuck { color: var(--warn); }
.badge { display: inline-block; padding: 0 6px; border-radius: 9px; font-size: 12px; border: 1px solid currentColor; text-align: center; white-space: nowrap; }
.s-working, .s-merged, .s-closed { color: var(--ok); }
.s-spawning, .s-testing, .s-hooked, .s-in_progress { color: var(--info); }
.s-idle, .s-done, .s-queued, .s-open { color: var(--muted); }
.s-stuck, .s-blocked { color: var(--warn); }
.s-dead, .s-bounced, .s-missing { color: var(--bad); }
.convoy { padding: 4px 0 8px; border-bottom: 1px solid var(--line); }
.convoy:last-child { border-bottom: 0; }
.convoy .head { display: flex; gap: 8px; align-items: center; }
.convoy .head .title { flex: 1; }
.bar { display: flex; height: 8px; background: var(--bar); border-radius: 4px; overflow: hidden; margin: 4px 0; }
.bar .done { background: var(--ok); }
.bar .act { background: var(--act); }
.chart { display: block; width: 100%; height: 80px; background: var(--bar); border-radius: 4px; margin: 6px 0; }
.chart .done { fill: var(--ok); }
.chart .act { fill: var(--act); }
.history { margin: 0; padding-left: 18px; max-height: 200px; overflow: auto; font-size: 13px; }
form.inline { display: inline-flex; margin: 0 0 0 4px; vertical-align: middle; }
details summary { cursor: pointer; color: var(--muted); min-height: 24px; }
details ul { margin: 4px 0 0; padding-left: 18px; max-height: 260px; overflow: auto; }
.msg { padding: 4px 0; border-bottom: 1px solid var(--line); }
.msg.unread .subject { font-weight: 600; }
.msg .preview { color: var(--muted); font-size: 13px; }
.msg a.id { white-space: normal; overflow-wrap: anywhere; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; background: var(--bg); padding: 8px; border-radius: 6px; max-height: 60vh; overflow: auto; margin: 6px 0; }
button, input, select, textarea { font: inherit; color: inherit; background: var(--bg); border: 1px solid var(--muted); border-radius: 6px; padding: 2px 10px; min-height: 28px; max-width: 100%; }
button { cursor: pointer; }
form { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; margin: 6px 0; }
form input[type=text], form input[type=search], textarea { flex: 1 1 160px; min-width: 0; }
label { display: inline-flex; gap: 4px; align-items: center; }
.alerts { margin: 0; padding-left: 18px; max-height: 420px; overflow: auto; }
.alerts li { margin: 2px 0; }
.ok { color: var(--ok); }
#toast { position: fixed; bottom: 12px; right: 12px; max-width: min(480px, 92vw); background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 8px 12px; z-index: 3; }
#toast:empty { display: none; }
:focus-visible { outline: 2px solid var(--accent); outline-offset: 1px; }
@media (max-width: 520px) { header { padding: 6px 10px; } main { padding: 8px; gap: 8px; } section { padding: 8px; } .agent { grid-template-columns: 70px minmax(0, 1fr); } .agent .ago { display: none; } }
`;

/** Content-Security-Policy for the page: its own inline script (by hash), its worker, nothing from elsewhere. */
export const PAGE_CSP = [
  "default-src 'none'",
  `script-src 'sha256-${createHash('sha256').update(CLIENT_JS).digest('base64')}'`,
  "worker-src 'self'",
  "style-src 'unsafe-inline'",
  "connect-src 'self'",
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export { WORKER_JS };

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
  <h1>Gas Town <span>· ${name}</span></h1>
  <nav aria-label="views"><a class="tap" href="#/">overview</a> <a class="tap" href="#/beads">beads</a></nav>
  <div id="states" aria-label="agents by state"></div>
  <div id="conn" role="status"><span id="connText">connecting…</span> <span id="checked" class="muted"></span> <span id="updated" class="muted"></span></div>
</header>
<div id="problem" class="banner" role="alert" hidden></div>
<main>
  <section id="detail" class="wide" hidden aria-live="polite"></section>
  <section aria-labelledby="h-health"><h2 id="h-health">Health</h2><div id="health"></div></section>
  <section aria-labelledby="h-convoys"><h2 id="h-convoys">Convoys</h2><div id="convoys"></div></section>
  <section aria-labelledby="h-queue"><h2 id="h-queue">Merge queue</h2><div id="queues"></div></section>
  <section class="wide" aria-labelledby="h-agents"><h2 id="h-agents">Agents</h2><div id="agents"></div></section>
  <section aria-labelledby="h-rigs"><h2 id="h-rigs">Rigs</h2><div id="rigs"></div></section>
  <section aria-labelledby="h-mail"><h2 id="h-mail">Mail</h2><div id="mail"></div></section>
  <section aria-labelledby="h-activity"><h2 id="h-activity">Activity</h2><div id="activity"></div></section>
  <section aria-labelledby="h-costs"><h2 id="h-costs">Costs</h2><div id="costs"></div></section>
</main>
<div id="toast" role="status" aria-live="polite"></div>
<script>${CLIENT_JS}</script>
</body>
</html>
`;
}
