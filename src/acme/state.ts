// The ACME challenges in progress, kept in the source beside `records` (key `acme_challenges`), so
// that they are persisted like records and every replica sees them (behavior.md §5, §7). A DNS-01
// value is served from `records` like any TXT value; its entry here only says when it expires and
// that it is ours to remove. An HTTP-01 token lives only here. Entries carry an absolute expiry
// time, so any replica (or a restarted one) can remove what has expired.
import { type Document, isMap, isScalar, parse, type Scalar } from 'yaml';
import type { Name } from '../dns/name.ts';
import { RecordError, validateName } from '../store/record.ts';

/** STATE_KEY is the top-level key of the source document that holds the challenges. */
export const STATE_KEY = 'acme_challenges';

/** Dns01Entry is one DNS-01 value we published: the TXT value at name, and when it expires. */
export interface Dns01Entry {
  readonly name: Name;
  readonly value: string;
  /** expires is a time in ms since the epoch. */
  readonly expires: number;
}

/** Http01Entry is one HTTP-01 token we answer for, with its key authorisation (RFC 8555 §8.1, §8.3). */
export interface Http01Entry {
  readonly token: string;
  readonly keyAuthorization: string;
  /** expires is a time in ms since the epoch. */
  readonly expires: number;
}

/** ChallengeState is every challenge in progress, as the source holds it. */
export interface ChallengeState {
  readonly dns01: readonly Dns01Entry[];
  readonly http01: readonly Http01Entry[];
}

/** EMPTY_STATE is the state of a source without `acme_challenges`. */
export const EMPTY_STATE: ChallengeState = Object.freeze({ dns01: [], http01: [] });

// The shape as written in YAML (checked by the config schema, src/config/schema.ts).
interface RawState {
  dns01?: { name: string; value: string; expires: string }[];
  http01?: { token: string; key_authorization: string; expires: string }[];
}

/** StateProblem is an entry that could not be read; the entry is dropped at the next write. */
export type StateProblem = (message: string) => void;

/** toState turns the raw `acme_challenges` value into entries, reporting (and skipping) bad ones. */
export function toState(raw: unknown, problem: StateProblem = () => {}): ChallengeState {
  if (raw === undefined || raw === null) return EMPTY_STATE;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    problem(`${STATE_KEY} is not a mapping`);
    return EMPTY_STATE;
  }
  const state = raw as RawState;
  const dns01: Dns01Entry[] = [];
  for (const [i, e] of (state.dns01 ?? []).entries()) {
    const expires = Date.parse(e.expires);
    try {
      if (Number.isNaN(expires)) throw new RangeError(`expires "${e.expires}" is not a time`);
      dns01.push({ name: validateName(e.name), value: e.value, expires });
    } catch (error) {
      if (!(error instanceof RecordError) && !(error instanceof RangeError)) throw error;
      problem(`${STATE_KEY}.dns01[${i}]: ${error.message}`);
    }
  }
  const http01: Http01Entry[] = [];
  for (const [i, e] of (state.http01 ?? []).entries()) {
    const expires = Date.parse(e.expires);
    if (Number.isNaN(expires)) problem(`${STATE_KEY}.http01[${i}]: expires "${e.expires}" is not a time`);
    else http01.push({ token: e.token, keyAuthorization: e.key_authorization, expires });
  }
  return { dns01, http01 };
}

/** readState returns the challenges held by a parsed source document. */
export function readState(doc: Document, problem?: StateProblem): ChallengeState {
  const node = doc.get(STATE_KEY, true);
  return toState(isMap(node) || isScalar(node) ? node.toJSON() : undefined, problem);
}

/**
 * stateFromText returns the challenges of a source text without parsing all of it: the
 * `acme_challenges:` block is cut out (it ends at the next line at column 0 that is not blank or a
 * comment) and parsed alone, which keeps a reload of a large records file cheap. An unusual layout
 * (a flow-style document, several documents, an alias) falls back to parsing the whole text.
 */
export function stateFromText(text: string, problem?: StateProblem): ChallengeState {
  if (!text.includes(STATE_KEY)) return EMPTY_STATE;
  const cut = cutBlock(text);
  if (cut !== undefined) {
    try {
      const parsed = parse(cut, { uniqueKeys: true }) as Record<string, unknown> | null;
      return toState(parsed?.[STATE_KEY], problem);
    } catch {
      // fall through: the whole text decides
    }
  }
  const whole = parse(text, { uniqueKeys: true }) as Record<string, unknown> | null;
  return toState(typeof whole === 'object' && whole !== null ? whole[STATE_KEY] : undefined, problem);
}

function cutBlock(text: string): string | undefined {
  if (/^(---|\.\.\.)/m.test(text) || text.includes('\t')) return undefined;
  const head = new RegExp(`^${STATE_KEY}:`, 'm').exec(text);
  if (head === null) return undefined;
  const lines = text.slice(head.index).split('\n');
  let end = 1;
  while (end < lines.length) {
    const line = lines[end] as string;
    if (line !== '' && line[0] !== ' ' && line[0] !== '#') break;
    end++;
  }
  // An alias to an anchor outside the block fails to parse, and the whole text decides.
  return lines.slice(0, end).join('\n');
}

/** STATE_COMMENT heads the key in the file, for whoever reads it. */
const STATE_COMMENT =
  ' Written by jw238dns: ACME challenges in progress (docs/config.md). Each entry is removed when it\n' +
  ' expires, with its DNS-01 value in records.';

/**
 * writeState replaces the challenges of doc with state, touching nothing else; the key is removed
 * when no challenge is left, so a finished order leaves the file as it was.
 */
export function writeState(doc: Document, state: ChallengeState): void {
  if (state.dns01.length === 0 && state.http01.length === 0) {
    doc.delete(STATE_KEY);
    return;
  }
  const raw: RawState = {};
  if (state.dns01.length > 0) {
    raw.dns01 = state.dns01.map((e) => ({ name: e.name, value: e.value, expires: iso(e.expires) }));
  }
  if (state.http01.length > 0) {
    raw.http01 = state.http01.map((e) => ({
      token: e.token,
      key_authorization: e.keyAuthorization,
      expires: iso(e.expires),
    }));
  }
  const node = doc.createNode(raw);
  const pair = doc.createPair(STATE_KEY, node);
  (pair.key as Scalar).commentBefore = STATE_COMMENT;
  const map = doc.contents;
  if (isMap(map)) {
    const at = map.items.findIndex((p) => isScalar(p.key) && p.key.value === STATE_KEY);
    if (at >= 0) map.items[at] = pair;
    else map.items.push(pair);
  } else {
    doc.set(STATE_KEY, node);
  }
}

/** iso renders a time as RFC 3339 in UTC, as the file holds it. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
