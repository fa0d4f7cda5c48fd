// A bounds-checked cursor over a DNS message. Every read checks the end first and throws a
// WireError, so hostile input ends in FORMERR or a drop, never a hang or a RangeError.
import { MAX_NAME_OCTETS } from './constants.ts';
import { WireError } from './errors.ts';
import { labelText } from './name.ts';

/** Reader reads big-endian integers, octet strings and compressed names from a message. */
export class Reader {
  readonly buf: Uint8Array;
  pos: number;
  readonly end: number;

  constructor(buf: Uint8Array, pos = 0, end = buf.length) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }

  /** need throws unless n more octets are available. */
  need(n: number, what: string): void {
    if (this.pos + n > this.end) throw new WireError(`truncated ${what}`, this.pos);
  }

  u8(what = 'message'): number {
    this.need(1, what);
    return this.buf[this.pos++] as number;
  }

  u16(what = 'message'): number {
    this.need(2, what);
    const v = ((this.buf[this.pos] as number) << 8) | (this.buf[this.pos + 1] as number);
    this.pos += 2;
    return v;
  }

  u32(what = 'message'): number {
    this.need(4, what);
    const b = this.buf;
    const p = this.pos;
    this.pos += 4;
    return (
      (((b[p] as number) << 24) >>> 0) +
      ((b[p + 1] as number) << 16) +
      ((b[p + 2] as number) << 8) +
      (b[p + 3] as number)
    );
  }

  bytes(n: number, what = 'message'): Uint8Array {
    this.need(n, what);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /**
   * name reads a possibly compressed name (RFC 1035 §4.1.4) and returns it in presentation form,
   * letter case kept. A pointer must point strictly before the run of labels it ends, so every jump
   * goes backwards and decoding always terminates; a forward pointer, a pointer to itself or one
   * into the current run is an error, as are label types other than 00, and names over 255 octets.
   */
  name(): string {
    const buf = this.buf;
    let p = this.pos;
    let runStart = p; // start of the current run of labels; a pointer must go below it
    let jumped = false;
    let octets = 1; // the root label
    let out = '';
    for (;;) {
      if (p >= this.end) throw new WireError('truncated name', p);
      const len = buf[p] as number;
      if (len === 0) {
        p += 1;
        break;
      }
      const kind = len & 0xc0;
      if (kind === 0xc0) {
        if (p + 1 >= this.end) throw new WireError('truncated name pointer', p);
        const target = ((len & 0x3f) << 8) | (buf[p + 1] as number);
        if (target === p) throw new WireError('name pointer to itself', p);
        if (target > p) throw new WireError('forward name pointer', p);
        if (target >= runStart) throw new WireError('name pointer loop', p);
        if (!jumped) this.pos = p + 2;
        jumped = true;
        p = target;
        runStart = target;
        continue;
      }
      if (kind !== 0) throw new WireError(`label length ${len} exceeds 63 (or unsupported label type)`, p);
      if (p + 1 + len > this.end) throw new WireError('truncated label', p);
      octets += len + 1;
      if (octets > MAX_NAME_OCTETS) throw new WireError('name longer than 255 octets', p);
      out += `${labelText(buf, p + 1, p + 1 + len)}.`;
      p += len + 1;
    }
    if (!jumped) this.pos = p;
    return out === '' ? '.' : out;
  }
}
