// The server over real sockets on 127.0.0.1: dig and kdig as clients, raw octets for the
// admission rules of behavior.md §3, pipelining, stalled clients, limits and a malformed flood.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { Opcode, Rcode, RRType } from '../../src/dns/constants.ts';
import { decodeMessage, encodeQuery, readHeader } from '../../src/dns/message.ts';
import { query, tcpExchange, udpExchange } from '../helpers/client.ts';
import { dig, kdig } from '../helpers/dig.ts';
import { startServer } from '../helpers/server.ts';
import { EXAMPLE_ZONE } from './fixtures.ts';

// header(id, flags, qd, an, ns, ar) as raw octets
function header(id: number, flags: number, qd = 1, an = 0, ns = 0, ar = 0): number[] {
  return [id >> 8, id & 0xff, flags >> 8, flags & 0xff, 0, qd, 0, an, 0, ns, 0, ar];
}
const EXAMPLE_COM = [7, ...Buffer.from('example'), 3, ...Buffer.from('com'), 0];
const Q_A_IN = [0, 1, 0, 1];

describe('server with dig and kdig', async () => {
  test('answers A over UDP with AA, the question echoed and EDNS advertising 1232', async (t) => {
    const { port } = await startServer(t, EXAMPLE_ZONE);
    const r = await dig(port, 'example.com', 'A', '+norec');
    assert.equal(r.status, 'NOERROR');
    assert.ok(r.flags.includes('aa'), r.raw);
    assert.deepEqual(r.answer.sort(), ['example.com. 300 IN A 192.0.2.1', 'example.com. 300 IN A 192.0.2.2']);
    assert.match(r.raw, /udp: 1232/);
  });

  test('answers over TCP, and without EDNS carries no OPT', async (t) => {
    const { port } = await startServer(t, EXAMPLE_ZONE);
    const tcp = await dig(port, 'example.com', 'MX', '+tcp');
    assert.equal(tcp.status, 'NOERROR');
    assert.deepEqual(tcp.answer.sort(), [
      'example.com. 300 IN MX 10 mail.example.com.',
      'example.com. 300 IN MX 20 mail2.example.com.',
    ]);
    const plain = await dig(port, 'example.com', 'AAAA', '+noedns');
    assert.deepEqual(plain.answer, ['example.com. 300 IN AAAA 2001:db8::1']);
    assert.doesNotMatch(plain.raw, /OPT_PSEUDOSECTION|EDNS/);
  });

  test('answers every record type to kdig over UDP and TCP', async (t) => {
    const { port } = await startServer(t, EXAMPLE_ZONE);
    const cases: [string, string, RegExp][] = [
      [
        'example.com',
        'SOA',
        /SOA\s+ns1\.example\.com\. hostmaster\.example\.com\. 2026112901 7200 3600 1209600 300/,
      ],
      ['example.com', 'NS', /NS\s+ns1\.example\.com\./],
      ['example.com', 'TXT', /TXT\s+"v=spf1 mx -all"/],
      ['example.com', 'CAA', /CAA\s+0 issue "letsencrypt\.org"/],
      ['www.example.com', 'CNAME', /CNAME\s+example\.com\./],
      ['_sip._tcp.example.com', 'SRV', /SRV\s+10 5 5060 sip\.example\.com\./],
      ['1.2.0.192.in-addr.arpa', 'PTR', /PTR\s+example\.com\./],
    ];
    for (const transport of ['+notcp', '+tcp']) {
      for (const [name, type, expected] of cases) {
        const out = await kdig(port, name, type, transport);
        assert.match(out, /status: NOERROR/, out);
        assert.match(out, /Flags: qr aa/, out);
        assert.match(out, expected, `${name} ${type} ${transport}:\n${out}`);
      }
    }
  });

  test('echoes the question in the letter case it was asked', async (t) => {
    const { port } = await startServer(t, EXAMPLE_ZONE);
    const reply = await query(port, 'ExAmPlE.CoM.', 'A');
    assert.equal(reply.question[0]?.name, 'ExAmPlE.CoM.');
    assert.equal(reply.answer.length, 2);
    const tcp = await query(port, 'wWw.EXAMPLE.com.', 'CNAME', { tcp: true });
    assert.equal(tcp.question[0]?.name, 'wWw.EXAMPLE.com.');
    // Knot and BIND compress the CNAME target against the question too, so it takes the client's case.
    assert.equal(tcp.answer[0]?.data, 'EXAMPLE.com.');
  });

  test('negative answers: NXDOMAIN and NODATA carry the SOA with the RFC 2308 TTL; empty non-terminals are NODATA', async (t) => {
    const { port } = await startServer(t, EXAMPLE_ZONE);
    const nx = await dig(port, 'nope.example.com', 'A');
    assert.equal(nx.status, 'NXDOMAIN');
    assert.deepEqual(nx.authority, [
      'example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. 2026112901 7200 3600 1209600 300',
    ]);
    const nodata = await dig(port, 'example.com', 'SRV');
    assert.equal(nodata.status, 'NOERROR');
    assert.deepEqual(nodata.answer, []);
    assert.equal(nodata.authority.length, 1);
    const ent = await dig(port, 'b.example.com', 'A');
    assert.equal(ent.status, 'NOERROR');
    assert.equal(ent.authority.length, 1);
  });

  test('zone-less local data is answered; names outside every zone are REFUSED', async (t) => {
    const { port } = await startServer(t, EXAMPLE_ZONE);
    const local = await dig(port, 'host.local', 'A');
    assert.equal(local.status, 'NOERROR');
    assert.deepEqual(local.answer, ['host.local. 300 IN A 10.0.0.1']);
    const refused = await dig(port, 'example.org', 'A');
    assert.equal(refused.status, 'REFUSED');
    assert.ok(!refused.flags.includes('aa'));
  });

  test('sets TC when the UDP answer does not fit; EDNS and TCP get it whole', async (t) => {
    const { port } = await startServer(t, EXAMPLE_ZONE);
    const small = await query(port, 'big.example.com.', 'TXT');
    assert.equal(small.header.tc, true);
    assert.equal(small.answer.length, 0, 'an RRset that does not fit is dropped whole');
    const tcp = await query(port, 'big.example.com.', 'TXT', { tcp: true });
    assert.equal(tcp.header.tc, false);
    assert.equal(tcp.answer.length, 40);
    // 40 × ~60 octets is over 1232 too, so EDNS at 1232 is also truncated; at 4096 we still cap at 1232.
    const edns = await query(port, 'big.example.com.', 'TXT', { edns: { udpSize: 4096 } });
    assert.equal(edns.header.tc, true);
    const raw = await udpExchange(
      port,
      encodeQuery({ id: 7, name: 'big.example.com.', type: RRType.TXT, edns: { udpSize: 4096 } }),
    );
    assert.ok(raw !== undefined && raw.length <= 1232, `UDP response of ${raw?.length} octets exceeds 1232`);
    // dig retries over TCP on TC and shows the whole answer.
    const viaDig = await dig(port, 'big.example.com', 'TXT', '+noedns');
    assert.equal(viaDig.answer.length, 40);
  });

  test('listens on IPv6 too', async (t) => {
    const { startServer: start } = await import('../helpers/server.ts');
    const { port } = await start(t, `listen: ["127.0.0.1", "::1"]\n${EXAMPLE_ZONE}`);
    const out = await kdig(port, 'example.com', 'AAAA').catch(() => '');
    assert.match(out, /2001:db8::1/);
    const { execFile } = await import('node:child_process');
    const v6 = await new Promise<string>((resolve) =>
      execFile(
        'dig',
        ['@::1', '-p', String(port), 'example.com', 'AAAA', '+short', '+time=2', '+tries=1'],
        (_e, so) => resolve(so),
      ),
    );
    assert.equal(v6.trim(), '2001:db8::1');
    const v6tcp = await new Promise<string>((resolve) =>
      execFile(
        'dig',
        ['@::1', '-p', String(port), 'example.com', 'A', '+short', '+tcp', '+time=2', '+tries=1'],
        (_e, so) => resolve(so),
      ),
    );
    assert.deepEqual(v6tcp.trim().split('\n').sort(), ['192.0.2.1', '192.0.2.2']);
  });
});

describe('admission rules (behavior.md §3)', async () => {
  const cases: {
    what: string;
    bytes: number[];
    rcode?: number;
    drop?: true;
    question?: boolean;
    opt?: boolean;
  }[] = [
    { what: 'fewer than 12 octets', bytes: [0x12, 0x34, 1, 0], drop: true },
    { what: 'a response (QR=1)', bytes: [...header(1, 0x8000), ...EXAMPLE_COM, ...Q_A_IN], drop: true },
    {
      what: 'opcode NOTIFY',
      bytes: [...header(2, Opcode.NOTIFY << 11), ...EXAMPLE_COM, ...Q_A_IN],
      rcode: Rcode.NOTIMP,
      question: true,
    },
    {
      what: 'opcode UPDATE',
      bytes: [...header(3, Opcode.UPDATE << 11), ...EXAMPLE_COM, ...Q_A_IN],
      rcode: Rcode.NOTIMP,
      question: true,
    },
    { what: 'opcode 15', bytes: [...header(3, 15 << 11), ...EXAMPLE_COM, ...Q_A_IN], rcode: Rcode.NOTIMP },
    { what: 'QDCOUNT 0', bytes: header(4, 0, 0), rcode: Rcode.FORMERR, question: false },
    {
      what: 'QDCOUNT 2',
      bytes: [...header(5, 0, 2), ...EXAMPLE_COM, ...Q_A_IN, ...EXAMPLE_COM, ...Q_A_IN],
      rcode: Rcode.FORMERR,
      question: false,
    },
    {
      what: 'a truncated question',
      bytes: [...header(6, 0), 7, ...Buffer.from('exam')],
      rcode: Rcode.FORMERR,
      question: false,
    },
    {
      what: 'a question without type and class',
      bytes: [...header(7, 0), ...EXAMPLE_COM],
      rcode: Rcode.FORMERR,
      question: false,
    },
    {
      what: 'a name pointer to itself',
      bytes: [...header(8, 0), 0xc0, 12, ...Q_A_IN],
      rcode: Rcode.FORMERR,
      question: false,
    },
    {
      what: 'a label longer than 63',
      bytes: [...header(9, 0), 64, ...Array(64).fill(0x61), 0, ...Q_A_IN],
      rcode: Rcode.FORMERR,
    },
    {
      what: 'class CH',
      bytes: [...header(10, 0), ...EXAMPLE_COM, 0, 1, 0, 3],
      rcode: Rcode.REFUSED,
      question: true,
    },
    {
      what: 'EDNS version 1',
      bytes: [
        ...header(11, 0, 1, 0, 0, 1),
        ...EXAMPLE_COM,
        ...Q_A_IN,
        0,
        0,
        41,
        0x04,
        0xd0,
        0,
        1,
        0,
        0,
        0,
        0,
      ],
      rcode: Rcode.BADVERS,
      opt: true,
      question: true,
    },
    {
      what: 'two OPT records',
      bytes: [
        ...header(12, 0, 1, 0, 0, 2),
        ...EXAMPLE_COM,
        ...Q_A_IN,
        ...[0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 0],
        ...[0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 0],
      ],
      rcode: Rcode.FORMERR,
      question: true,
    },
    {
      what: 'trailing octets after the question (Knot: FORMERR too)',
      bytes: [...header(14, 0), ...EXAMPLE_COM, ...Q_A_IN, 9, 9, 9],
      rcode: Rcode.FORMERR,
      question: true,
    },
    {
      what: 'AXFR (transfers are not offered)',
      bytes: [...header(15, 0), ...EXAMPLE_COM, 0, 252, 0, 1],
      rcode: Rcode.NOTIMP,
      question: true,
    },
    {
      what: 'IXFR',
      bytes: [...header(16, 0), ...EXAMPLE_COM, 0, 251, 0, 1],
      rcode: Rcode.NOTIMP,
      question: true,
    },
    {
      what: 'class ANY is answered as IN',
      bytes: [...header(17, 0), ...EXAMPLE_COM, 0, 1, 0, 255],
      rcode: Rcode.NOERROR,
      question: true,
    },
    {
      what: 'an additional count with no record',
      bytes: [...header(13, 0, 1, 0, 0, 1), ...EXAMPLE_COM, ...Q_A_IN],
      rcode: Rcode.FORMERR,
      question: true,
    },
  ];

  test('each malformed or unsupported query gets its rcode, or no reply', async (t) => {
    const { port } = await startServer(t, EXAMPLE_ZONE);
    for (const c of cases) {
      const reply = await udpExchange(port, Uint8Array.from(c.bytes), c.drop ? 300 : 2000);
      if (c.drop) {
        assert.equal(reply, undefined, `${c.what}: expected no reply`);
        continue;
      }
      assert.ok(reply !== undefined, `${c.what}: expected a reply`);
      const h = readHeader(reply);
      assert.ok(h !== undefined);
      assert.equal(h.id, (c.bytes[0]! << 8) | c.bytes[1]!, `${c.what}: id`);
      assert.equal(h.qr, true, `${c.what}: QR`);
      const message = decodeMessage(reply);
      assert.equal(message.rcode, c.rcode, `${c.what}: rcode ${message.rcode}`);
      assert.equal(message.answer.length, c.rcode === Rcode.NOERROR ? 2 : 0, `${c.what}: answer`);
      if (c.question !== undefined)
        assert.equal(message.question.length, c.question ? 1 : 0, `${c.what}: question`);
      if (c.opt) {
        assert.equal(message.edns?.version, 0, `${c.what}: OPT version 0`);
        assert.equal(message.header.rcode, Rcode.BADVERS & 0xf, `${c.what}: header rcode bits`);
      }
    }
  });

  test('the same rules hold over TCP', async (t) => {
    const { port } = await startServer(t, EXAMPLE_ZONE);
    const replies = await tcpExchange(
      port,
      cases.map((c) => Uint8Array.from(c.bytes)),
      cases.filter((c) => !c.drop).length,
    );
    assert.deepEqual(
      replies.map((r) => decodeMessage(r).rcode),
      cases.filter((c) => !c.drop).map((c) => c.rcode),
    );
  });
});

describe('TCP behaviour', async () => {
  test('100 pipelined queries on one connection are all answered with matching IDs', async (t) => {
    const { port } = await startServer(t, EXAMPLE_ZONE);
    const names = ['example.com.', 'www.example.com.', 'nope.example.com.', 'mail.example.com.'];
    const queries = Array.from({ length: 100 }, (_, i) =>
      encodeQuery({ id: 1000 + i, name: names[i % names.length]!, type: RRType.A }),
    );
    const replies = await tcpExchange(port, queries);
    assert.equal(replies.length, 100);
    const ids = replies.map((r) => readHeader(r)!.id).sort((a, b) => a - b);
    assert.deepEqual(
      ids,
      Array.from({ length: 100 }, (_, i) => 1000 + i),
    );
    for (const r of replies) {
      const m = decodeMessage(r);
      const i = m.header.id - 1000;
      assert.equal(m.question[0]?.name, names[i % names.length]);
    }
  });

  test('a stalled TCP client does not delay UDP or TCP queries from others', async (t) => {
    const { port } = await startServer(t, EXAMPLE_ZONE);
    // One client sends half a length prefix and stops; another sends a partial message; a third
    // pipelines queries and never reads its answers.
    const stalled: Socket[] = [];
    for (const bytes of [Buffer.from([0]), Buffer.from([0, 40, 1, 2, 3])]) {
      const s = connect({ host: '127.0.0.1', port });
      await once(s, 'connect');
      s.write(bytes);
      stalled.push(s);
    }
    const nonReader = connect({ host: '127.0.0.1', port });
    await once(nonReader, 'connect');
    nonReader.pause();
    const q = encodeQuery({ id: 1, name: 'big.example.com.', type: RRType.TXT });
    const framed = Buffer.alloc(q.length + 2);
    framed.writeUInt16BE(q.length);
    framed.set(q, 2);
    for (let i = 0; i < 200; i++) nonReader.write(framed);
    stalled.push(nonReader);
    t.after(() => {
      for (const s of stalled) s.destroy();
    });
    const udp = await query(port, 'example.com.', 'A');
    assert.equal(udp.answer.length, 2);
    const tcp = await query(port, 'example.com.', 'A', { tcp: true });
    assert.equal(tcp.answer.length, 2);
    const viaDig = await dig(port, 'example.com', 'NS', '+tcp');
    assert.equal(viaDig.answer.length, 2);
  });

  test('an idle connection is closed after tcp.idle_timeout', async (t) => {
    const { port } = await startServer(t, `tcp: { idle_timeout: 200ms }\n${EXAMPLE_ZONE}`);
    const s = connect({ host: '127.0.0.1', port });
    await once(s, 'connect');
    s.write(Buffer.from([0])); // half a length prefix, then silence
    await once(s, 'close');
    assert.ok(s.destroyed);
  });

  test('connections beyond tcp.max_connections are closed at once; the others are served', async (t) => {
    const { port } = await startServer(t, `tcp: { max_connections: 2 }\n${EXAMPLE_ZONE}`);
    const held: Socket[] = [];
    for (let i = 0; i < 2; i++) {
      const s = connect({ host: '127.0.0.1', port });
      await once(s, 'connect');
      held.push(s);
    }
    t.after(() => {
      for (const s of held) s.destroy();
    });
    const extra = await tcpExchange(
      port,
      [encodeQuery({ id: 9, name: 'example.com.', type: RRType.A })],
      1,
      2000,
    );
    assert.equal(extra.length, 0, 'the third connection got no answer');
    held.pop()?.destroy();
    await new Promise((r) => setTimeout(r, 50));
    const after = await tcpExchange(port, [encodeQuery({ id: 10, name: 'example.com.', type: RRType.A })]);
    assert.equal(after.length, 1);
  });

  test('a connection is closed after tcp.max_queries_per_connection answers', async (t) => {
    const { port } = await startServer(t, `tcp: { max_queries_per_connection: 3 }\n${EXAMPLE_ZONE}`);
    const queries = Array.from({ length: 5 }, (_, i) =>
      encodeQuery({ id: i, name: 'example.com.', type: RRType.A }),
    );
    const replies = await tcpExchange(port, queries, 5, 2000);
    assert.equal(replies.length, 3);
  });
});

describe('query log', async () => {
  test('query_log writes one JSON line per query with name, type, client, rcode and duration', async (t) => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    const { port } = await startServer(t, `query_log: true\n${EXAMPLE_ZONE}`, pino({ level: 'info' }, sink));
    await query(port, 'WWW.example.com.', 'CNAME');
    await query(port, 'nope.example.com.', 'A', { tcp: true });
    const queries = lines.filter((l) => l.msg === 'query');
    assert.equal(queries.length, 2);
    assert.equal(queries[0]?.qname, 'WWW.example.com.');
    assert.equal(queries[0]?.qtype, 'CNAME');
    assert.equal(queries[0]?.rcode, Rcode.NOERROR);
    assert.equal(queries[0]?.client, '127.0.0.1');
    assert.equal(queries[0]?.transport, 'udp');
    assert.equal(typeof queries[0]?.ms, 'number');
    assert.equal(queries[1]?.rcode, Rcode.NXDOMAIN);
    assert.equal(queries[1]?.transport, 'tcp');
  });

  test('without query_log nothing is logged per query', async (t) => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const { port } = await startServer(t, EXAMPLE_ZONE, pino({ level: 'trace' }, sink));
    await query(port, 'example.com.', 'A');
    assert.equal(lines.filter((l) => l.includes('"msg":"query"')).length, 0);
  });
});

describe('robustness', async () => {
  test('1,000 malformed or random packets, after which the server still answers', async (t) => {
    const { port } = await startServer(t, EXAMPLE_ZONE);
    let seed = 0x2545f491;
    const random = () => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 0x100000000;
    };
    const valid = encodeQuery({ id: 77, name: 'www.example.com.', type: RRType.A, edns: { udpSize: 1232 } });
    const socket = createSocket('udp4');
    t.after(() => socket.close());
    let replies = 0;
    socket.on('message', () => {
      replies += 1;
    });
    for (let i = 0; i < 1000; i++) {
      let packet: Uint8Array;
      if (i % 2 === 0) {
        packet = Uint8Array.from({ length: Math.floor(random() * 300) }, () => Math.floor(random() * 256));
      } else {
        packet = Uint8Array.from(valid);
        for (let k = 0; k < 1 + Math.floor(random() * 6); k++) {
          packet[Math.floor(random() * packet.length)] = Math.floor(random() * 256);
        }
        if (random() < 0.3) packet = packet.subarray(0, Math.floor(random() * packet.length));
      }
      socket.send(packet, port, '127.0.0.1');
      if (i % 100 === 99) await new Promise((r) => setImmediate(r));
    }
    // The same flood over TCP, on one connection.
    const tcpFlood = Array.from({ length: 100 }, () =>
      Uint8Array.from({ length: 12 + Math.floor(random() * 100) }, () => Math.floor(random() * 256)),
    );
    await tcpExchange(port, tcpFlood, 100, 1000).catch(() => []);
    const after = await query(port, 'example.com.', 'A');
    assert.equal(after.rcode, Rcode.NOERROR);
    assert.equal(after.answer.length, 2);
    const afterTcp = await query(port, 'example.com.', 'A', { tcp: true });
    assert.equal(afterTcp.answer.length, 2);
    assert.ok(replies > 0, 'some malformed packets with a readable header got FORMERR or an answer');
  });
});
