// Fenced code blocks, read and written the way CommonMark does: a block opens with a line of 3 or
// more backticks (its info string after them) and closes only at a line of at least as many
// backticks and nothing else. Quoting text that holds backticks of its own therefore needs a fence
// longer than any backtick run inside it, or the quoted text can close the fence and say what it likes.

export interface FencedBlock {
  /** The info string after the opening fence (`sh`, `sh fix`, ...), trimmed. */
  info: string;
  body: string;
}

/** Wraps text in a fence no backtick run inside it can close. Pure. */
export function fenced(text: string, info = ''): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${info}\n${text.endsWith('\n') ? text : text + '\n'}${fence}`;
}

/** The top-level fenced blocks of a Markdown text, in order (a fence inside another is body). Pure. */
export function fencedBlocks(markdown: string): FencedBlock[] {
  const blocks: FencedBlock[] = [];
  let open: { fence: number; info: string; lines: string[] } | undefined;
  for (const line of markdown.split('\n')) {
    if (!open) {
      // Up to 3 spaces of indent; an info string of a backtick fence may not hold backticks.
      const m = /^ {0,3}(`{3,})([^`]*)$/.exec(line);
      if (m) open = { fence: m[1]!.length, info: m[2]!.trim(), lines: [] };
      continue;
    }
    const close = /^ {0,3}(`{3,})[ \t]*$/.exec(line);
    if (close && close[1]!.length >= open.fence) {
      blocks.push({ info: open.info, body: open.lines.length ? open.lines.join('\n') + '\n' : '' });
      open = undefined;
    } else open.lines.push(line);
  }
  return blocks; // an unclosed fence runs to the end in CommonMark, but a script cut short is no script
}
