// Domain names in presentation form (RFC 1035 §5.1) and their wire labels (RFC 1035 §3.1).
// Everything past the edge of the server handles names as lower-case FQDN strings with the
// trailing dot; letter case is only kept for the question echo.
import { MAX_LABEL_OCTETS, MAX_NAME_OCTETS } from './constants.ts';
import { PresentationError } from './errors.ts';

/** Name is a lower-case fully-qualified domain name with the trailing dot, made by normaliseName. */
export type Name = string & { readonly __brand: 'Name' };

/** ROOT is the root name. */
export const ROOT = '.' as Name;

const OWNER_LABEL = /^[a-z0-9_-]{1,63}$/;
// A name normaliseName would return unchanged (given its length is checked too).
const NORMAL_NAME = /^(?:\*\.)?(?:[a-z0-9_-]{1,63}\.)+$/;

/**
 * normaliseName validates an owner name as behavior.md §1 requires (letters, digits, `-`, `_`,
 * `*` only as the whole left-most label; labels 1–63 octets; ≤ 255 octets on the wire) and
 * returns it lower-cased with the trailing dot. The trailing dot is optional on input.
 */
export function normaliseName(input: string): Name {
  // Most names are written as they are kept: lower case, with the trailing dot, nothing to change.
  if (input.length < MAX_NAME_OCTETS && NORMAL_NAME.test(input)) return input as Name;
  // Only ASCII letters are folded: toLowerCase() would turn U+212A KELVIN SIGN into "k".
  const text = input.trim().replace(/[A-Z]+/g, (s) => s.toLowerCase());
  if (text === '.' || text === '') {
    if (text === '.') return ROOT;
    throw new PresentationError('name is empty');
  }
  const fqdn = text.endsWith('.') ? text : `${text}.`;
  const labels = fqdn.slice(0, -1).split('.');
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i] as string;
    if (label === '') throw new PresentationError(`name "${input}" has an empty label`);
    if (label.length > MAX_LABEL_OCTETS)
      throw new PresentationError(`label "${label}" is longer than 63 octets`);
    if (label === '*' && i === 0) continue;
    if (!OWNER_LABEL.test(label)) {
      throw new PresentationError(
        label.includes('*')
          ? `name "${input}": "*" is only allowed as the whole left-most label`
          : `name "${input}": label "${label}" may hold only letters, digits, "-" and "_"`,
      );
    }
  }
  // Wire length: one length octet per label plus the label, plus the root octet.
  if (fqdn.length + 1 > MAX_NAME_OCTETS)
    throw new PresentationError(`name "${input}" is longer than 255 octets`);
  return fqdn as Name;
}

/**
 * parseName parses any name in presentation form, with `\.` and `\DDD` escapes (RFC 1035 §5.1),
 * as rdata targets and query names may hold; it returns the canonical lower-case FQDN.
 */
export function parseName(input: string): Name {
  return labelsToName(nameToLabels(input).map(lowerLabel));
}

/** nameToLabels turns a name in presentation form into wire labels (the root has none). */
export function nameToLabels(text: string): Uint8Array[] {
  if (text === '.') return [];
  if (text === '') throw new PresentationError('name is empty');
  const labels: Uint8Array[] = [];
  let current: number[] = [];
  let total = 1;
  const finish = (): void => {
    if (current.length === 0) throw new PresentationError(`name "${text}" has an empty label`);
    if (current.length > MAX_LABEL_OCTETS)
      throw new PresentationError(`name "${text}" has a label longer than 63 octets`);
    total += current.length + 1;
    labels.push(Uint8Array.from(current));
    current = [];
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2e /* . */) {
      finish();
      continue;
    }
    if (c === 0x5c /* \ */) {
      const next = text.charCodeAt(i + 1);
      if (Number.isNaN(next)) throw new PresentationError(`name "${text}" ends in a lone backslash`);
      // \X quotes one octet: a non-ASCII X is not one, and must be written as \DDD
      if (next > 0x7e) throw new PresentationError(`name "${text}" holds a character that must be escaped`);
      if (next >= 0x30 && next <= 0x39) {
        const digits = text.slice(i + 1, i + 4);
        if (!/^\d{3}$/.test(digits) || Number(digits) > 255) {
          throw new PresentationError(`name "${text}" has a bad \\DDD escape`);
        }
        current.push(Number(digits));
        i += 3;
      } else {
        current.push(next);
        i += 1;
      }
      continue;
    }
    if (c > 0x7e || c < 0x21)
      throw new PresentationError(`name "${text}" holds a character that must be escaped`);
    current.push(c);
  }
  if (current.length > 0) finish();
  if (total > MAX_NAME_OCTETS) throw new PresentationError(`name "${text}" is longer than 255 octets`);
  return labels;
}

const SPECIAL = new Set([0x2e, 0x3b, 0x5c, 0x28, 0x29, 0x22, 0x40, 0x24]); // . ; \ ( ) " @ $

/**
 * labelText returns the label in bytes[from, to) in presentation form, escaping as RFC 1035 §5.1
 * requires: `\DDD` for octets outside printable ASCII, `\X` for the special characters.
 */
export function labelText(bytes: Uint8Array, from: number, to: number): string {
  let out = '';
  for (let i = from; i < to; i++) {
    const c = bytes[i] as number;
    if (c <= 0x20 || c >= 0x7f) out += `\\${c.toString().padStart(3, '0')}`;
    else if (SPECIAL.has(c)) out += `\\${String.fromCharCode(c)}`;
    else out += String.fromCharCode(c);
  }
  return out;
}

/** labelsToName writes wire labels in presentation form, escaping as RFC 1035 §5.1 requires. */
export function labelsToName(labels: readonly Uint8Array[]): Name {
  if (labels.length === 0) return ROOT;
  let out = '';
  for (const label of labels) out += `${labelText(label, 0, label.length)}.`;
  return out as Name;
}

function lowerLabel(label: Uint8Array): Uint8Array {
  // RFC 4343: only ASCII letters compare case-insensitively.
  return label.map((c) => (c >= 0x41 && c <= 0x5a ? c + 0x20 : c));
}

/** lowerName lower-cases a presentation-form name (only ASCII letters: RFC 4343 §3). */
export function lowerName(name: string): Name {
  // Presentation form from labelsToName escapes every non-ASCII octet, so this touches only A–Z.
  return name.toLowerCase() as Name;
}

/** parentName returns name without its left-most label, or undefined for the root. */
export function parentName(name: Name): Name | undefined {
  if (name === ROOT) return undefined;
  let i = name.indexOf('.');
  if (name.includes('\\')) {
    // An escaped dot is part of a label, not a separator.
    i = 0;
    while (i < name.length) {
      const c = name[i];
      if (c === '\\') i += /\d/.test(name[i + 1] ?? '') ? 4 : 2;
      else if (c === '.') break;
      else i++;
    }
  }
  const rest = name.slice(i + 1);
  return (rest === '' ? ROOT : rest) as Name;
}

/** isSubdomain reports whether name is at or below ancestor (both canonical). */
export function isSubdomain(name: Name, ancestor: Name): boolean {
  if (ancestor === ROOT || name === ancestor) return true;
  if (!name.endsWith(ancestor) || name.length <= ancestor.length) return false;
  if (name[name.length - ancestor.length - 1] !== '.') return false;
  // "a\.example.com." ends in ".example.com." but its labels are "a.example" and "com".
  if (!name.includes('\\')) return true;
  for (let n: Name | undefined = name; n !== undefined; n = parentName(n)) if (n === ancestor) return true;
  return false;
}

/** ancestors yields name's proper ancestors, nearest first, ending with the root. */
export function* ancestors(name: Name): Generator<Name> {
  for (let n = parentName(name); n !== undefined; n = parentName(n)) yield n;
}

/** labelCount returns the number of labels in name (0 for the root). */
export function labelCount(name: Name): number {
  let count = 0;
  for (let n = parentName(name); n !== undefined; n = parentName(n)) count++;
  return count;
}
