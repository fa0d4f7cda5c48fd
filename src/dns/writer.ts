// A growable, size-limited message buffer with name compression (RFC 1035 §4.1.4).
// Writing past the limit throws NO_SPACE; callers mark() before an RRset and rewind() to drop it
// whole (RFC 2181 §9), which also forgets the compression targets written after the mark.
import { nameToLabels } from './name.ts';

/** NO_SPACE is thrown by a Writer when a write would pass its limit. A singleton: no stack to capture. */
export const NO_SPACE: Error = Object.freeze(new RangeError('no space left in message'));

/** Mark is a position a Writer can rewind to. */
export interface Mark {
  readonly length: number;
  readonly names: number;
}

const MAX_POINTER = 0x3fff;

/** Writer builds a message of at most `limit` octets. */
export class Writer {
  #buf: Uint8Array;
  #len = 0;
  limit: number;
  // compression targets: case-folded label-sequence key → offset, and the keys in the order they
  // were added (for rewind)
  readonly #targets = new Map<string, number>();
  readonly #order: string[] = [];

  constructor(limit: number, initial = 512) {
    this.limit = limit;
    this.#buf = new Uint8Array(Math.min(initial, limit));
  }

  get length(): number {
    return this.#len;
  }

  #grow(n: number): void {
    const need = this.#len + n;
    if (need > this.limit) throw NO_SPACE;
    if (need <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(Math.min(size, this.limit));
    next.set(this.#buf.subarray(0, this.#len));
    this.#buf = next;
  }

  u8(v: number): void {
    this.#grow(1);
    this.#buf[this.#len++] = v;
  }

  u16(v: number): void {
    this.#grow(2);
    this.#buf[this.#len++] = v >>> 8;
    this.#buf[this.#len++] = v & 0xff;
  }

  u32(v: number): void {
    this.#grow(4);
    this.#buf[this.#len++] = v >>> 24;
    this.#buf[this.#len++] = (v >>> 16) & 0xff;
    this.#buf[this.#len++] = (v >>> 8) & 0xff;
    this.#buf[this.#len++] = v & 0xff;
  }

  bytes(b: Uint8Array): void {
    this.#grow(b.length);
    this.#buf.set(b, this.#len);
    this.#len += b.length;
  }

  /** setU16 overwrites two octets already written (section counts, RDLENGTH). */
  setU16(at: number, v: number): void {
    this.#buf[at] = v >>> 8;
    this.#buf[at + 1] = v & 0xff;
  }

  /** orU8 sets bits in an octet already written (header flags). */
  orU8(at: number, bits: number): void {
    this.#buf[at] = (this.#buf[at] as number) | bits;
  }

  /**
   * name writes a name given in presentation form; its suffixes become compression targets for
   * later names. With compress, the longest suffix already written, in any letter case
   * (RFC 4343), becomes a pointer: an answer's owner and the names in its rdata then read back in
   * the question's letter case, exactly as Knot and BIND answer. SRV targets (RFC 2782) and rdata
   * of types newer than RFC 1035 (RFC 3597 §4) are written without compress.
   */
  name(text: string, compress: boolean): void {
    const labels = nameToLabels(text);
    const keys = suffixKeys(labels);
    for (let i = 0; i < labels.length; i++) {
      const key = keys[i] as string;
      if (compress) {
        const at = this.#targets.get(key);
        if (at !== undefined) {
          this.u16(0xc000 | at);
          return;
        }
      }
      const here = this.#len;
      const label = labels[i] as Uint8Array;
      this.u8(label.length);
      this.bytes(label);
      if (here <= MAX_POINTER && !this.#targets.has(key)) {
        this.#targets.set(key, here);
        this.#order.push(key);
      }
    }
    this.u8(0);
  }

  mark(): Mark {
    return { length: this.#len, names: this.#order.length };
  }

  rewind(m: Mark): void {
    this.#len = m.length;
    while (this.#order.length > m.names) this.#targets.delete(this.#order.pop() as string);
  }

  /** finish returns the octets written (a copy-free view). */
  finish(): Uint8Array {
    return this.#buf.subarray(0, this.#len);
  }
}

// A key per suffix that is unique for its labels (length-prefixed, so a "." inside a label cannot
// collide), with ASCII letter case folded (RFC 4343).
function suffixKeys(labels: readonly Uint8Array[]): string[] {
  const keys = new Array<string>(labels.length);
  let key = '';
  for (let i = labels.length - 1; i >= 0; i--) {
    const label = labels[i] as Uint8Array;
    let part = String.fromCharCode(label.length);
    for (const c of label) part += String.fromCharCode(c >= 0x41 && c <= 0x5a ? c + 0x20 : c);
    key = part + key;
    keys[i] = key;
  }
  return keys;
}
