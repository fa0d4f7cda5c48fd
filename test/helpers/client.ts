// Raw DNS clients over real sockets, for tests: send exact octets, get exact octets back.
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { RRType } from '../../src/dns/constants.ts';
import { decodeMessage, encodeQuery, type Message, type QueryOptions } from '../../src/dns/message.ts';

/** udpExchange sends bytes to 127.0.0.1:port and resolves with the first reply, or undefined on timeout. */
export function udpExchange(port: number, bytes: Uint8Array, timeoutMs = 2000): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    const timer = setTimeout(() => {
      socket.close();
      resolve(undefined);
    }, timeoutMs);
    socket.once('message', (msg) => {
      clearTimeout(timer);
      socket.close();
      resolve(msg);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      socket.close();
      reject(err);
    });
    socket.send(bytes, port, '127.0.0.1');
  });
}

/** frame prefixes a message with its two-octet length (RFC 1035 §4.2.2). */
export function frame(bytes: Uint8Array): Buffer {
  const out = Buffer.alloc(bytes.length + 2);
  out.writeUInt16BE(bytes.length, 0);
  out.set(bytes, 2);
  return out;
}

/** unframe splits a TCP byte stream into complete messages. */
export function unframe(stream: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  while (at + 2 <= stream.length) {
    const length = stream.readUInt16BE(at);
    if (at + 2 + length > stream.length) break;
    out.push(stream.subarray(at + 2, at + 2 + length));
    at += 2 + length;
  }
  return out;
}

/**
 * tcpExchange opens one connection, writes every message (pipelined, in one write), and resolves
 * with the replies once `expect` have arrived, or what arrived when the connection closed or timed out.
 */
export function tcpExchange(
  port: number,
  messages: readonly Uint8Array[],
  expect = messages.length,
  timeoutMs = 3000,
): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let received = Buffer.alloc(0);
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(unframe(received));
    };
    const timer = setTimeout(done, timeoutMs);
    socket.on('connect', () => socket.write(Buffer.concat(messages.map(frame))));
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (unframe(received).length >= expect) done();
    });
    socket.on('close', done);
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** query sends one query over UDP or TCP and decodes the reply. */
export async function query(
  port: number,
  name: string,
  type: keyof typeof RRType | number,
  options: Partial<QueryOptions> & { tcp?: boolean } = {},
): Promise<Message> {
  const bytes = encodeQuery({
    id: options.id ?? 4242,
    name,
    type: typeof type === 'number' ? type : RRType[type],
    ...options,
  });
  const reply = options.tcp ? (await tcpExchange(port, [bytes]))[0] : await udpExchange(port, bytes);
  if (reply === undefined) throw new Error(`no reply to ${name} ${String(type)}`);
  return decodeMessage(reply);
}
