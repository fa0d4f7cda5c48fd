// EDNS(0) (RFC 6891): the OPT pseudo-record's fields, parsed and written.
import { MAX_UDP_PAYLOAD, MIN_UDP_PAYLOAD, RRType } from './constants.ts';
import { WireError } from './errors.ts';
import type { Reader } from './reader.ts';
import type { Writer } from './writer.ts';

/** EdnsOption is one option in OPT rdata (RFC 6891 §6.1.2). */
export interface EdnsOption {
  readonly code: number;
  readonly data: Uint8Array;
}

/** Edns holds what an OPT record carries (RFC 6891 §6.1.3). */
export interface Edns {
  /** udpSize is the requester's UDP payload size (the OPT CLASS field). */
  readonly udpSize: number;
  /** extendedRcode is the upper 8 bits of the 12-bit rcode. */
  readonly extendedRcode: number;
  readonly version: number;
  /** do is the DNSSEC OK bit (RFC 3225). */
  readonly do: boolean;
  readonly options: readonly EdnsOption[];
}

/** OPT_OCTETS is the size of an OPT record without options: root, type, class, ttl, rdlength. */
export const OPT_OCTETS = 11;

/** readOpt decodes an OPT record whose owner has been read; r is at its TYPE field's end. */
export function readOpt(r: Reader, owner: string, cls: number, ttl: number, rdlength: number): Edns {
  // RFC 6891 §6.1.2: the owner MUST be the root.
  if (owner !== '.') throw new WireError('OPT owner is not the root', r.pos);
  const end = r.pos + rdlength;
  if (end > r.end) throw new WireError('RDLENGTH runs past the end of the message', r.pos);
  const options: EdnsOption[] = [];
  while (r.pos < end) {
    if (r.pos + 4 > end) throw new WireError('truncated EDNS option', r.pos);
    const code = r.u16();
    const length = r.u16();
    if (r.pos + length > end) throw new WireError('EDNS option runs past RDLENGTH', r.pos);
    options.push({ code, data: Uint8Array.from(r.bytes(length)) });
  }
  return {
    udpSize: cls,
    extendedRcode: ttl >>> 24,
    version: (ttl >>> 16) & 0xff,
    do: (ttl & 0x8000) !== 0,
    options,
  };
}

/** writeOpt writes our OPT record: the size we accept, the extended rcode bits and DO echoed. */
export function writeOpt(w: Writer, udpSize: number, rcode: number, dnssecOk: boolean): void {
  w.u8(0); // root owner
  w.u16(RRType.OPT);
  w.u16(udpSize);
  w.u8(rcode >>> 4); // RFC 6891 §6.1.3: upper 8 bits of the extended rcode
  w.u8(0); // version 0
  w.u16(dnssecOk ? 0x8000 : 0);
  w.u16(0); // no options
}

/**
 * responseSizeLimit is the most a UDP response may hold: 512 without EDNS, else the client's size
 * clamped to [512, 1232] (RFC 6891 §6.2.5 and §6.2.3: below 512 is treated as 512).
 */
export function responseSizeLimit(edns: Edns | undefined): number {
  if (edns === undefined) return MIN_UDP_PAYLOAD;
  return Math.min(Math.max(edns.udpSize, MIN_UDP_PAYLOAD), MAX_UDP_PAYLOAD);
}
