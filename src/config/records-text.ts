// The `records:` block of a config text, cut into one text per entry without a YAML parser: the
// reload fast path (sources/chunks.ts) compares entries as text, and start-up parses the common
// entry shape directly (config/load.ts), both for files of a million records.

/** Split is a config text cut into the text around the records block and one chunk per entry. */
export interface Split {
  /** rest is the text with the entries taken out: what must be unchanged for the fast path. */
  readonly rest: string;
  readonly chunks: readonly string[];
}

/**
 * splitRecords cuts text at the entries of its top-level `records:` block sequence, or returns
 * undefined when the layout is anything else (flow style, several documents, tabs, …).
 */
export function splitRecords(text: string): Split | undefined {
  if (text.includes('\t') || /^(---|\.\.\.)/m.test(text)) return undefined;
  const head = /^records:[ ]*(#.*)?\n/m.exec(text);
  if (head === null) return undefined;
  const start = head.index + head[0].length;
  // The first entry fixes the indentation: "- " at column 0 or deeper.
  const first = /^( *)- /m.exec(text.slice(start));
  if (first === null) return undefined;
  const before = text.slice(start, start + first.index);
  if (before.trim() !== '' && !before.split('\n').every((l) => l.trim() === '' || l.trim().startsWith('#'))) {
    return undefined;
  }
  const indent = (first[1] as string).length;
  const from = start + first.index;
  // The block ends at the first line indented no deeper than the entries that is not an entry, a
  // comment or blank (for indent 0: the next top-level key). One regular-expression scan finds it.
  const leave = new RegExp(`\\n(?! {${indent + 1}}| {${indent}}- | *#| *(?:\\n|$))`, 'g');
  leave.lastIndex = from;
  const end = leave.exec(text)?.index ?? text.length;
  const marker = `\n${first[1]}- `;
  const chunks: string[] = [];
  let at = from;
  for (;;) {
    const next = text.indexOf(marker, at + 1);
    if (next === -1 || next >= end) {
      chunks.push(text.slice(at, end));
      break;
    }
    chunks.push(text.slice(at, next + 1));
    at = next + 1;
  }
  return { rest: `${text.slice(0, start)}\u0000${text.slice(end)}`, chunks };
}
