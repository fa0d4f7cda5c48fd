/** WireError is a message that cannot be decoded; the server answers FORMERR (RFC 1035 §4.1.1). */
export class WireError extends Error {
  override readonly name = 'WireError';
  /** offset is where in the message decoding stopped. */
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(`${message} at offset ${offset}`);
    this.offset = offset;
  }
}

/** PresentationError is text that is not a valid name or rdata in zone-file presentation form. */
export class PresentationError extends Error {
  override readonly name = 'PresentationError';
}
