// Text that came from someone else (bead titles, mail subjects, descriptions) on its way to a
// terminal: typed into an agent's session, or printed to the user's. Control characters in it must
// never act: a \r submitting a line, ^C interrupting, an ESC sequence moving the cursor, retitling
// the window or rewriting what was printed before. Pure.

/**
 * ESC sequences as terminals read them: CSI (`ESC [ params final`), string sequences (OSC, DCS,
 * SOS, PM, APC: up to BEL or ST, or to the end if unterminated), and two-character escapes. The C1
 * forms (0x9b CSI, 0x9d OSC, ...) are matched as well.
 */
const ESC_SEQUENCE = /(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?|\x1b[ -~]?/g;

/** C0 controls, DEL and C1 controls. */
const CONTROL = /[\x00-\x1f\x7f-\x9f]/g;

/**
 * Text safe to type into a session: escape sequences removed, line breaks and tabs turned into
 * spaces (typed text is one line; Enter is pressed separately, on purpose), every other control
 * character removed.
 */
export function typeable(text: string): string {
  return text.replace(ESC_SEQUENCE, '').replace(/\r\n|[\r\n\t\v\f]/g, ' ').replace(CONTROL, '');
}

/**
 * Text safe to print to a terminal, with nothing lost: every control character is shown escaped
 * (`\x1b`, `\r`, `\x07`, ...), so the reader sees that it is there and the terminal does not act on
 * it. Newlines (when multiline) and tabs are kept: they only move to the next line or column.
 */
export function printable(text: string, opts: { multiline?: boolean } = {}): string {
  return text.replace(CONTROL, (c) => {
    if (c === '\t' || (c === '\n' && opts.multiline)) return c;
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
}
