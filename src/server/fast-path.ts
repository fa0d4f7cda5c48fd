// The fast path: read the header and question by hand and find the encoded answer in a cache,
// patching the ID, the RD and CD bits and the question's letter case. Anything unusual (flags,
// opcode, counts, compression in the question, EDNS options or versions, trailing octets)
// returns undefined and takes the full pipeline, which decides and encodes everything.
import { MAX_UDP_PAYLOAD, MIN_UDP_PAYLOAD } from '../dns/constants.ts';
import type { Transport } from '../resolve/answer.ts';

/** FastQuery is a query the fast path can answer from the cache: its cache key and where the qname ends. */
export interface FastQuery {
  readonly key: string;
  readonly nameEnd: number;
}

/** fastParse reads a plain query — one question, no other records but an OPT without options — or returns undefined. */
export function fastParse(bytes: Uint8Array, transport: Transport): FastQuery | undefined {
  const length = bytes.length;
  if (length < 17) return undefined;
  // QR=0, opcode QUERY; QDCOUNT 1, ANCOUNT 0, NSCOUNT 0, ARCOUNT 0 or 1.
  if (((bytes[2] as number) & 0xf8) !== 0) return undefined;
  if (
    bytes[4] !== 0 ||
    bytes[5] !== 1 ||
    bytes[6] !== 0 ||
    bytes[7] !== 0 ||
    bytes[8] !== 0 ||
    bytes[9] !== 0
  )
    return undefined;
  if (bytes[10] !== 0) return undefined;
  const arcount = bytes[11] as number;
  if (arcount > 1) return undefined;
  let name = '';
  let p = 12;
  for (;;) {
    const len = bytes[p] as number;
    if (len === undefined || len > 63) return undefined; // pointers and other label types: full path
    if (len === 0) break;
    if (p + 1 + len >= length) return undefined;
    for (let i = p + 1; i <= p + len; i++) {
      let c = bytes[i] as number;
      // Keep keys unambiguous and ASCII: a dot or a control octet inside a label, or a non-ASCII
      // octet, takes the full path (such names are rare).
      if (c >= 0x80 || c <= 0x20 || c === 0x2e) return undefined;
      if (c >= 0x41 && c <= 0x5a) c += 0x20; // RFC 4343: ASCII letters only
      name += String.fromCharCode(c);
    }
    name += '.';
    p += len + 1;
    if (p - 12 > 255) return undefined;
  }
  const nameEnd = p + 1;
  if (nameEnd + 4 > length) return undefined;
  const qtype = ((bytes[nameEnd] as number) << 8) | (bytes[nameEnd + 1] as number);
  const qclass = ((bytes[nameEnd + 2] as number) << 8) | (bytes[nameEnd + 3] as number);
  let at = nameEnd + 4;
  let size = transport === 'tcp' ? 0 : MIN_UDP_PAYLOAD;
  let edns = '-';
  if (arcount === 1) {
    // OPT: root owner, type 41, CLASS = payload size, extended rcode 0, version 0, no options.
    if (at + 11 !== length || bytes[at] !== 0 || bytes[at + 1] !== 0 || bytes[at + 2] !== 41)
      return undefined;
    if (bytes[at + 5] !== 0 || bytes[at + 6] !== 0 || bytes[at + 9] !== 0 || bytes[at + 10] !== 0)
      return undefined;
    const udpSize = ((bytes[at + 3] as number) << 8) | (bytes[at + 4] as number);
    if (transport === 'udp') size = Math.min(Math.max(udpSize, MIN_UDP_PAYLOAD), MAX_UDP_PAYLOAD);
    edns = ((bytes[at + 7] as number) & 0x80) !== 0 ? 'D' : 'E';
    at += 11;
  }
  if (at !== length) return undefined;
  return { key: `${name} ${qtype} ${qclass} ${size}${edns}`, nameEnd };
}

/** patchResponse copies a cached response and makes it the answer to query: its ID, RD and CD, and qname letter case. */
export function patchResponse(cached: Uint8Array, query: Uint8Array, nameEnd: number): Uint8Array {
  const out = Buffer.allocUnsafe(cached.length); // every octet is overwritten by the copy below
  out.set(cached);
  out[0] = query[0] as number;
  out[1] = query[1] as number;
  out[2] = ((cached[2] as number) & ~0x01) | ((query[2] as number) & 0x01);
  out[3] = ((cached[3] as number) & ~0x10) | ((query[3] as number) & 0x10);
  out.set(query.subarray(12, nameEnd), 12);
  return out;
}
