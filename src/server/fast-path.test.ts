// The fast path: hand-parsed queries, cached encoded answers patched per query, and exact
// invalidation. The rule under test: fast and full paths give the same octets.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RRType } from '../dns/constants.ts';
import { encodeQuery } from '../dns/message.ts';
import { silentLogger } from '../log.ts';
import type { Client } from '../resolve/answer.ts';
import { invalidationKeys } from '../resolve/dependencies.ts';
import { createResolver } from '../resolve/resolve.ts';
import { Store } from '../store/store.ts';
import { fastParse } from './fast-path.ts';
import { createHandler, type Handler } from './handle.ts';
import { ResponseCache } from './response-cache.ts';

const SOA = 'ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300';
function zone(): Store {
  const store = new Store({ defaultTtl: 300 });
  store.hotReload([
    { name: 'example.com.', type: 'SOA', value: [SOA] },
    { name: 'example.com.', type: 'NS', value: ['ns1.example.com.'] },
    { name: 'example.com.', type: 'MX', value: ['10 mail.example.com.'] },
    { name: 'example.com.', type: 'A', value: ['192.0.2.1', '192.0.2.2'] },
    { name: 'ns1.example.com.', type: 'A', value: ['192.0.2.53'] },
    { name: 'mail.example.com.', type: 'A', value: ['192.0.2.25'] },
    { name: 'www.example.com.', type: 'CNAME', value: ['example.com.'] },
    { name: 'c1.example.com.', type: 'CNAME', value: ['c2.example.com.'] },
    { name: 'c2.example.com.', type: 'A', value: ['192.0.2.3'] },
    { name: '*.wild.example.com.', type: 'TXT', value: ['wild'] },
    { name: 'sub.example.com.', type: 'NS', value: ['ns.sub.example.com.'] },
    { name: 'ns.sub.example.com.', type: 'A', value: ['192.0.2.200'] },
    {
      name: 'big.example.com.',
      type: 'TXT',
      value: Array.from({ length: 30 }, (_, i) => `${i} ${'x'.repeat(50)}`),
    },
    { name: 'a.b.example.com.', type: 'A', value: ['192.0.2.9'] },
    { name: 'host.local.', type: 'A', value: ['10.0.0.1'] },
  ]);
  return store;
}

function handlers(store: Store): { fast: Handler; slow: Handler; cache: ResponseCache } {
  const resolve = createResolver(store, {
    returnSoaOnNxdomain: true,
    resolveCnameChain: true,
    maxCnameDepth: 10,
  });
  const cache = new ResponseCache(1000);
  store.onChange((c) => cache.invalidate(invalidationKeys(c)));
  return {
    fast: createHandler({ resolve, log: silentLogger(), cache }),
    slow: createHandler({ resolve, log: silentLogger() }),
    cache,
  };
}

const UDP: Client = { address: '127.0.0.1', port: 5300, transport: 'udp' };
const TCP: Client = { address: '127.0.0.1', port: 5300, transport: 'tcp' };

const NAMES = [
  'example.com.',
  'EXAMPLE.com.',
  'www.Example.COM.',
  'c1.example.com.',
  'nope.example.com.',
  'b.example.com.',
  'x.wild.example.com.',
  'A.B.Wild.example.com.',
  'sub.example.com.',
  'deep.sub.example.com.',
  'big.example.com.',
  'host.local.',
  'example.org.',
];
const TYPES = [
  RRType.A,
  RRType.AAAA,
  RRType.MX,
  RRType.TXT,
  RRType.NS,
  RRType.SOA,
  RRType.CNAME,
  RRType.ANY,
  RRType.DS,
];

function run(h: Handler, bytes: Uint8Array, client: Client): Uint8Array {
  const out = h(bytes, client);
  assert.ok(!(out instanceof Promise) && out !== undefined);
  return Uint8Array.from(out);
}

describe('fast path', () => {
  test('gives the same octets as the full pipeline, for every shape of query, on a hit', () => {
    const { fast, slow, cache } = handlers(zone());
    let id = 1;
    let hits = 0;
    for (const name of NAMES) {
      for (const type of TYPES) {
        for (const [client, edns] of [
          [UDP, undefined],
          [UDP, { udpSize: 1232 }],
          [UDP, { udpSize: 600, do: true }],
          [TCP, undefined],
          [TCP, { udpSize: 4096 }],
        ] as const) {
          const warm = encodeQuery({ id: id++, name: name.toLowerCase(), type, ...(edns ? { edns } : {}) });
          run(fast, warm, client); // fills the cache
          const asked = encodeQuery({
            id: id++,
            name,
            type,
            rd: id % 2 === 0,
            cd: id % 3 === 0,
            ...(edns ? { edns } : {}),
          });
          const before = cache.size;
          const viaCache = run(fast, asked, client);
          assert.equal(cache.size, before, 'a hit adds nothing');
          hits += 1;
          assert.deepEqual(
            viaCache,
            run(slow, asked, client),
            `${name} ${type} ${client.transport} ${JSON.stringify(edns)}`,
          );
        }
      }
    }
    assert.ok(hits > 500);
  });

  test('invalidation is exact: a change to one name drops only the answers that read it', () => {
    const store = zone();
    const { fast, slow, cache } = handlers(store);
    const ask = (name: string, type: number) => run(fast, encodeQuery({ id: 7, name, type }), UDP);
    for (const name of NAMES) for (const type of [RRType.A, RRType.MX, RRType.TXT]) ask(name, type);
    const full = cache.size;

    store.update({ name: 'c2.example.com.', type: 'A', value: ['192.0.2.33'] });
    // c2 is not asked directly; c1's A, MX and TXT answers all followed the CNAME to c2.
    assert.equal(cache.size, full - 3);
    assert.deepEqual(
      ask('c1.example.com.', RRType.A),
      run(slow, encodeQuery({ id: 7, name: 'c1.example.com.', type: RRType.A }), UDP),
    );

    store.update({ name: 'mail.example.com.', type: 'A', value: ['192.0.2.26'] });
    assert.equal(cache.size, full - 4, 'the MX answer (mail A in additional) only');

    // The SOA's content changes negative answers only; positive answers stay cached.
    const negatives = ['nope.example.com.', 'b.example.com.'].length * 3 + 5; // NXDOMAIN/NODATA answers in the zone
    const beforeSoa = cache.size;
    store.update({ name: 'example.com.', type: 'SOA', value: [SOA.replace(' 1 ', ' 2 ')] });
    const dropped = beforeSoa - cache.size;
    assert.ok(dropped > 0 && dropped <= negatives + 6, `SOA update dropped ${dropped}`);
    assert.ok(cache.size > 0);
  });

  test('a new name replaces the cached NXDOMAIN; a new SOA moves names into a new zone', () => {
    const store = zone();
    const { fast } = handlers(store);
    const ask = (name: string, type: number) => {
      const out = run(fast, encodeQuery({ id: 9, name, type }), UDP);
      return {
        rcode: (out[3] as number) & 0x0f,
        ancount: ((out[6] as number) << 8) | (out[7] as number),
        aa: ((out[2] as number) & 4) !== 0,
      };
    };
    assert.equal(ask('new.example.com.', RRType.A).rcode, 3);
    store.create({ name: 'new.example.com.', type: 'A', value: ['192.0.2.77'] });
    assert.deepEqual(ask('new.example.com.', RRType.A), { rcode: 0, ancount: 1, aa: true });
    // An empty non-terminal appears above a new deep name: NXDOMAIN becomes NODATA.
    assert.equal(ask('q.example.com.', RRType.A).rcode, 3);
    store.create({ name: 'x.y.q.example.com.', type: 'A', value: ['192.0.2.78'] });
    assert.deepEqual(ask('q.example.com.', RRType.A), { rcode: 0, ancount: 0, aa: true });
    // Outside every zone: REFUSED until a zone is created there.
    assert.equal(ask('www.example.org.', RRType.A).rcode, 5);
    store.create({ name: 'example.org.', type: 'SOA', value: [SOA] });
    assert.equal(ask('www.example.org.', RRType.A).rcode, 3);
    // A new delegation turns an answer into a referral.
    assert.equal(ask('a.b.example.com.', RRType.A).aa, true);
    store.create({ name: 'b.example.com.', type: 'NS', value: ['ns1.example.com.'] });
    assert.deepEqual(ask('a.b.example.com.', RRType.A), { rcode: 0, ancount: 0, aa: false });
  });
});

describe('fastParse', () => {
  const q = (opts: Partial<Parameters<typeof encodeQuery>[0]> = {}) =>
    encodeQuery({ id: 1, name: 'Www.Example.com.', type: RRType.A, ...opts });

  test('plain queries give a lower-case key with type, class, size class and EDNS/DO', () => {
    assert.equal(fastParse(q(), 'udp')?.key, 'www.example.com. 1 1 512-');
    assert.equal(fastParse(q({ edns: { udpSize: 4096 } }), 'udp')?.key, 'www.example.com. 1 1 1232E');
    assert.equal(fastParse(q({ edns: { udpSize: 100, do: true } }), 'udp')?.key, 'www.example.com. 1 1 512D');
    assert.equal(fastParse(q({ edns: { udpSize: 900 } }), 'tcp')?.key, 'www.example.com. 1 1 0E');
    assert.equal(fastParse(q(), 'udp')?.nameEnd, 12 + 17);
  });

  const unusual: [string, (b: Uint8Array) => Uint8Array][] = [
    ['a response', (b) => b.map((v, i) => (i === 2 ? v | 0x80 : v))],
    ['opcode NOTIFY', (b) => b.map((v, i) => (i === 2 ? v | 0x20 : v))],
    ['QDCOUNT 2', (b) => b.map((v, i) => (i === 5 ? 2 : v))],
    ['ANCOUNT 1', (b) => b.map((v, i) => (i === 7 ? 1 : v))],
    ['trailing octets', (b) => Uint8Array.from([...b, 0])],
    ['a truncated question', (b) => b.subarray(0, b.length - 1)],
    ['a compressed qname', () => Uint8Array.from([0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1])],
    [
      'a dot inside a label',
      () => Uint8Array.from([0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 0x61, 0x2e, 0x62, 0, 0, 1, 0, 1]),
    ],
    [
      'a non-ASCII label',
      () => Uint8Array.from([0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0xc3, 0, 0, 1, 0, 1]),
    ],
  ];
  for (const [what, make] of unusual) {
    test(`${what} takes the full path`, () => assert.equal(fastParse(make(q()), 'udp'), undefined));
  }

  test('EDNS version 1, or options, take the full path', () => {
    const v1 = Uint8Array.from(q({ edns: { udpSize: 1232 } }));
    v1[v1.length - 5] = 1;
    assert.equal(fastParse(v1, 'udp'), undefined);
    const withOption = Uint8Array.from([...q({ edns: { udpSize: 1232 } })]);
    withOption[withOption.length - 1] = 4;
    assert.equal(fastParse(Uint8Array.from([...withOption, 0, 10, 0, 0]), 'udp'), undefined);
  });
});
