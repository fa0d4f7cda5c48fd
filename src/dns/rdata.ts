// Per-type rdata codecs: presentation form (the `value` strings of behavior.md §1) ⇄ a parsed
// form ⇄ wire. One small codec per type, looked up in a table (the dns-packet shape).
import { isIPv6 } from 'node:net';
import { RRType, typeName } from './constants.ts';
import { PresentationError, WireError } from './errors.ts';
import { parseName } from './name.ts';
import { Reader } from './reader.ts';
import type { Writer } from './writer.ts';

/** RdataCodec converts one type's rdata between presentation text, a parsed value and wire octets. */
export interface RdataCodec<T> {
  /** parse reads presentation text; throws PresentationError. */
  parse(text: string): T;
  /** format writes the canonical presentation text. */
  format(value: T): string;
  /** encode writes the rdata (without RDLENGTH). */
  encode(w: Writer, value: T): void;
  /** decode reads exactly the octets up to end; throws WireError. */
  decode(r: Reader, end: number): T;
}

function tokens(text: string, count: number, what: string): string[] {
  const parts = text.trim().split(/\s+/);
  if (parts.length !== count || parts[0] === '') {
    throw new PresentationError(`${what} needs ${count} fields, got ${parts[0] === '' ? 0 : parts.length}`);
  }
  return parts;
}

function uint(text: string, max: number, what: string): number {
  if (!/^\d{1,10}$/.test(text)) throw new PresentationError(`${what} "${text}" is not a number`);
  const n = Number(text);
  if (n > max) throw new PresentationError(`${what} ${n} is larger than ${max}`);
  return n;
}

// ---------------------------------------------------------------------------------------------
// A (RFC 1035 §3.4.1)

const A: RdataCodec<Uint8Array> = {
  parse(text) {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text.trim());
    if (m === null) throw new PresentationError(`"${text}" is not an IPv4 address`);
    const octets = m.slice(1).map((part) => {
      // inet_pton(3) refuses leading zeros, which some parsers read as octal
      if (part.length > 1 && part.startsWith('0'))
        throw new PresentationError(`"${text}" has a leading zero`);
      const n = Number(part);
      if (n > 255) throw new PresentationError(`"${text}" is not an IPv4 address`);
      return n;
    });
    return Uint8Array.from(octets);
  },
  format: (v) => v.join('.'),
  encode: (w, v) => w.bytes(v),
  decode(r, end) {
    if (end - r.pos !== 4) throw new WireError('A rdata is not 4 octets', r.pos);
    return Uint8Array.from(r.bytes(4));
  },
};

// ---------------------------------------------------------------------------------------------
// AAAA (RFC 3596 §2.2), formatted as inet_ntop(3) does (RFC 5952 with the IPv4 tail kept for
// mapped and compatible addresses), so output matches dig and Knot.

// parseHexGroups reads the common form of an address, hex groups without an IPv4 tail, without
// the general parser below (a million AAAA values load in a fraction of the time), or returns
// undefined for any other text. It accepts only what isIPv6 accepts: groups of 1–4 digits, at most
// one "::" standing for at least one group.
function parseHexGroups(text: string): Uint8Array | undefined {
  if (!HEX_GROUPS.test(text)) return undefined;
  const gap = text.indexOf('::');
  if (gap !== -1 && text.indexOf('::', gap + 1) !== -1) return undefined;
  const left = gap === -1 ? text : text.slice(0, gap);
  const right = gap === -1 ? '' : text.slice(gap + 2);
  const l = left === '' ? [] : left.split(':');
  const r = right === '' ? [] : right.split(':');
  if (gap === -1 ? l.length !== 8 : l.length + r.length > 7) return undefined;
  const out = new Uint8Array(16);
  const put = (groups: string[], at: number): boolean => {
    for (const group of groups) {
      if (group.length === 0 || group.length > 4) return false;
      const word = Number.parseInt(group, 16);
      out[at++] = word >>> 8;
      out[at++] = word & 0xff;
    }
    return true;
  };
  return put(l, 0) && put(r, 16 - 2 * r.length) ? out : undefined;
}
const HEX_GROUPS = /^[0-9a-fA-F:]{2,39}$/;

function parseIPv6(text: string): Uint8Array {
  const quick = parseHexGroups(text);
  if (quick !== undefined) return quick;
  let t = text.trim();
  if (!isIPv6(t) || t.includes('%')) throw new PresentationError(`"${text}" is not an IPv6 address`);
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(t);
  if (v4 !== null) {
    // an embedded IPv4 tail (RFC 4291 §2.2 form 3) becomes its two 16-bit words
    const four = A.parse(v4[1] as string);
    const hi = (((four[0] as number) << 8) | (four[1] as number)).toString(16);
    const lo = (((four[2] as number) << 8) | (four[3] as number)).toString(16);
    t = `${t.slice(0, v4.index)}${hi}:${lo}`;
  }
  const [left = '', right] = t.split('::');
  const words = (s: string): number[] => (s === '' ? [] : s.split(':').map((h) => Number.parseInt(h, 16)));
  const l = words(left);
  const r = right === undefined ? [] : words(right);
  const all = right === undefined ? l : [...l, ...new Array<number>(8 - l.length - r.length).fill(0), ...r];
  if (all.length !== 8) throw new PresentationError(`"${text}" is not an IPv6 address`);
  const out = new Uint8Array(16);
  all.forEach((word, i) => {
    out[i * 2] = word >>> 8;
    out[i * 2 + 1] = word & 0xff;
  });
  return out;
}

function formatIPv6(b: Uint8Array): string {
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push(((b[i] as number) << 8) | (b[i + 1] as number));
  let bestBase = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestBase = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) bestBase = -1; // RFC 5952 §4.2.2: a single 0 field is not shortened
  const ipv4Tail = bestBase === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff));
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (bestBase !== -1 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) out += ':';
      continue;
    }
    if (i !== 0) out += ':';
    if (i === 6 && ipv4Tail) {
      out += `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
      break;
    }
    out += (words[i] as number).toString(16);
  }
  if (bestBase !== -1 && bestBase + bestLen === 8) out += ':';
  return out;
}

const AAAA: RdataCodec<Uint8Array> = {
  parse: parseIPv6,
  format: formatIPv6,
  encode: (w, v) => w.bytes(v),
  decode(r, end) {
    if (end - r.pos !== 16) throw new WireError('AAAA rdata is not 16 octets', r.pos);
    return Uint8Array.from(r.bytes(16));
  },
};

// ---------------------------------------------------------------------------------------------
// Names: CNAME, NS, PTR (RFC 1035 §3.3). Compressible inside rdata: RFC 1035 types (RFC 3597 §4).

function nameCodec(what: string): RdataCodec<string> {
  return {
    parse(text) {
      const t = text.trim();
      if (t === '' || /\s/.test(t)) throw new PresentationError(`${what} needs one domain name`);
      return parseName(t);
    },
    format: (v) => v,
    encode: (w, v) => w.name(v, true),
    decode: (r) => r.name(),
  };
}

// ---------------------------------------------------------------------------------------------
// MX (RFC 1035 §3.3.9)

interface Mx {
  preference: number;
  exchange: string;
}
const MX: RdataCodec<Mx> = {
  parse(text) {
    const [pref, exchange] = tokens(text, 2, 'MX') as [string, string];
    return { preference: uint(pref, 0xffff, 'MX preference'), exchange: parseName(exchange) };
  },
  format: (v) => `${v.preference} ${v.exchange}`,
  encode(w, v) {
    w.u16(v.preference);
    w.name(v.exchange, true);
  },
  decode: (r) => ({ preference: r.u16('MX rdata'), exchange: r.name() }),
};

// ---------------------------------------------------------------------------------------------
// TXT (RFC 1035 §3.3.14): the value is the text itself; on the wire it becomes as many
// character-strings of at most 255 octets as it needs (RFC 7208 §3.3 for why long ones exist).

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

const TXT: RdataCodec<Uint8Array> = {
  parse: (text) => utf8.encode(text),
  format: (v) => fromUtf8.decode(v),
  encode(w, v) {
    if (v.length === 0) {
      w.u8(0);
      return;
    }
    for (let i = 0; i < v.length; i += 255) {
      const chunk = v.subarray(i, i + 255);
      w.u8(chunk.length);
      w.bytes(chunk);
    }
  },
  decode(r, end) {
    const parts: Uint8Array[] = [];
    let total = 0;
    while (r.pos < end) {
      const len = r.u8('TXT rdata');
      if (r.pos + len > end) throw new WireError('TXT character-string runs past RDLENGTH', r.pos);
      const part = r.bytes(len);
      parts.push(part);
      total += len;
    }
    const out = new Uint8Array(total);
    let at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  },
};

// ---------------------------------------------------------------------------------------------
// SRV (RFC 2782): the target is never compressed.

interface Srv {
  priority: number;
  weight: number;
  port: number;
  target: string;
}
const SRV: RdataCodec<Srv> = {
  parse(text) {
    const [priority, weight, port, target] = tokens(text, 4, 'SRV') as [string, string, string, string];
    return {
      priority: uint(priority, 0xffff, 'SRV priority'),
      weight: uint(weight, 0xffff, 'SRV weight'),
      port: uint(port, 0xffff, 'SRV port'),
      target: parseName(target),
    };
  },
  format: (v) => `${v.priority} ${v.weight} ${v.port} ${v.target}`,
  encode(w, v) {
    w.u16(v.priority);
    w.u16(v.weight);
    w.u16(v.port);
    w.name(v.target, false);
  },
  decode: (r) => ({
    priority: r.u16('SRV rdata'),
    weight: r.u16('SRV rdata'),
    port: r.u16('SRV rdata'),
    target: r.name(),
  }),
};

// ---------------------------------------------------------------------------------------------
// SOA (RFC 1035 §3.3.13)

/** Soa is the parsed SOA rdata. */
export interface Soa {
  mname: string;
  rname: string;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
}
const SOA: RdataCodec<Soa> = {
  parse(text) {
    const f = tokens(text, 7, 'SOA') as [string, string, string, string, string, string, string];
    const n = (i: number, what: string) => uint(f[i] as string, 0xffffffff, `SOA ${what}`);
    return {
      mname: parseName(f[0]),
      rname: parseName(f[1]),
      serial: n(2, 'serial'),
      refresh: n(3, 'refresh'),
      retry: n(4, 'retry'),
      expire: n(5, 'expire'),
      minimum: n(6, 'minimum'),
    };
  },
  format: (v) => `${v.mname} ${v.rname} ${v.serial} ${v.refresh} ${v.retry} ${v.expire} ${v.minimum}`,
  encode(w, v) {
    w.name(v.mname, true);
    w.name(v.rname, true);
    w.u32(v.serial);
    w.u32(v.refresh);
    w.u32(v.retry);
    w.u32(v.expire);
    w.u32(v.minimum);
  },
  decode(r) {
    const mname = r.name();
    const rname = r.name();
    return {
      mname,
      rname,
      serial: r.u32('SOA rdata'),
      refresh: r.u32('SOA rdata'),
      retry: r.u32('SOA rdata'),
      expire: r.u32('SOA rdata'),
      minimum: r.u32('SOA rdata'),
    };
  },
};

/** parseSoa parses SOA rdata in presentation form (for the RFC 2308 negative TTL). */
export const parseSoa: (text: string) => Soa = SOA.parse;

// ---------------------------------------------------------------------------------------------
// CAA (RFC 8659 §4.1): flags, tag (letters and digits), value. Presentation: `0 issue "ca.example"`;
// the value may be given unquoted; output always quotes it with \" \\ and \DDD escapes.

interface Caa {
  flags: number;
  tag: string;
  value: Uint8Array;
}

function parseQuoted(text: string): Uint8Array {
  let s = text;
  const quoted = s.startsWith('"');
  if (quoted) {
    if (s.length < 2 || !s.endsWith('"') || (s.endsWith('\\"') && !s.endsWith('\\\\"'))) {
      throw new PresentationError(`CAA value ${text} has no closing quote`);
    }
    s = s.slice(1, -1);
  } else if (/\s/.test(s)) {
    throw new PresentationError('CAA value with spaces must be quoted');
  }
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x5c) {
      const digits = s.slice(i + 1, i + 4);
      if (/^\d{3}$/.test(digits)) {
        if (Number(digits) > 255) throw new PresentationError(`CAA value has a bad \\DDD escape`);
        out.push(Number(digits));
        i += 3;
      } else if (i + 1 < s.length) {
        const ch = String.fromCodePoint(s.codePointAt(i + 1) as number);
        out.push(...utf8.encode(ch));
        i += ch.length;
      } else {
        throw new PresentationError('CAA value ends in a lone backslash');
      }
    } else if (c === 0x22) {
      throw new PresentationError('CAA value has an unescaped quote');
    } else {
      // whole code points: encoding the halves of a surrogate pair apart gives two U+FFFD
      const ch = String.fromCodePoint(s.codePointAt(i) as number);
      out.push(...utf8.encode(ch));
      i += ch.length - 1;
    }
  }
  return Uint8Array.from(out);
}

function formatQuoted(v: Uint8Array): string {
  let out = '"';
  for (const c of v) {
    if (c === 0x22 || c === 0x5c) out += `\\${String.fromCharCode(c)}`;
    else if (c < 0x20 || c >= 0x7f) out += `\\${c.toString().padStart(3, '0')}`;
    else out += String.fromCharCode(c);
  }
  return `${out}"`;
}

const CAA: RdataCodec<Caa> = {
  parse(text) {
    const m = /^\s*(\S+)\s+(\S+)\s+(.*?)\s*$/.exec(text);
    if (m === null) throw new PresentationError('CAA needs flags, tag and value');
    const tag = m[2] as string;
    if (!/^[A-Za-z0-9]{1,15}$/.test(tag)) {
      throw new PresentationError(`CAA tag "${tag}" must be 1-15 letters or digits`);
    }
    return { flags: uint(m[1] as string, 255, 'CAA flags'), tag, value: parseQuoted(m[3] as string) };
  },
  format: (v) => `${v.flags} ${v.tag} ${formatQuoted(v.value)}`,
  encode(w, v) {
    w.u8(v.flags);
    w.u8(v.tag.length);
    w.bytes(utf8.encode(v.tag));
    w.bytes(v.value);
  },
  decode(r, end) {
    const flags = r.u8('CAA rdata');
    const tagLength = r.u8('CAA rdata');
    if (tagLength === 0 || r.pos + tagLength > end) throw new WireError('bad CAA tag length', r.pos);
    const tag = String.fromCharCode(...r.bytes(tagLength));
    if (!/^[A-Za-z0-9]+$/.test(tag)) throw new WireError('bad CAA tag', r.pos);
    return { flags, tag, value: Uint8Array.from(r.bytes(end - r.pos)) };
  },
};

// ---------------------------------------------------------------------------------------------
// Any other type: opaque octets in the RFC 3597 §5 generic form `\# <length> <hex>`.

const UNKNOWN: RdataCodec<Uint8Array> = {
  parse(text) {
    const m = /^\\#\s+(\d+)((?:\s+[0-9A-Fa-f]+)*)\s*$/.exec(text.trim());
    if (m === null) throw new PresentationError(`"${text}" is not in the \\# generic form`);
    const hex = (m[2] as string).replace(/\s+/g, '');
    if (hex.length % 2 !== 0 || hex.length / 2 !== Number(m[1])) {
      throw new PresentationError(`generic rdata length ${m[1]} does not match its hex`);
    }
    return Uint8Array.from(Buffer.from(hex, 'hex'));
  },
  format: (v) =>
    v.length === 0 ? '\\# 0' : `\\# ${v.length} ${Buffer.from(v).toString('hex').toUpperCase()}`,
  encode: (w, v) => w.bytes(v),
  decode: (r, end) => Uint8Array.from(r.bytes(end - r.pos)),
};

const CODECS = new Map<number, RdataCodec<unknown>>([
  [RRType.A, A as RdataCodec<unknown>],
  [RRType.AAAA, AAAA as RdataCodec<unknown>],
  [RRType.CNAME, nameCodec('CNAME') as RdataCodec<unknown>],
  [RRType.NS, nameCodec('NS') as RdataCodec<unknown>],
  [RRType.PTR, nameCodec('PTR') as RdataCodec<unknown>],
  [RRType.MX, MX as RdataCodec<unknown>],
  [RRType.TXT, TXT as RdataCodec<unknown>],
  [RRType.SRV, SRV as RdataCodec<unknown>],
  [RRType.SOA, SOA as RdataCodec<unknown>],
  [RRType.CAA, CAA as RdataCodec<unknown>],
]);

/** codecFor returns the codec for a type number; types without one use the RFC 3597 generic codec. */
export function codecFor(type: number): RdataCodec<unknown> {
  return CODECS.get(type) ?? (UNKNOWN as RdataCodec<unknown>);
}

/**
 * canonicalValue parses value as rdata of type in presentation form and returns its canonical
 * text (lower-case FQDN targets, RFC 5952 addresses, quoted CAA values); throws PresentationError.
 */
export function canonicalValue(type: string | number, value: string): string {
  const n = typeof type === 'number' ? type : (RRType as Record<string, number>)[type.toUpperCase()];
  if (n === undefined) throw new PresentationError(`unknown type ${String(type)}`);
  // A value already in canonical form is its own answer: parsing and formatting it would give it
  // back (a million records load in seconds instead of tens of seconds).
  if (ALREADY_CANONICAL.get(n)?.(value) === true) return value;
  const codec = codecFor(n);
  try {
    return codec.format(codec.parse(value));
  } catch (err) {
    if (err instanceof PresentationError) throw err;
    throw new PresentationError(`${typeName(n)} value "${value}" does not parse`);
  }
}

// A name parseName returns unchanged: lower case, nothing escaped, ≤ 255 octets on the wire.
const PLAIN_NAME = /^(?:[a-z0-9_-]{1,63}\.)+$/;
const plainName = (v: string): boolean => v.length < 255 && PLAIN_NAME.test(v);
const OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const IPV4 = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);
const MX_PLAIN = /^(?:0|[1-9][0-9]{0,4}) ([^ ]+)$/;
const SURROGATE = /[\ud800-\udfff]/;

// Per type, a test that a value is already in the form format(parse(value)) gives.
const ALREADY_CANONICAL = new Map<number, (value: string) => boolean>([
  [RRType.A, (v) => IPV4.test(v)],
  [RRType.CNAME, plainName],
  [RRType.NS, plainName],
  [RRType.PTR, plainName],
  [
    RRType.MX,
    (v) => {
      const m = MX_PLAIN.exec(v);
      return m !== null && Number(v.slice(0, v.indexOf(' '))) <= 0xffff && plainName(m[1] as string);
    },
  ],
  // TXT text is kept as written, once it holds no surrogates (a lone one becomes U+FFFD).
  [RRType.TXT, (v) => !SURROGATE.test(v)],
]);

/** encodeRdata writes value (presentation text) as rdata of type, RDLENGTH included. */
export function encodeRdata(w: Writer, type: number, value: string): void {
  const codec = codecFor(type);
  const at = w.length;
  w.u16(0);
  codec.encode(w, codec.parse(value));
  w.setU16(at, w.length - at - 2);
}

/** decodeRdata reads length octets of rdata of type and returns its presentation text. */
export function decodeRdata(r: Reader, type: number, length: number): string {
  const end = r.pos + length;
  if (end > r.end) throw new WireError('RDLENGTH runs past the end of the message', r.pos);
  const codec = codecFor(type);
  const inner = new Reader(r.buf, r.pos, end);
  const value = codec.decode(inner, end);
  if (inner.pos !== end) throw new WireError(`${typeName(type)} rdata shorter than RDLENGTH`, inner.pos);
  r.pos = end;
  return codec.format(value);
}

// RFC 3597 §4: rdata of these types may hold compressed names — the RFC 1035 types (NS MD MF
// CNAME SOA MB MG MR PTR MINFO MX) by right, and RP AFSDB RT SIG PX NXT SRV NAPTR KX from senders
// that predate the rule. Their received octets cannot be copied into another message.
const COMPRESSIBLE = new Set([2, 3, 4, 5, 6, 7, 8, 9, 12, 14, 15, 17, 18, 21, 24, 26, 30, 33, 35, 36]);

/** hasCompressedNames reports whether rdata of type may hold compression pointers (RFC 3597 §4). */
export function hasCompressedNames(type: number): boolean {
  return COMPRESSIBLE.has(type);
}
