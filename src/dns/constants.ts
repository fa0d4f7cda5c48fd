// Protocol numbers from the IANA DNS parameters registry, as `as const` tables (no enums:
// erasable syntax only) with number↔name maps.

/** RRType maps type mnemonics to their numbers (RFC 1035 §3.2.2, RFC 3596, RFC 2782, RFC 6891, RFC 8659). */
export const RRType = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  HINFO: 13,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  NAPTR: 35,
  DS: 43,
  OPT: 41,
  RRSIG: 46,
  NSEC: 47,
  DNSKEY: 48,
  TLSA: 52,
  SVCB: 64,
  HTTPS: 65,
  TKEY: 249,
  TSIG: 250,
  IXFR: 251,
  AXFR: 252,
  MAILB: 253,
  MAILA: 254,
  ANY: 255,
  CAA: 257,
} as const;

/** RRTypeName is a mnemonic this codec knows by name. */
export type RRTypeName = keyof typeof RRType;

/** RECORD_TYPES are the types the store holds (behavior.md §1). */
export const RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS', 'SRV', 'PTR', 'SOA', 'CAA'] as const;

/** RecordType is a type the store can hold. */
export type RecordType = (typeof RECORD_TYPES)[number];

/** RRClass maps class mnemonics to numbers (RFC 1035 §3.2.4, RFC 2136 §2.4 for NONE). */
export const RRClass = { IN: 1, CH: 3, HS: 4, NONE: 254, ANY: 255 } as const;

/** Rcode maps response codes to numbers (RFC 1035 §4.1.1; BADVERS is extended, RFC 6891 §9). */
export const Rcode = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  YXDOMAIN: 6,
  YXRRSET: 7,
  NXRRSET: 8,
  NOTAUTH: 9,
  NOTZONE: 10,
  BADVERS: 16,
} as const;

/** Opcode maps opcodes to numbers (RFC 1035 §4.1.1, RFC 1996, RFC 2136). */
export const Opcode = { QUERY: 0, IQUERY: 1, STATUS: 2, NOTIFY: 4, UPDATE: 5 } as const;

function invert<T extends Record<string, number>>(table: T): ReadonlyMap<number, string> {
  return new Map(Object.entries(table).map(([name, value]) => [value, name]));
}

const TYPE_NAMES = invert(RRType);
const CLASS_NAMES = invert(RRClass);
const RCODE_NAMES = invert(Rcode);
const OPCODE_NAMES = invert(Opcode);

/** typeName returns the mnemonic for a type number, or TYPEnnn (RFC 3597 §5) when it has none. */
export function typeName(type: number): string {
  return TYPE_NAMES.get(type) ?? `TYPE${type}`;
}

/** typeNumber parses a type mnemonic (any letter case) or TYPEnnn; undefined when unknown. */
export function typeNumber(text: string): number | undefined {
  const upper = text.toUpperCase();
  const known = (RRType as Record<string, number>)[upper];
  if (known !== undefined) return known;
  const m = /^TYPE(\d{1,5})$/.exec(upper);
  if (m === null) return undefined;
  const n = Number(m[1]);
  return n <= 0xffff ? n : undefined;
}

/** className returns the mnemonic for a class number, or CLASSnnn (RFC 3597 §5). */
export function className(cls: number): string {
  return CLASS_NAMES.get(cls) ?? `CLASS${cls}`;
}

/** rcodeName returns the mnemonic for an rcode, or RCODEnnn. */
export function rcodeName(rcode: number): string {
  return RCODE_NAMES.get(rcode) ?? `RCODE${rcode}`;
}

/** opcodeName returns the mnemonic for an opcode, or OPCODEnnn. */
export function opcodeName(opcode: number): string {
  return OPCODE_NAMES.get(opcode) ?? `OPCODE${opcode}`;
}

/** isRecordType reports whether text (already upper-cased) names a type the store holds. */
export function isRecordType(text: string): text is RecordType {
  return (RECORD_TYPES as readonly string[]).includes(text);
}

/** MAX_NAME_OCTETS is the longest name on the wire, length octets and root included (RFC 1035 §3.1). */
export const MAX_NAME_OCTETS = 255;

/** MAX_LABEL_OCTETS is the longest label (RFC 1035 §2.3.4). */
export const MAX_LABEL_OCTETS = 63;

/** HEADER_OCTETS is the fixed size of the message header (RFC 1035 §4.1.1). */
export const HEADER_OCTETS = 12;

/** MIN_UDP_PAYLOAD is the limit for UDP without EDNS, and the least a client may advertise (RFC 6891 §6.2.5). */
export const MIN_UDP_PAYLOAD = 512;

/** MAX_UDP_PAYLOAD is what we advertise and the most we send over UDP (Knot's default, DNS Flag Day 2020). */
export const MAX_UDP_PAYLOAD = 1232;
