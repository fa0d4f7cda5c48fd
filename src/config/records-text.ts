// The `records:` block of a config text, cut into one text per entry without a YAML parser: the
// reload fast path (sources/chunks.ts) compares entries as text, and start-up parses the common
// entry shape directly (config/load.ts), both for files of a million records.

import { ANCHOR_OR_ALIAS } from './fast-yaml.ts';

// Characters that make a YAML parser refuse or re-read a text (control characters, a byte-order
// mark inside, tabs and carriage returns, which the entry reader does not handle).
const UNUSUAL_CHARACTERS = /[\x00-\x09\x0b-\x1f\x7f-\x9f\ufeff\ufffe\uffff]/;

/**
 * entryReaderMayRead reports whether parseRecordEntry may read the entries of text: it holds none
 * of the characters above, and no anchor or alias (whose anchor may stand in another entry). Any
 * other text takes the YAML parser's path, which reports what is wrong with it.
 */
export function entryReaderMayRead(text: string): boolean {
  return !UNUSUAL_CHARACTERS.test(text) && !ANCHOR_OR_ALIAS.test(text);
}

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

/** RecordEntry is one entry of `records` as the YAML gives it, nulls dropped and a lone value listed. */
export interface RecordEntry {
  readonly name: string;
  readonly type: string;
  readonly ttl?: number;
  readonly value: readonly string[];
}

/**
 * parseRecordEntry reads one chunk of splitRecords in the shape people and `yaml.stringify` write
 * (block mapping of `name`, `type`, `ttl`, `value`; plain or single-line quoted scalars; a block or
 * one-line flow list of values; comments), giving exactly what a YAML 1.2 core-schema parser gives
 * after config/load.ts's normalisation. Anything else — an unknown or repeated key, a missing key,
 * a scalar that resolves to a number, boolean or null where a string is due, multi-line scalars,
 * tags, anchors, escapes — returns undefined, and a YAML parser reads the chunk instead.
 */
export function parseRecordEntry(chunk: string): RecordEntry | undefined {
  // Positions, not slices: a million entries are read without a string per line.
  let indent = 0;
  while (chunk.charCodeAt(indent) === SPACE) indent++;
  if (chunk.charCodeAt(indent) !== DASH || chunk.charCodeAt(indent + 1) !== SPACE) return undefined;
  // The mapping's keys line up with the first key, after "- " and any further spaces.
  let keyIndent = indent + 1;
  while (chunk.charCodeAt(keyIndent) === SPACE) keyIndent++;
  let name: string | undefined;
  let type: string | undefined;
  let ttl: number | undefined;
  let value: string[] | undefined;
  let seen = 0;
  // Whether a block list of values is being read, and the indentation of its items.
  let listing = false;
  let itemIndent = -1;
  // Each line: from (its first non-space), spaces (its indentation), end (its newline or the end).
  let from = keyIndent;
  let spaces = keyIndent;
  for (;;) {
    let end = chunk.indexOf('\n', from);
    if (end === -1) end = chunk.length;
    const first = chunk.charCodeAt(from);
    if (from < end && first !== HASH) {
      if (
        listing &&
        first === DASH &&
        (spaces === itemIndent || (itemIndent === -1 && spaces >= keyIndent))
      ) {
        if (chunk.charCodeAt(from + 1) !== SPACE) return undefined;
        itemIndent = spaces;
        const item = stringAt(chunk, from + 2, end);
        if (item === undefined) return undefined;
        ITEMS.push(item);
      } else {
        if (spaces !== keyIndent) return undefined;
        if (listing) {
          if (ITEMS.length === 0) return undefined; // `value:` with nothing under it
          value = ITEMS.slice();
          listing = false;
        }
        const colon = chunk.indexOf(':', from);
        if (colon === -1 || colon >= end) return undefined;
        const bit = keyBit(chunk, from, colon);
        if (bit === 0 || (seen & bit) !== 0) return undefined;
        seen |= bit;
        let at = colon + 1;
        if (at < end && chunk.charCodeAt(at) !== SPACE) return undefined; // `key:x` is one plain scalar
        while (chunk.charCodeAt(at) === SPACE) at++;
        if (bit === VALUE) {
          const c = at < end ? chunk.charCodeAt(at) : HASH;
          if (c === HASH) {
            ITEMS.length = 0;
            listing = true;
            itemIndent = -1;
          } else if (c === OPEN_BRACKET) {
            value = flowList(chunk.slice(at, end).trimEnd());
            if (value === undefined) return undefined;
          } else {
            const one = stringAt(chunk, at, end);
            if (one === undefined) return undefined;
            value = [one];
          }
        } else if (bit === TTL) {
          const text = plainAt(chunk, at, end);
          if (text === undefined) return undefined;
          // `ttl:` or `ttl: null` is absent: the default applies.
          if (!NULL_WORD.test(text)) {
            if (!DECIMAL.test(text)) return undefined;
            ttl = Number(text);
          }
        } else {
          const text = stringAt(chunk, at, end);
          if (text === undefined) return undefined;
          if (bit === NAME) name = text;
          else type = text;
        }
      }
    }
    if (end >= chunk.length) break;
    let next = end + 1;
    while (chunk.charCodeAt(next) === SPACE) next++;
    spaces = next - end - 1;
    from = next;
  }
  if (listing) {
    if (ITEMS.length === 0) return undefined;
    value = ITEMS.slice();
  }
  if (name === undefined || type === undefined || value === undefined || value.length === 0) return undefined;
  const values = Object.freeze(value);
  return Object.freeze(
    ttl === undefined ? { name, type, value: values } : { name, type, ttl, value: values },
  );
}

// The items of a block list being read, reused from entry to entry: each entry keeps a copy of
// exactly its length (an array grown by push keeps room for 17, ~150 bytes each for a million).
const ITEMS: string[] = [];

// The keys of an entry, each a bit to note it was seen.
const NAME = 1;
const TYPE = 2;
const TTL = 4;
const VALUE = 8;

// keyBit names the key written from `from` to the colon at `colon`, or 0 for any other key.
function keyBit(s: string, from: number, colon: number): number {
  switch (colon - from) {
    case 3:
      return s.startsWith('ttl', from) ? TTL : 0;
    case 4:
      return s.startsWith('name', from) ? NAME : s.startsWith('type', from) ? TYPE : 0;
    case 5:
      return s.startsWith('value', from) ? VALUE : 0;
    default:
      return 0;
  }
}

const SPACE = 0x20;
const DASH = 0x2d;
const HASH = 0x23;
const OPEN_BRACKET = 0x5b;
const COLON = 0x3a;
const SINGLE = 0x27;
const DOUBLE = 0x22;

// YAML 1.2 core schema (and js-yaml's, a little wider): plain scalars that are not strings.
const NULL_WORD = /^(?:|~|null|Null|NULL)$/;
const NOT_A_STRING =
  /^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)(?:[eE][-+]?[0-9]+)?|[-+]?0[xXoObB][0-9a-fA-F_]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
// A TTL as people write it; a leading zero or a sign is left to the YAML parser.
const DECIMAL = /^(?:0|[1-9][0-9]{0,8})$/;
// A plain scalar may not start with an indicator (YAML 1.2 §7.3.3, taken strictly: `-`, `?` and
// `:` are refused even where a space does not follow), nor hold ": " or " #" (§7.3.3).
const NOT_PLAIN_START = new Uint8Array(128);
for (const c of '-?:,[]{}#&*!|>\'"%@` ') NOT_PLAIN_START[c.charCodeAt(0)] = 1;

// plainAt reads a one-line plain scalar from `from` (not a space) to `end`, its comment cut: the
// text, '' when there is none (YAML's null), or undefined when it is not a plain scalar.
function plainAt(s: string, from: number, end: number): string | undefined {
  if (from >= end || s.charCodeAt(from) === HASH) return '';
  const c = s.charCodeAt(from);
  if (c < 128 && NOT_PLAIN_START[c] === 1) return undefined;
  // One pass over the line: a comment (" #") ends the scalar; ": " inside makes it a mapping.
  let stop = end;
  for (let i = from; i < end; i++) {
    const at = s.charCodeAt(i);
    if (at === SPACE && s.charCodeAt(i + 1) === HASH) {
      stop = i;
      break;
    }
    if (at === COLON && i + 1 < end && s.charCodeAt(i + 1) === SPACE) return undefined;
  }
  while (stop > from && s.charCodeAt(stop - 1) === SPACE) stop--;
  if (s.charCodeAt(stop - 1) === COLON) return undefined;
  return s.slice(from, stop);
}

// stringAt reads, from `from` to `end`, a scalar that YAML reads as a string: plain (and not a
// number, boolean or null), 'single-quoted' or "double-quoted" without escapes, with an optional
// comment after it; otherwise undefined.
function stringAt(s: string, start: number, end: number): string | undefined {
  let from = start;
  while (s.charCodeAt(from) === SPACE) from++;
  const quote = s.charCodeAt(from);
  if (quote === SINGLE) {
    let out = '';
    let at = from + 1;
    for (;;) {
      const close = s.indexOf("'", at);
      if (close === -1 || close >= end) return undefined;
      out += s.slice(at, close);
      if (close + 1 < end && s.charCodeAt(close + 1) === SINGLE) {
        out += "'";
        at = close + 2;
        continue;
      }
      return commentOnlyAt(s, close + 1, end) ? out : undefined;
    }
  }
  if (quote === DOUBLE) {
    const close = s.indexOf('"', from + 1);
    if (close === -1 || close >= end) return undefined;
    const backslash = s.indexOf('\\', from + 1);
    if (backslash !== -1 && backslash < close) return undefined; // escapes: the YAML parser decodes them
    return commentOnlyAt(s, close + 1, end) ? s.slice(from + 1, close) : undefined;
  }
  const plain = plainAt(s, from, end);
  if (plain === undefined || plain === '' || NOT_A_STRING.test(plain)) return undefined;
  return plain;
}

// After a closing quote: nothing, spaces, or spaces and a comment, up to end.
function commentOnlyAt(s: string, from: number, end: number): boolean {
  let at = from;
  while (at < end && s.charCodeAt(at) === SPACE) at++;
  return at === end || (s.charCodeAt(at) === HASH && at > from);
}

// flowList reads a one-line `[a, 'b', "c"]` of string items (plain, or quoted without escapes)
// with an optional comment after it, or returns undefined.
function flowList(text: string): string[] | undefined {
  const out: string[] = [];
  let at = 1;
  for (;;) {
    while (text.charCodeAt(at) === SPACE) at++;
    const c = text.charCodeAt(at);
    let item: string | undefined;
    if (c === 0x27 || c === 0x22) {
      // A quoted item: its closing quote, then spaces, then `,` or `]`.
      let close = text.indexOf(c === 0x27 ? "'" : '"', at + 1);
      if (c === 0x27)
        while (close !== -1 && text.charCodeAt(close + 1) === 0x27) close = text.indexOf("'", close + 2);
      if (close === -1) return undefined;
      item = stringAt(text, at, close + 1);
      at = close + 1;
      while (text.charCodeAt(at) === SPACE) at++;
    } else {
      // A plain item runs to the next `,` or `]`; in a flow list it may hold none of ,[]{}.
      let stop = at;
      while (stop < text.length && !FLOW_STOP.has(text.charCodeAt(stop))) stop++;
      const plain = text.slice(at, stop).trimEnd();
      if (plain === '' || plain.includes(' #') || plain.includes('{') || plain.includes('}'))
        return undefined;
      item = stringAt(plain, 0, plain.length);
      at = stop;
    }
    if (item === undefined) return undefined;
    out.push(item);
    const next = text.charCodeAt(at);
    if (next === 0x2c /* , */) {
      at++;
      continue;
    }
    if (next !== 0x5d /* ] */) return undefined;
    return commentOnlyAt(text, at + 1, text.length) ? out.slice() : undefined; // exactly its length
  }
}

const FLOW_STOP = new Set([0x2c, 0x5b, 0x5d, 0x7b, 0x7d]); // , [ ] { }
