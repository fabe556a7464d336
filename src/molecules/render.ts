// Go text/template, the part Gas Town's formula prompts use: `{{.a.b}}` and `{{.}}`, `{{if}}` /
// `{{else if}}` / `{{else}}` / `{{end}}`, `{{range}}` (with `{{else}}`), `not`, `{{/* comments */}}`
// and the `{{-`/`-}}` whitespace trims. A missing field renders empty and is false, as Gas Town's
// prompts expect (their optional inputs are simply absent). A string ranges over its list items
// (comma or newline separated), so a `files` variable can be `{{range .files}}`'d. Pure.
import { UserError } from '../lib/errors.js';

type Value = unknown;
type Node =
  | { kind: 'text'; text: string }
  | { kind: 'field'; expr: string }
  | { kind: 'if'; branches: { cond: string; body: Node[] }[]; otherwise: Node[] }
  | { kind: 'range'; expr: string; body: Node[]; otherwise: Node[] };

interface Token { text?: string; action?: string }

const ACTION_RE = /\{\{(-\s)?([\s\S]*?)(\s-)?\}\}/g;

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let last = 0;
  let trimNext = false;
  for (const m of src.matchAll(ACTION_RE)) {
    let text = src.slice(last, m.index);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (m[1]) text = text.replace(/\s+$/, '');
    if (text) out.push({ text });
    const action = m[2]!.trim();
    if (!/^\/\*[\s\S]*\*\/$/.test(action)) out.push({ action });
    trimNext = !!m[3];
    last = m.index! + m[0].length;
  }
  let rest = src.slice(last);
  if (trimNext) rest = rest.replace(/^\s+/, '');
  if (rest) out.push({ text: rest });
  return out;
}

function parse(tokens: Token[], where: string): Node[] {
  let i = 0;
  const bad = (what: string) => new UserError(`${where}: template ${what}`, 'Gas Town prompts use {{.field}}, {{if}}, {{else}}, {{range}} and {{end}}');
  // Parses nodes until one of `stops` (an action keyword) and returns which one ended the list.
  const list = (stops: string[]): { nodes: Node[]; stop?: string } => {
    const nodes: Node[] = [];
    while (i < tokens.length) {
      const t = tokens[i++]!;
      if (t.text !== undefined) { nodes.push({ kind: 'text', text: t.text }); continue; }
      const a = t.action!;
      const word = a.split(/\s+/)[0]!;
      if (stops.includes(word)) { i--; return { nodes, stop: word }; }
      if (word === 'if') {
        const branches = [{ cond: a.slice(2).trim(), body: [] as Node[] }];
        let otherwise: Node[] = [];
        for (;;) {
          const r = list(['else', 'end']);
          branches[branches.length - 1]!.body = r.nodes;
          if (!r.stop) throw bad(`{{${a}}} has no {{end}}`);
          const closing = tokens[i++]!.action!;
          if (r.stop === 'end') break;
          const elif = /^else\s+if\s+(.+)$/.exec(closing);
          if (elif) { branches.push({ cond: elif[1]!.trim(), body: [] }); continue; }
          const e = list(['end']);
          if (!e.stop) throw bad(`{{${a}}} has no {{end}}`);
          i++;
          otherwise = e.nodes;
          break;
        }
        nodes.push({ kind: 'if', branches, otherwise });
      } else if (word === 'range') {
        const body = list(['else', 'end']);
        if (!body.stop) throw bad(`{{${a}}} has no {{end}}`);
        i++;
        let otherwise: Node[] = [];
        if (body.stop === 'else') {
          const e = list(['end']);
          if (!e.stop) throw bad(`{{${a}}} has no {{end}}`);
          i++;
          otherwise = e.nodes;
        }
        nodes.push({ kind: 'range', expr: a.slice(5).trim(), body: body.nodes, otherwise });
      } else if (word === 'else' || word === 'end') {
        throw bad(`{{${a}}} without an {{if}} or {{range}}`);
      } else if (/^\.[A-Za-z0-9_.]*$/.test(a)) {
        nodes.push({ kind: 'field', expr: a });
      } else {
        throw bad(`action {{${a}}} is not supported`);
      }
    }
    return { nodes };
  };
  const r = list([]);
  return r.nodes;
}

function lookup(expr: string, dot: Value, root: Value): Value {
  if (expr === '.') return dot;
  if (expr.startsWith('$.')) return lookup(expr.slice(1), root, root);
  let v: Value = dot;
  for (const key of expr.slice(1).split('.')) {
    if (v === null || typeof v !== 'object' || !Object.hasOwn(v as object, key)) return undefined;
    v = (v as Record<string, Value>)[key];
  }
  return v;
}

function evaluate(cond: string, dot: Value, root: Value): Value {
  const not = /^not\s+(\S+)$/.exec(cond);
  if (not) return !truthy(lookup(not[1]!, dot, root));
  return lookup(cond, dot, root);
}

function truthy(v: Value): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'string') return v !== '';
  if (v && typeof v === 'object') return Object.keys(v).length > 0;
  return !!v;
}

function items(v: Value): Value[] {
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return v.split(/[,\n]/).map((s) => s.trim()).filter(Boolean);
  return [];
}

function show(v: Value): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'object') return Array.isArray(v) ? `[${v.map(show).join(' ')}]` : '';
  return String(v);
}

function run(nodes: Node[], dot: Value, root: Value): string {
  let out = '';
  for (const n of nodes) {
    if (n.kind === 'text') out += n.text;
    else if (n.kind === 'field') out += show(lookup(n.expr, dot, root));
    else if (n.kind === 'if') {
      const hit = n.branches.find((b) => truthy(evaluate(b.cond, dot, root)));
      out += run(hit ? hit.body : n.otherwise, dot, root);
    } else {
      const list = items(evaluate(n.expr, dot, root));
      out += list.length ? list.map((item) => run(n.body, item, root)).join('') : run(n.otherwise, dot, root);
    }
  }
  return out;
}

/** Renders a Go template over `data`; `where` names it in an error (an unsupported action, an unclosed {{if}}). */
export function renderGoTemplate(text: string, data: Record<string, Value>, where: string): string {
  return run(parse(tokenize(text), where), data, data);
}
