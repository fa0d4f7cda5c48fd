// Small upstream DNS servers on loopback with scripted behaviour, for forwarding tests: they speak
// real DNS over real UDP and TCP sockets, and count what they receive.
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { TestContext } from 'node:test';
import { Rcode, RRType } from '../../src/dns/constants.ts';
import { decodeMessage, encodeResponse, type Message, type RRsetOut } from '../../src/dns/message.ts';
import { frame, unframe } from './client.ts';

/** Behaviour says how a fake upstream answers. */
export type Behaviour =
  | {
      kind: 'answer';
      records: (name: string, type: number) => RRsetOut[];
      rcode?: number;
      authority?: RRsetOut[];
      delayMs?: number;
    }
  | { kind: 'rcode'; rcode: number; authority?: RRsetOut[] }
  | { kind: 'silent' }
  | { kind: 'truncate-udp'; records: (name: string, type: number) => RRsetOut[] }
  | { kind: 'wrong-id' }
  | { kind: 'wrong-question' };

/** FakeUpstream is a running fake server. */
export interface FakeUpstream {
  readonly port: number;
  readonly address: string;
  /** udp and tcp count the queries received on each transport. */
  readonly counts: { udp: number; tcp: number };
  readonly received: Message[];
}

function reply(
  query: Message,
  rcode: number,
  answer: RRsetOut[],
  authority: RRsetOut[] = [],
  tc = false,
): Uint8Array {
  const q = query.question[0];
  const r = encodeResponse(
    {
      id: query.header.id,
      opcode: 0,
      aa: true,
      rd: query.header.rd,
      ra: true,
      cd: false,
      rcode,
      ...(q ? { question: q } : {}),
      answer: tc ? [] : answer,
      authority: tc ? [] : authority,
      additional: [],
      ...(query.edns ? { edns: { udpSize: 1232, do: false } } : {}),
    },
    65535,
  );
  const bytes = Uint8Array.from(r.bytes);
  if (tc) bytes[2] = (bytes[2] as number) | 0x02;
  return bytes;
}

function respond(query: Message, behaviour: Behaviour, transport: 'udp' | 'tcp'): Uint8Array[] {
  const q = query.question[0];
  if (q === undefined) return [];
  switch (behaviour.kind) {
    case 'silent':
      return [];
    case 'rcode':
      return [reply(query, behaviour.rcode, [], behaviour.authority)];
    case 'answer':
      return [
        reply(
          query,
          behaviour.rcode ?? Rcode.NOERROR,
          behaviour.records(q.name, q.type),
          behaviour.authority,
        ),
      ];
    case 'truncate-udp':
      return [reply(query, Rcode.NOERROR, behaviour.records(q.name, q.type), [], transport === 'udp')];
    case 'wrong-id': {
      const bytes = reply(query, Rcode.NOERROR, [
        { name: q.name, type: RRType.A, ttl: 60, data: ['192.0.2.66'] },
      ]);
      bytes[1] = ((bytes[1] as number) + 1) & 0xff;
      return [bytes];
    }
    case 'wrong-question': {
      const other = { ...query, question: [{ ...q, name: 'spoofed.example.' }] };
      return [
        reply(other, Rcode.NOERROR, [
          { name: 'spoofed.example.', type: RRType.A, ttl: 60, data: ['192.0.2.66'] },
        ]),
      ];
    }
  }
}

/** startFakeUpstream runs a fake server on 127.0.0.1 (UDP and TCP on one port) until the test ends. */
export async function startFakeUpstream(t: TestContext, behaviour: Behaviour): Promise<FakeUpstream> {
  const counts = { udp: 0, tcp: 0 };
  const received: Message[] = [];
  const tcp = createServer((socket) => {
    let buffer = Buffer.alloc(0);
    socket.on('error', () => {});
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      const messages = unframe(buffer);
      if (messages.length === 0) return;
      buffer = Buffer.alloc(0);
      for (const m of messages) {
        counts.tcp += 1;
        const query = decodeMessage(m);
        received.push(query);
        for (const out of respond(query, behaviour, 'tcp')) socket.write(frame(out));
      }
    });
  });
  tcp.listen(0, '127.0.0.1');
  await once(tcp, 'listening');
  const port = (tcp.address() as { port: number }).port;
  const udp = createSocket('udp4');
  udp.on('message', (msg, rinfo) => {
    counts.udp += 1;
    const query = decodeMessage(msg);
    received.push(query);
    const send = () => {
      for (const out of respond(query, behaviour, 'udp')) udp.send(out, rinfo.port, rinfo.address);
    };
    const delay = behaviour.kind === 'answer' ? behaviour.delayMs : undefined;
    if (delay) setTimeout(send, delay);
    else send();
  });
  udp.bind(port, '127.0.0.1');
  await once(udp, 'listening');
  t.after(() => {
    udp.close();
    tcp.close();
  });
  return { port, address: '127.0.0.1', counts, received };
}

/** closedPort returns a loopback port with nothing listening (UDP gets ICMP port unreachable). */
export async function closedPort(): Promise<number> {
  const s = createSocket('udp4');
  s.bind(0, '127.0.0.1');
  await once(s, 'listening');
  const port = s.address().port;
  s.close();
  return port;
}
