// Records as the store holds them: RRsets keyed by (name, type), validated once on the way in
// (behavior.md §1) and frozen, so every reader can share the same objects.
import { isRecordType, RECORD_TYPES, type RecordType, RRType } from '../dns/constants.ts';
import { PresentationError } from '../dns/errors.ts';
import { type Name, normaliseName } from '../dns/name.ts';
import { canonicalValue, encodeRdata } from '../dns/rdata.ts';
import { NO_SPACE, Writer } from '../dns/writer.ts';

/** RRset is every record of one (name, type): a frozen object with canonical, distinct values. */
export interface RRset {
  readonly name: Name;
  readonly type: RecordType;
  readonly ttl: number;
  readonly values: readonly string[];
}

/** RecordInput is a record as the API, the YAML sources and ACME hand it in, before validation. */
export interface RecordInput {
  name: string;
  type: string;
  ttl?: number;
  value: readonly string[];
}

/** RecordKey identifies an RRset. */
export interface RecordKey {
  readonly name: Name;
  readonly type: RecordType;
}

/** RecordKeyInput is a key as callers hand it in, before validation. */
export interface RecordKeyInput {
  name: string;
  type: string;
}

/** MIN_TTL and MAX_TTL bound a record's TTL (behavior.md §1). */
export const MIN_TTL = 60;
export const MAX_TTL = 86400;

/** RECORD_ERROR_CODES are the codes a RecordError carries; the API maps them to statuses. */
export const RECORD_ERROR_CODES = [
  'INVALID_NAME',
  'INVALID_RECORD_TYPE',
  'INVALID_TTL',
  'INVALID_VALUE',
  'RECORD_EXISTS',
  'RECORD_NOT_FOUND',
  'RELOAD_FAILED',
] as const;

/** RecordErrorCode is one of RECORD_ERROR_CODES. */
export type RecordErrorCode = (typeof RECORD_ERROR_CODES)[number];

/** ChangeList names the list of a batch an entry came from: a change set's lists, or hotReload's records. */
export type ChangeList = 'added' | 'updated' | 'deleted' | 'records';

/** RecordErrorOptions adds the failing entry's position in a batch to the usual error options. */
export interface RecordErrorOptions extends ErrorOptions {
  list?: ChangeList;
  index?: number;
}

/**
 * RecordError is a record or change set the store refuses. The message names the offending value;
 * in a batch (hotReload, partialReload, apply) it starts with the entry's position, e.g. `added[3]: …`,
 * and `list` and `index` say the same as data.
 */
export class RecordError extends Error {
  override readonly name = 'RecordError';
  readonly code: RecordErrorCode;
  readonly list: ChangeList | undefined;
  readonly index: number | undefined;

  constructor(code: RecordErrorCode, message: string, options?: RecordErrorOptions) {
    super(message, options);
    this.code = code;
    this.list = options?.list;
    this.index = options?.index;
  }

  /** at returns this error as the failure of entry index of list in a batch. */
  at(list: ChangeList, index: number): RecordError {
    return new RecordError(this.code, `${list}[${index}]: ${this.message}`, {
      cause: this.cause,
      list,
      index,
    });
  }
}

/** validateName normalises an owner name (behavior.md §1); throws RecordError INVALID_NAME. */
export function validateName(name: unknown): Name {
  if (typeof name !== 'string')
    throw new RecordError('INVALID_NAME', `invalid name ${describe(name)}: not a string`);
  try {
    return normaliseName(name);
  } catch (err) {
    if (err instanceof PresentationError) {
      throw new RecordError('INVALID_NAME', `invalid name "${name}": ${err.message}`, { cause: err });
    }
    throw err;
  }
}

/** validateType upper-cases a record type and checks the store holds it; throws RecordError INVALID_RECORD_TYPE. */
export function validateType(type: unknown, name?: Name): RecordType {
  const upper = typeof type === 'string' ? type.trim().toUpperCase() : undefined;
  if (upper !== undefined && isRecordType(upper)) return upper;
  const at = name === undefined ? '' : ` for ${name}`;
  throw new RecordError(
    'INVALID_RECORD_TYPE',
    `invalid record type ${describe(type)}${at}: must be one of ${RECORD_TYPES.join(', ')}`,
  );
}

/** validateKey normalises a (name, type) key; throws RecordError INVALID_NAME or INVALID_RECORD_TYPE. */
export function validateKey(input: RecordKeyInput): RecordKey {
  const name = validateName(input.name);
  return Object.freeze({ name, type: validateType(input.type, name) });
}

/**
 * validateRecord checks input against behavior.md §1 and returns the frozen RRset the store keeps:
 * name lower-cased with the trailing dot, type upper-cased, TTL defaulted, every value in its
 * canonical presentation form, duplicates (by canonical form) collapsed in first-seen order.
 * Throws RecordError; the checks run in the order name, type, TTL, values, so the first problem wins.
 */
export function validateRecord(input: RecordInput, defaultTtl: number): RRset {
  const name = validateName(input.name);
  const type = validateType(input.type, name);

  // behavior.md §1: missing or 0 means backend.default_ttl
  const raw = input.ttl as unknown;
  let ttl = defaultTtl;
  if (raw !== undefined && raw !== null && raw !== 0) {
    if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < MIN_TTL || raw > MAX_TTL) {
      throw new RecordError(
        'INVALID_TTL',
        `invalid TTL ${describe(raw)} for ${what(type, name)}: must be an integer from ${MIN_TTL} to ${MAX_TTL} (0 or none means the default)`,
      );
    }
    ttl = raw;
  }

  const value = input.value as unknown;
  if (!Array.isArray(value))
    throw new RecordError('INVALID_VALUE', `value of ${what(type, name)} must be a list of strings`);
  if (value.length === 0)
    throw new RecordError('INVALID_VALUE', `${what(type, name)} needs at least one value`);
  const values: string[] = [];
  // Whether every value is already canonical and distinct: then a frozen input list is kept as it is.
  let asGiven = true;
  for (const v of value as unknown[]) {
    const canonical = canonicalRdata(type, v, name);
    if (canonical !== v) asGiven = false;
    // Duplicates by canonical form collapse; a list is a few values, so a scan beats a set.
    if (values.includes(canonical)) {
      asGiven = false;
      continue;
    }
    values.push(canonical);
  }
  // RFC 2181 §10.1: a CNAME RRset holds exactly one RR (counted after duplicates collapse).
  if (type === 'CNAME' && values.length !== 1) {
    throw new RecordError(
      'INVALID_VALUE',
      `${what(type, name)} has ${values.length} values (${values.join(', ')}): a CNAME holds exactly one (RFC 2181 §10.1)`,
    );
  }
  // A frozen list given as kept is shared; otherwise a copy of exactly its length (push leaves room).
  const kept =
    asGiven && Object.isFrozen(value) ? (value as readonly string[]) : Object.freeze(values.slice());
  return Object.freeze({ name, type, ttl, values: kept });
}

// Names a record in messages; built only when one is needed, not once per record loaded.
function what(type: RecordType, name: Name): string {
  return `${type} record ${name}`;
}

const MAX_RDATA = 0xffff;

function canonicalRdata(type: RecordType, value: unknown, name: Name): string {
  if (typeof value !== 'string') {
    throw new RecordError(
      'INVALID_VALUE',
      `invalid value ${describe(value)} for ${what(type, name)}: must be a string`,
    );
  }
  let canonical: string;
  try {
    canonical = canonicalValue(type, value);
  } catch (err) {
    if (err instanceof PresentationError) {
      throw new RecordError(
        'INVALID_VALUE',
        `invalid value "${value}" for ${what(type, name)}: ${err.message}`,
        {
          cause: err,
        },
      );
    }
    throw err;
  }
  // RDLENGTH is 16 bits (RFC 1035 §3.2.1): a longer value could never be sent. Only TXT and CAA
  // can get there; every other type is a few numbers and names of at most 255 octets each.
  if (type !== 'TXT' && type !== 'CAA') return canonical;
  // At most 3 UTF-8 octets per UTF-16 unit, plus a length octet per 255: a shorter text fits.
  if (canonical.length <= MAX_RDATA / 4) return canonical;
  try {
    encodeRdata(new Writer(2 + MAX_RDATA, 64), RRType[type], canonical);
  } catch (err) {
    if (err !== NO_SPACE) throw err;
    throw new RecordError(
      'INVALID_VALUE',
      `invalid value "${value.slice(0, 40)}…" for ${what(type, name)}: longer than ${MAX_RDATA} octets on the wire`,
    );
  }
  return canonical;
}

function describe(v: unknown): string {
  if (typeof v === 'string') return `"${v}"`;
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
  return JSON.stringify(v) ?? typeof v;
}

/** recordKey returns the map key of (name, type); a type never holds a space, so keys are unambiguous. */
export function recordKey(name: Name, type: RecordType): string {
  return `${name} ${type}`;
}

/**
 * sameRRset reports whether a and b hold the same data: name, type, TTL and the same values.
 * An RRset is a set (RFC 2181 §5), so value order does not count: reordering values is no change.
 */
export function sameRRset(a: RRset, b: RRset): boolean {
  if (a === b) return true;
  if (a.name !== b.name || a.type !== b.type || a.ttl !== b.ttl || a.values.length !== b.values.length)
    return false;
  if (a.values.every((v, i) => v === b.values[i])) return true;
  const set = new Set(a.values);
  return b.values.every((v) => set.has(v));
}

function labelsOf(name: Name): string[] {
  return name === '.' ? [] : name.slice(0, -1).split('.');
}

/**
 * compareNames orders names canonically (RFC 4034 §6.1): label by label from the right, a name
 * before its descendants. Exact for store names (lower-case, no escapes, from normaliseName).
 */
export function compareNames(a: Name, b: Name): number {
  if (a === b) return 0;
  const la = labelsOf(a);
  const lb = labelsOf(b);
  for (let i = la.length - 1, j = lb.length - 1; i >= 0 && j >= 0; i--, j--) {
    const x = la[i] as string;
    const y = lb[j] as string;
    if (x !== y) return x < y ? -1 : 1;
  }
  return la.length - lb.length;
}

/** compareRRsets orders RRsets by name (compareNames), then by type number. */
export function compareRRsets(a: RRset, b: RRset): number {
  return compareNames(a.name, b.name) || RRType[a.type] - RRType[b.type];
}

/**
 * sortRRsets sorts rrsets in place in compareRRsets order, computing each name's sort key once
 * (its labels right to left, joined by NUL, which sorts below every octet a store name holds).
 */
export function sortRRsets(rrsets: RRset[]): RRset[] {
  const keys = new Map<Name, string>();
  const keyOf = (name: Name): string => {
    let key = keys.get(name);
    if (key === undefined) {
      key = labelsOf(name).reverse().join('\0');
      keys.set(name, key);
    }
    return key;
  };
  return rrsets.sort((a, b) => {
    const x = keyOf(a.name);
    const y = keyOf(b.name);
    if (x !== y) return x < y ? -1 : 1;
    return RRType[a.type] - RRType[b.type];
  });
}

/** RecordListProblem is one entry of a record list that cannot be stored, by its index. */
export interface RecordListProblem {
  readonly index: number;
  readonly error: RecordError;
}

/**
 * checkRecordList validates a whole list of records (a config file's `records`) in one pass: each
 * entry (validateRecord), each (name, type) given once (RELOAD_FAILED: one entry per name and
 * type, every value in its list), and a CNAME alone at its name (INVALID_VALUE; RFC 1034 §3.6.2,
 * RFC 2181 §10.1). It returns the RRsets of the entries that passed, in order, and every problem.
 */
export function checkRecordList(
  inputs: readonly RecordInput[],
  defaultTtl: number,
): { rrsets: RRset[]; problems: RecordListProblem[] } {
  const rrsets: RRset[] = [];
  const problems: RecordListProblem[] = [];
  // The entries accepted so far at each name, by index: a name holds a few types at most, so a
  // scan of its list beats a map per name, which for a million records costs seconds of start-up.
  const atName = new Map<Name, number[]>();
  const accepted: (RRset | undefined)[] = []; // by index, dense
  let lastName: Name | undefined;
  let lastHere: number[] = [];
  for (let index = 0; index < inputs.length; index++) {
    let rrset: RRset;
    try {
      rrset = validateRecord(inputs[index] as RecordInput, defaultTtl);
    } catch (error) {
      if (!(error instanceof RecordError)) throw error;
      problems.push({ index, error });
      accepted.push(undefined);
      continue;
    }
    accepted.push(rrset);
    // Entries of one name usually stand together: the last name's list is reused without a lookup.
    const here = rrset.name === lastName ? lastHere : atName.get(rrset.name);
    if (here === undefined) {
      lastName = rrset.name;
      lastHere = [index];
      atName.set(rrset.name, lastHere);
      rrsets.push(rrset);
      continue;
    }
    let earlier: number | undefined;
    let clash: number | undefined;
    for (const i of here) {
      const type = (accepted[i] as RRset).type;
      if (type === rrset.type) earlier = i;
      else if (type === 'CNAME' || rrset.type === 'CNAME') clash ??= i;
    }
    if (earlier !== undefined) {
      const message = `${rrset.type} record ${rrset.name} repeats records[${earlier}]: give one entry per name and type, with every value in its list`;
      problems.push({ index, error: new RecordError('RELOAD_FAILED', message) });
      continue;
    }
    if (clash !== undefined) {
      const message = `${rrset.type} record ${rrset.name} cannot sit beside the ${(accepted[clash] as RRset).type} record of records[${clash}]: a name with a CNAME holds no other type (RFC 1034 §3.6.2)`;
      problems.push({ index, error: new RecordError('INVALID_VALUE', message) });
      continue;
    }
    here.push(index);
    rrsets.push(rrset);
  }
  return { rrsets, problems };
}
