// The UDP listener: one answer per datagram, to where it came from, and a close that stops reading
// at once but sends every answer already decided before the socket goes.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { silentLogger } from '../log.ts';
import type { Handler } from './handle.ts';
import { listenUdp } from './udp.ts';

// A stand-in handler's answer: the query with QR set.
function reply(bytes: Uint8Array): Uint8Array {
  const out = Uint8Array.from(bytes);
  out[2] = (out[2] as number) | 0x80;
  return out;
}

function query(id: number): Buffer {
  return Buffer.from([id >> 8, id & 0xff, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1]);
}

// A client that collects the answers it gets.
async function client(): Promise<{ socket: Socket; answers: Buffer[]; waitFor(n: number): Promise<void> }> {
  const socket = createSocket('udp4');
  const answers: Buffer[] = [];
  let wanted = Number.POSITIVE_INFINITY;
  let arrived = () => {};
  socket.on('message', (msg) => {
    answers.push(msg);
    if (answers.length >= wanted) arrived();
  });
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  return {
    socket,
    answers,
    // Resolves once n answers are in, or after two seconds with what came.
    waitFor: (n) =>
      new Promise((resolve) => {
        const timer = setTimeout(resolve, 2000);
        wanted = n;
        arrived = () => {
          clearTimeout(timer);
          resolve();
        };
        if (answers.length >= n) arrived();
      }),
  };
}

describe('udp listener', () => {
  test('answers each datagram, to the address and port it came from', async (t) => {
    const seen: { address: string; port: number; transport: string }[] = [];
    const handler: Handler = (bytes, c) => {
      seen.push({ address: c.address, port: c.port, transport: c.transport });
      return reply(bytes);
    };
    const listener = await listenUdp('127.0.0.1', 0, handler, silentLogger());
    t.after(() => listener.close());
    const c = await client();
    t.after(() => c.socket.close());
    for (let id = 1; id <= 5; id++) c.socket.send(query(id), listener.port, '127.0.0.1');
    await c.waitFor(5);
    assert.deepEqual(c.answers.map((a) => a.readUInt16BE(0)).sort(), [1, 2, 3, 4, 5]);
    assert.ok(c.answers.every((a) => ((a[2] as number) & 0x80) !== 0));
    assert.deepEqual(seen[0], { address: '127.0.0.1', port: c.socket.address().port, transport: 'udp' });
  });

  test('a handler that answers nothing sends nothing', async (t) => {
    const listener = await listenUdp(
      '127.0.0.1',
      0,
      (bytes) => (bytes[1] === 1 ? undefined : reply(bytes)),
      silentLogger(),
    );
    t.after(() => listener.close());
    const c = await client();
    t.after(() => c.socket.close());
    c.socket.send(query(1), listener.port, '127.0.0.1');
    c.socket.send(query(2), listener.port, '127.0.0.1');
    await c.waitFor(1);
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(
      c.answers.map((a) => a.readUInt16BE(0)),
      [2],
    );
  });

  test('close stops reading, sends the answers still being decided, then closes', async (t) => {
    const settle: (() => void)[] = [];
    const handler: Handler = (bytes) =>
      new Promise((resolve) => {
        settle.push(() => resolve(reply(bytes)));
      });
    const listener = await listenUdp('127.0.0.1', 0, handler, silentLogger());
    const c = await client();
    t.after(() => c.socket.close());
    for (let id = 1; id <= 3; id++) c.socket.send(query(id), listener.port, '127.0.0.1');
    while (settle.length < 3) await new Promise((r) => setTimeout(r, 5));

    let closed = false;
    const closing = listener.close().then(() => {
      closed = true;
    });
    c.socket.send(query(4), listener.port, '127.0.0.1'); // not read any more
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(closed, false, 'close waits for the answers being decided');
    for (const s of settle) s();
    await closing;
    await c.waitFor(3);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(c.answers.map((a) => a.readUInt16BE(0)).sort(), [1, 2, 3]);
    assert.equal(settle.length, 3, 'the query sent after close was not handled');
  });

  // With --test-udp-no-try-send, Node queues every datagram in libuv instead of handing it to the
  // kernel at once, as it does when the kernel's buffer is full: closing the socket then would
  // cancel them. A child process runs the listener so; its answers are all decided in one turn, and
  // close is called in that same turn.
  test('answers waiting in the send queue when close is called still go out', async (t) => {
    const N = 20;
    const udp = new URL('./udp.ts', import.meta.url).href;
    const log = new URL('../log.ts', import.meta.url).href;
    const program = `
      const { listenUdp } = await import(${JSON.stringify(udp)});
      const { silentLogger } = await import(${JSON.stringify(log)});
      const settle = [];
      const listener = await listenUdp('127.0.0.1', 0, (bytes) => new Promise((resolve) => {
        const out = Uint8Array.from(bytes);
        out[2] |= 0x80;
        settle.push(() => resolve(out));
        if (settle.length === ${N}) {
          for (const s of settle) s();
          void listener.close().then(() => process.stdout.write('closed\\n'));
        }
      }), silentLogger());
      process.stdout.write(listener.port + '\\n');
    `;
    const child = spawn(
      process.execPath,
      ['--test-udp-no-try-send', '--import', 'tsx', '--input-type=module', '-e', program],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    t.after(() => child.kill());
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const exited = once(child, 'exit');
    const port = await new Promise<number | undefined>((resolve) => {
      child.stdout.on('data', () => {
        if (stdout.includes('\n')) resolve(Number(stdout.split('\n')[0]));
      });
      void exited.then(() => resolve(undefined));
    });
    if (port === undefined) {
      // A Node without the flag refuses to start: nothing to test there.
      if (/bad option/.test(stderr)) return t.skip('this Node has no --test-udp-no-try-send');
      assert.fail(`the listener did not start:\n${stderr}`);
    }
    const c = await client();
    t.after(() => c.socket.close());
    for (let id = 1; id <= N; id++) c.socket.send(query(id), port, '127.0.0.1');
    await c.waitFor(N);
    const [code] = await exited;
    assert.equal(code, 0, stderr);
    assert.match(stdout, /closed/);
    assert.equal(c.answers.length, N, `${c.answers.length} of ${N} answers arrived`);
  });
});
