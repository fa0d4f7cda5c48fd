// Comparing two DNS responses the way Knot's tests-extra `resp.cmp(bind)` does: rcode, flags, the
// question echo, and the answer and authority sections as sets of RRs in canonical form; the
// additional section only on request. Failures print both messages as dig-like text.
import assert from 'node:assert/strict';
import {
  className,
  Rcode,
  RRClass,
  RRType,
  rcodeName,
  typeName,
  typeNumber,
} from '../../src/dns/constants.ts';
import type { Message, ResourceRecord } from '../../src/dns/message.ts';
import { canonicalValue } from '../../src/dns/rdata.ts';
import { isAtOrBelow } from './knot.ts';

/** AdditionalMode says what of the additional section assertSameAnswer compares. */
export type AdditionalMode =
  /** nothing (the default): what goes there is the server's choice (RFC 1035 §4.3.2 step 6, RFC 2181 §9). */
  | 'skip'
  /** the whole section, as a set. */
  | 'all'
  /**
   * only the glue of a referral: the A/AAAA records of in-domain NS targets of the NS RRsets in
   * the authority section, which RFC 9471 §3 requires ("MUST include all available glue records
   * for in-domain name servers").
   */
  | 'glue';

/** CompareOptions tunes assertSameAnswer. */
export interface CompareOptions {
  readonly additional?: AdditionalMode;
  /** ignore lists header details left out of the comparison. */
  readonly ignore?: readonly ('tc' | 'rd' | 'ra' | 'opt')[];
  /**
   * answer is 'same' (the default) or 'superset': ours must hold every RR of Knot's answer and may
   * hold more, for ANY, where RFC 8482 §4.1 lets a server answer with one RRset (Knot does) or all.
   */
  readonly answer?: 'same' | 'superset';
}

/** lower folds ASCII letters only, as DNS name comparison does (RFC 4343). */
function lower(text: string): string {
  return text.replace(/[A-Z]+/g, (s) => s.toLowerCase());
}

/** canonicalData returns rdata in canonical presentation form (lower-case names inside), or the text as given. */
export function canonicalData(type: number, data: string): string {
  try {
    return canonicalValue(type, data);
  } catch {
    return data;
  }
}

/** rrLine formats an RR as dig does: owner, TTL, class, type, rdata (TXT as the text itself). */
export function rrLine(rr: ResourceRecord): string {
  return `${rr.name} ${rr.ttl} ${className(rr.class)} ${typeName(rr.type)} ${rr.data}`;
}

/** canonicalLine is rrLine with the owner lower-cased and the rdata canonical: the comparison key. */
export function canonicalLine(rr: ResourceRecord): string {
  return rrLine({ ...rr, name: lower(rr.name), data: canonicalData(rr.type, rr.data) });
}

/**
 * parseRRLine reads `owner TTL CLASS TYPE rdata` (the form rrLine writes) into an RR; TXT rdata is
 * the text itself, everything after the type.
 */
export function parseRRLine(line: string): ResourceRecord {
  const m = /^\s*(\S+)\s+(\d+)\s+(\S+)\s+(\S+)\s(.*)$/.exec(line);
  if (m === null) throw new Error(`not an RR line (owner TTL CLASS TYPE rdata): ${line}`);
  const [, name, ttl, cls, type, data] = m as unknown as [string, string, string, string, string, string];
  const typeNum = typeNumber(type);
  const classNum = (RRClass as Record<string, number>)[cls.toUpperCase()];
  if (typeNum === undefined || classNum === undefined) throw new Error(`unknown class or type in: ${line}`);
  return {
    name,
    ttl: Number(ttl),
    class: classNum,
    type: typeNum,
    data: typeNum === RRType.TXT ? data : data.trim(),
  };
}

function flagList(m: Message): string {
  const h = m.header;
  const names: [boolean, string][] = [
    [h.qr, 'qr'],
    [h.aa, 'aa'],
    [h.tc, 'tc'],
    [h.rd, 'rd'],
    [h.ra, 'ra'],
    [h.ad, 'ad'],
    [h.cd, 'cd'],
  ];
  return names
    .filter(([on]) => on)
    .map(([, name]) => name)
    .join(' ');
}

/** formatMessage renders a message the way dig prints one, section by section. */
export function formatMessage(m: Message): string {
  const out = [
    `;; status: ${rcodeName(m.rcode)}, id: ${m.header.id}, flags: ${flagList(m)}; QUERY: ${m.question.length}, ` +
      `ANSWER: ${m.answer.length}, AUTHORITY: ${m.authority.length}, ADDITIONAL: ${m.additional.length}` +
      (m.edns ? ' (+OPT)' : ''),
  ];
  if (m.edns) {
    out.push(`;; OPT: version ${m.edns.version}, udp ${m.edns.udpSize}, do ${m.edns.do ? 1 : 0}`);
  }
  for (const q of m.question) out.push(`;; QUESTION: ${q.name} ${className(q.class)} ${typeName(q.type)}`);
  const sections: [string, readonly ResourceRecord[]][] = [
    ['ANSWER', m.answer],
    ['AUTHORITY', m.authority],
    ['ADDITIONAL', m.additional],
  ];
  for (const [title, rrs] of sections) {
    if (rrs.length === 0) continue;
    out.push(`;; ${title}:`);
    for (const rr of rrs) out.push(`  ${rrLine(rr)}`);
  }
  return out.join('\n');
}

/**
 * diffSets compares two lists of RRs as sets of canonical lines and describes what one has that
 * the other lacks, or returns undefined when they are equal. Duplicates are checked apart
 * (duplicatesOf), so a server repeating an RR is reported as that, not as a different answer.
 */
export function diffSets(
  section: string,
  ours: readonly ResourceRecord[],
  theirs: readonly ResourceRecord[],
  theirName = 'knot',
): string | undefined {
  const a = new Set(ours.map(canonicalLine));
  const b = new Set(theirs.map(canonicalLine));
  const onlyOurs = [...a].filter((key) => !b.has(key)).sort();
  const onlyTheirs = [...b].filter((key) => !a.has(key)).sort();
  if (onlyOurs.length === 0 && onlyTheirs.length === 0) return undefined;
  const lines = [`${section} differs:`];
  for (const key of onlyOurs) lines.push(`  only ours: ${key}`);
  for (const key of onlyTheirs) lines.push(`  only ${theirName}: ${key}`);
  return lines.join('\n');
}

/** duplicatesOf lists RRs that occur more than once in m's answer, authority or additional section. */
export function duplicatesOf(m: Message): string[] {
  const out: string[] = [];
  const sections: [string, readonly ResourceRecord[]][] = [
    ['answer', m.answer],
    ['authority', m.authority],
    ['additional', m.additional],
  ];
  for (const [name, rrs] of sections) {
    const seen = new Set<string>();
    for (const rr of rrs) {
      const key = canonicalLine(rr);
      if (seen.has(key)) out.push(`${name}: ${key}`);
      seen.add(key);
    }
  }
  return out;
}

/**
 * glueOf returns the A/AAAA records of additional owned by in-domain targets of the NS records in
 * authority (RFC 9471 §2.1: the target is at or below the NS owner).
 */
export function glueOf(m: Message): ResourceRecord[] {
  const targets = new Set(
    m.authority
      .filter((rr) => rr.type === RRType.NS)
      .map((rr) => ({ owner: lower(rr.name), target: lower(canonicalData(rr.type, rr.data)) }))
      .filter(({ owner, target }) => isAtOrBelow(target, owner))
      .map(({ target }) => target),
  );
  return m.additional.filter(
    (rr) => (rr.type === RRType.A || rr.type === RRType.AAAA) && targets.has(lower(rr.name)),
  );
}

function fail(
  what: string,
  problems: string[],
  ours: Message,
  other: Message | undefined,
  otherName: string,
) {
  const parts = [
    `${what}:`,
    ...problems.map((p) => `  ${p.replace(/\n/g, '\n  ')}`),
    '--- ours ---',
    formatMessage(ours),
  ];
  if (other !== undefined) parts.push(`--- ${otherName} ---`, formatMessage(other));
  assert.fail(parts.join('\n'));
}

/** differences lists how ours and knot differ under options; empty when they agree. */
export function differences(ours: Message, knot: Message, options: CompareOptions = {}): string[] {
  const problems: string[] = [];
  const ignore = new Set(options.ignore ?? []);
  // RFC 2181 §5: a server should suppress duplicate RRs. Knot does not always (a wildcard CNAME
  // onto its own query name comes back twice), so only ours is held to it.
  for (const dup of duplicatesOf(ours)) problems.push(`duplicate RR in ours (RFC 2181 §5): ${dup}`);
  if (ours.rcode !== knot.rcode)
    problems.push(`rcode: ours ${rcodeName(ours.rcode)}, knot ${rcodeName(knot.rcode)}`);
  const flags: ('aa' | 'tc' | 'rd' | 'ra')[] = ['aa', 'tc', 'rd', 'ra'];
  for (const flag of flags) {
    if (flag !== 'aa' && ignore.has(flag)) continue;
    if (ours.header[flag] !== knot.header[flag]) {
      problems.push(
        `${flag.toUpperCase()}: ours ${Number(ours.header[flag])}, knot ${Number(knot.header[flag])}`,
      );
    }
  }
  if (ours.header.opcode !== knot.header.opcode) {
    problems.push(`opcode: ours ${ours.header.opcode}, knot ${knot.header.opcode}`);
  }
  const q = (m: Message) =>
    m.question.map((x) => `${x.name} ${className(x.class)} ${typeName(x.type)}`).join(', ');
  // The name is compared exactly: both echo the question with the client's letter case.
  if (q(ours) !== q(knot)) problems.push(`question: ours "${q(ours)}", knot "${q(knot)}"`);
  if (!ignore.has('opt')) {
    const opt = (m: Message) => (m.edns ? `OPT version ${m.edns.version} do ${m.edns.do ? 1 : 0}` : 'no OPT');
    if (opt(ours) !== opt(knot)) problems.push(`EDNS: ours ${opt(ours)}, knot ${opt(knot)}`);
  }
  if (options.answer === 'superset') {
    const have = new Set(ours.answer.map(canonicalLine));
    const missing = knot.answer.map(canonicalLine).filter((line) => !have.has(line));
    if (missing.length > 0)
      problems.push(`answer lacks what Knot has:\n${missing.map((l) => `  ${l}`).join('\n')}`);
  } else {
    const answer = diffSets('answer', ours.answer, knot.answer);
    if (answer) problems.push(answer);
  }
  const authority = diffSets('authority', ours.authority, knot.authority);
  if (authority) problems.push(authority);
  const mode = options.additional ?? 'skip';
  if (mode === 'all') {
    const additional = diffSets('additional', ours.additional, knot.additional);
    if (additional) problems.push(additional);
  } else if (mode === 'glue') {
    const glue = diffSets('glue in additional (RFC 9471)', glueOf(ours), glueOf(knot));
    if (glue) problems.push(glue);
  }
  return problems;
}

/**
 * assertSameAnswer fails unless ours and knot agree on rcode, AA, TC, RD, RA, opcode, the question
 * (name compared exactly, letter case included), EDNS presence and DO, and the answer and
 * authority sections as sets of RRs (ours must also hold no duplicates) (owner case-insensitive; TTL and class compared; rdata
 * canonical, names inside lower-cased). The additional section is compared as options.additional
 * says (by default not at all). The failure message shows both responses.
 */
export function assertSameAnswer(
  ours: Message,
  knot: Message,
  what: string,
  options: CompareOptions = {},
): void {
  const problems = differences(ours, knot, options);
  if (problems.length > 0) fail(`${what}: jw238dns and Knot differ`, problems, ours, knot, 'knot');
}

/** RcodeName is a response code mnemonic. */
export type RcodeName = keyof typeof Rcode;

/**
 * Expected is what a response must hold, in RR lines as rrLine writes them (`owner TTL CLASS TYPE
 * rdata`; TXT rdata is the text itself). Sections given are compared as sets (and must hold no
 * duplicate); left out, not checked.
 */
export interface Expected {
  readonly rcode?: RcodeName;
  readonly aa?: boolean;
  readonly tc?: boolean;
  readonly answer?: readonly string[];
  readonly authority?: readonly string[];
  readonly additional?: readonly string[];
  /** additionalIncludes lists RRs that must be in the additional section (others may be too). */
  readonly additionalIncludes?: readonly string[];
  /** additionalExcludes lists RRs that must not be in the additional section. */
  readonly additionalExcludes?: readonly string[];
}

/** expectationProblems lists how m misses expected; empty when it matches. */
export function expectationProblems(m: Message, expected: Expected, who = 'expected'): string[] {
  const problems: string[] = duplicatesOf(m).map((dup) => `duplicate RR (RFC 2181 §5): ${dup}`);
  if (expected.rcode !== undefined && rcodeName(m.rcode) !== expected.rcode) {
    problems.push(`rcode: got ${rcodeName(m.rcode)}, ${who} ${expected.rcode}`);
  }
  if (expected.aa !== undefined && m.header.aa !== expected.aa) {
    problems.push(`AA: got ${Number(m.header.aa)}, ${who} ${Number(expected.aa)}`);
  }
  if (expected.tc !== undefined && m.header.tc !== expected.tc) {
    problems.push(`TC: got ${Number(m.header.tc)}, ${who} ${Number(expected.tc)}`);
  }
  const sections = [
    ['answer', m.answer, expected.answer],
    ['authority', m.authority, expected.authority],
    ['additional', m.additional, expected.additional],
  ] as const;
  for (const [name, got, want] of sections) {
    if (want === undefined) continue;
    const d = diffSets(name, got, want.map(parseRRLine), who);
    if (d !== undefined) problems.push(d.replace(/only ours/g, 'only got'));
  }
  const have = new Set(m.additional.map(canonicalLine));
  for (const line of expected.additionalIncludes ?? []) {
    const key = canonicalLine(parseRRLine(line));
    if (!have.has(key)) problems.push(`additional lacks ${key}`);
  }
  for (const line of expected.additionalExcludes ?? []) {
    const key = canonicalLine(parseRRLine(line));
    if (have.has(key)) problems.push(`additional should not hold ${key}`);
  }
  return problems;
}

/** assertExpected fails unless m holds what expected says, showing the whole response otherwise. */
export function assertExpected(m: Message, expected: Expected, what: string, who = 'jw238dns'): void {
  const problems = expectationProblems(m, expected);
  if (problems.length > 0)
    fail(`${what}: ${who} does not give the expected answer`, problems, m, undefined, '');
}

/** rcodeOf returns the number of an rcode mnemonic. */
export function rcodeOf(name: RcodeName): number {
  return Rcode[name];
}
