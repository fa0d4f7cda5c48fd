// Whole messages (RFC 1035 §4.1): decoding with bounds checks everywhere, and encoding of a
// response that has already been decided, within a size limit, truncating whole RRsets.
import { HEADER_OCTETS, RRClass, RRType } from './constants.ts';
import { type Edns, OPT_OCTETS, readOpt, writeOpt } from './edns.ts';
import { WireError } from './errors.ts';
import { decodeRdata, encodeRdata } from './rdata.ts';
import { Reader } from './reader.ts';
import { NO_SPACE, Writer } from './writer.ts';

/** Header is the fixed 12-octet message header (RFC 1035 §4.1.1, RFC 4035 §3.2 for AD and CD). */
export interface Header {
  readonly id: number;
  readonly qr: boolean;
  readonly opcode: number;
  readonly aa: boolean;
  readonly tc: boolean;
  readonly rd: boolean;
  readonly ra: boolean;
  readonly z: boolean;
  readonly ad: boolean;
  readonly cd: boolean;
  /** rcode is the header's 4 bits; Message.rcode adds the EDNS extension. */
  readonly rcode: number;
  readonly qdcount: number;
  readonly ancount: number;
  readonly nscount: number;
  readonly arcount: number;
}

/** Question is one entry of the question section; name keeps the letter case it was sent in. */
export interface Question {
  readonly name: string;
  readonly type: number;
  readonly class: number;
}

/** ResourceRecord is one decoded RR with its rdata in presentation form and as received. */
export interface ResourceRecord {
  readonly name: string;
  readonly type: number;
  readonly class: number;
  readonly ttl: number;
  readonly data: string;
  /** wire is the rdata octets as received (always set by decodeMessage); names in it may be compression pointers. */
  readonly wire?: Uint8Array;
}

/** Message is a decoded message; the OPT record is lifted out of additional into edns. */
export interface Message {
  readonly header: Header;
  /** rcode is the full 12-bit rcode (header bits plus the OPT extension). */
  readonly rcode: number;
  readonly question: readonly Question[];
  readonly answer: readonly ResourceRecord[];
  readonly authority: readonly ResourceRecord[];
  readonly additional: readonly ResourceRecord[];
  readonly edns?: Edns;
}

/** readHeader reads the header, or returns undefined when there are fewer than 12 octets. */
export function readHeader(bytes: Uint8Array): Header | undefined {
  if (bytes.length < HEADER_OCTETS) return undefined;
  const b1 = bytes[2] as number;
  const b2 = bytes[3] as number;
  const u16 = (at: number) => ((bytes[at] as number) << 8) | (bytes[at + 1] as number);
  return {
    id: u16(0),
    qr: (b1 & 0x80) !== 0,
    opcode: (b1 >>> 3) & 0x0f,
    aa: (b1 & 0x04) !== 0,
    tc: (b1 & 0x02) !== 0,
    rd: (b1 & 0x01) !== 0,
    ra: (b2 & 0x80) !== 0,
    z: (b2 & 0x40) !== 0,
    ad: (b2 & 0x20) !== 0,
    cd: (b2 & 0x10) !== 0,
    rcode: b2 & 0x0f,
    qdcount: u16(4),
    ancount: u16(6),
    nscount: u16(8),
    arcount: u16(10),
  };
}

/** readQuestion reads one question entry. */
export function readQuestion(r: Reader): Question {
  const name = r.name();
  return { name, type: r.u16('question'), class: r.u16('question') };
}

/**
 * decodeMessage decodes every section of bytes. It throws WireError for anything malformed:
 * truncated sections, bad names, RDLENGTH past the end, rdata that does not fill RDLENGTH, an OPT
 * record outside the additional section or not owned by the root, and more than one OPT
 * (RFC 6891 §6.1.1: FORMERR), and octets after the last record (Knot answers those FORMERR too).
 */
export function decodeMessage(bytes: Uint8Array): Message {
  const header = readHeader(bytes);
  if (header === undefined) throw new WireError('truncated header', bytes.length);
  const r = new Reader(bytes, HEADER_OCTETS);
  const question: Question[] = [];
  for (let i = 0; i < header.qdcount; i++) question.push(readQuestion(r));
  let edns: Edns | undefined;
  const section = (count: number, isAdditional: boolean): ResourceRecord[] => {
    const out: ResourceRecord[] = [];
    for (let i = 0; i < count; i++) {
      const start = r.pos;
      const name = r.name();
      const type = r.u16('resource record');
      const cls = r.u16('resource record');
      const ttl = r.u32('resource record');
      const rdlength = r.u16('resource record');
      if (r.pos + rdlength > r.end)
        throw new WireError('RDLENGTH runs past the end of the message', r.pos - 2);
      if (type === RRType.OPT) {
        if (!isAdditional) throw new WireError('OPT record outside the additional section', start);
        if (edns !== undefined) throw new WireError('more than one OPT record', start);
        edns = readOpt(r, name, cls, ttl, rdlength);
        continue;
      }
      const wire = bytes.slice(r.pos, r.pos + rdlength);
      out.push({ name, type, class: cls, ttl, data: decodeRdata(r, type, rdlength), wire });
    }
    return out;
  };
  const answer = section(header.ancount, false);
  const authority = section(header.nscount, false);
  const additional = section(header.arcount, true);
  if (r.pos !== bytes.length) throw new WireError('trailing octets after the last record', r.pos);
  const rcode = edns === undefined ? header.rcode : (edns.extendedRcode << 4) | header.rcode;
  return { header, rcode, question, answer, authority, additional, ...(edns ? { edns } : {}) };
}

/** RRsetOut is an RRset to write: one owner, type, class and TTL, one rdata string per RR. */
export interface RRsetOut {
  readonly name: string;
  readonly type: number;
  readonly class?: number;
  readonly ttl: number;
  readonly data: readonly string[];
  /**
   * wire, when given, holds each RR's rdata octets to write verbatim instead of encoding data: for
   * relaying rdata exactly as received (TXT string boundaries, types we have no codec for). Only
   * for rdata without compression pointers (see hasCompressedNames).
   */
  readonly wire?: readonly Uint8Array[];
  /**
   * required marks an additional-section RRset the answer is not complete without: in-domain glue
   * of a referral. If it does not fit, TC is set (RFC 9471 §3).
   */
  readonly required?: boolean;
}

/** Response is an answer already decided, ready to encode. */
export interface Response {
  readonly id: number;
  readonly opcode: number;
  readonly aa: boolean;
  readonly rd: boolean;
  readonly ra: boolean;
  readonly cd: boolean;
  readonly ad?: boolean;
  /** rcode may be extended (> 15) only when edns is present. */
  readonly rcode: number;
  /** question is echoed exactly as asked, letter case included (behavior.md §2). */
  readonly question?: Question;
  readonly answer: readonly RRsetOut[];
  readonly authority: readonly RRsetOut[];
  readonly additional: readonly RRsetOut[];
  /** edns, when present, adds our OPT record: the payload size we accept and DO echoed. */
  readonly edns?: { readonly udpSize: number; readonly do: boolean };
}

/** Encoded is an encoded response and whether anything was left out. */
export interface Encoded {
  readonly bytes: Uint8Array;
  readonly truncated: boolean;
}

/**
 * encodeResponse writes response within maxSize octets. Room for the OPT record is reserved first
 * (Knot answer_edns_reserve). An RRset that does not fit is dropped whole (RFC 2181 §9); if it
 * belonged to the answer or authority section, TC is set and nothing more is written (the client
 * must retry over TCP); an additional RRset that does not fit is just left out, without TC
 * (RFC 2181 §9), unless it is required in-domain glue (RFC 9471 §3).
 */
export function encodeResponse(response: Response, maxSize: number): Encoded {
  const optSize = response.edns ? OPT_OCTETS : 0;
  const w = new Writer(maxSize - optSize);
  const rcode = response.rcode;
  w.u16(response.id);
  w.u8(0x80 | ((response.opcode & 0x0f) << 3) | (response.aa ? 0x04 : 0) | (response.rd ? 0x01 : 0));
  w.u8((response.ra ? 0x80 : 0) | (response.ad ? 0x20 : 0) | (response.cd ? 0x10 : 0) | (rcode & 0x0f));
  w.u16(response.question ? 1 : 0);
  w.u16(0);
  w.u16(0);
  w.u16(0);
  if (response.question) {
    const q = response.question;
    w.name(q.name, true);
    w.u16(q.type);
    w.u16(q.class);
  }
  let truncated = false;
  const counts = [0, 0, 0];
  const sections = [response.answer, response.authority, response.additional];
  outer: for (let s = 0; s < 3; s++) {
    for (const rrset of sections[s] as readonly RRsetOut[]) {
      const mark = w.mark();
      try {
        writeRRset(w, rrset);
        counts[s] = (counts[s] as number) + rrset.data.length;
      } catch (err) {
        if (err !== NO_SPACE) throw err;
        w.rewind(mark);
        if (s < 2 || rrset.required) {
          truncated = true;
          break outer;
        }
      }
    }
  }
  if (response.edns) {
    w.limit += optSize;
    writeOpt(w, response.edns.udpSize, rcode, response.edns.do);
    counts[2] = (counts[2] as number) + 1;
  }
  w.setU16(6, counts[0] as number);
  w.setU16(8, counts[1] as number);
  w.setU16(10, counts[2] as number);
  if (truncated) w.orU8(2, 0x02);
  return { bytes: w.finish(), truncated };
}

function writeRRset(w: Writer, rrset: RRsetOut): void {
  const cls = rrset.class ?? RRClass.IN;
  for (let i = 0; i < rrset.data.length; i++) {
    w.name(rrset.name, true);
    w.u16(rrset.type);
    w.u16(cls);
    w.u32(rrset.ttl);
    const wire = rrset.wire?.[i];
    if (wire === undefined) {
      encodeRdata(w, rrset.type, rrset.data[i] as string);
    } else {
      w.u16(wire.length);
      w.bytes(wire);
    }
  }
}

/** QueryOptions describes a query to encode (for the forwarder and for tests). */
export interface QueryOptions {
  readonly id: number;
  readonly name: string;
  readonly type: number;
  readonly class?: number;
  readonly rd?: boolean;
  readonly cd?: boolean;
  readonly edns?: { readonly udpSize: number; readonly do?: boolean };
}

/** encodeQuery writes a standard query with one question and an optional OPT record. */
export function encodeQuery(q: QueryOptions): Uint8Array {
  const w = new Writer(65535);
  w.u16(q.id);
  w.u8(q.rd === false ? 0 : 0x01);
  w.u8(q.cd ? 0x10 : 0);
  w.u16(1);
  w.u16(0);
  w.u16(0);
  w.u16(q.edns ? 1 : 0);
  w.name(q.name, false);
  w.u16(q.type);
  w.u16(q.class ?? RRClass.IN);
  if (q.edns) writeOpt(w, q.edns.udpSize, 0, q.edns.do === true);
  return w.finish();
}
