// The TCP listener's framing: pipelined queries in any cut of the stream, answers written per chunk
// read (the synchronous ones together) or when they settle, the per-connection query cap, and a
// close that sends what is owed.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { describe, test } from 'node:test';
import { frame, tcpExchange, unframe } from '../../test/helpers/client.ts';
import { silentLogger } from '../log.ts';
import type { Handler } from './handle.ts';
import { listenTcp, type TcpOptions } from './tcp.ts';

const OPTIONS: TcpOptions = { idleTimeoutMs: 5000, maxConnections: 10, maxQueriesPerConnection: 0 };

// The query with QR set; the first octet of the ID chooses: 1 is answered later, 2 not at all.
const handler: Handler = (bytes) => {
  const out = Uint8Array.from(bytes);
  out[2] = (out[2] as number) | 0x80;
  if (bytes[0] === 2) return undefined;
  if (bytes[0] === 1) return new Promise((resolve) => setTimeout(() => resolve(out), 20));
  return out;
};

function query(id: number): Buffer {
  return Buffer.from([id >> 8, id & 0xff, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1]);
}

const ids = (answers: Buffer[]) => answers.map((a) => a.readUInt16BE(0));

describe('tcp listener', () => {
  test('pipelined queries: answers now and later, none for a dropped one, IDs matching', async (t) => {
    const listener = await listenTcp('127.0.0.1', 0, handler, OPTIONS, silentLogger());
    t.after(() => listener.close());
    const asked = [3, 0x0101, 4, 0x0201, 5, 0x0102, 6];
    const answers = await tcpExchange(listener.port, asked.map(query), 6);
    // The synchronous answers of one chunk leave together, in order, before the later ones.
    assert.deepEqual(ids(answers), [3, 4, 5, 6, 0x0101, 0x0102]);
    assert.ok(answers.every((a) => ((a[2] as number) & 0x80) !== 0));
  });

  test('frames cut anywhere in the stream, one octet at a time included, are all answered', async (t) => {
    const listener = await listenTcp('127.0.0.1', 0, handler, OPTIONS, silentLogger());
    t.after(() => listener.close());
    const socket = connect({ host: '127.0.0.1', port: listener.port, noDelay: true });
    t.after(() => socket.destroy());
    await once(socket, 'connect');
    let received = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
    });
    const stream = Buffer.concat([3, 4, 5, 6, 7].map((id) => frame(query(id))));
    // 1 octet, then the rest of the first frame with part of the second, then the others.
    for (const [from, to] of [
      [0, 1],
      [1, 25],
      [25, 26],
      [26, stream.length],
    ] as const) {
      socket.write(stream.subarray(from, to));
      await new Promise((r) => setTimeout(r, 20));
    }
    for (let i = 0; i < 100 && unframe(received).length < 5; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(ids(unframe(received)), [3, 4, 5, 6, 7]);
  });

  test('after max_queries_per_connection queries the rest of the chunk is not read and the connection ends', async (t) => {
    const listener = await listenTcp(
      '127.0.0.1',
      0,
      handler,
      { ...OPTIONS, maxQueriesPerConnection: 3 },
      silentLogger(),
    );
    t.after(() => listener.close());
    const answers = await tcpExchange(listener.port, [3, 0x0101, 4, 5, 6].map(query), 5);
    assert.deepEqual(ids(answers), [3, 4, 0x0101]);
  });

  test('close sends the answers owed, then ends the connection', async (t) => {
    const listener = await listenTcp('127.0.0.1', 0, handler, OPTIONS, silentLogger());
    const socket = connect({ host: '127.0.0.1', port: listener.port });
    t.after(() => socket.destroy());
    await once(socket, 'connect');
    let received = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
    });
    socket.on('end', () => socket.end());
    socket.write(Buffer.concat([query(0x0101), query(3)].map(frame)));
    while (unframe(received).length < 1) await new Promise((r) => setTimeout(r, 5));
    const ended = once(socket, 'end');
    await listener.close();
    await ended;
    assert.deepEqual(ids(unframe(received)), [3, 0x0101]);
  });
});
