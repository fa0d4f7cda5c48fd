// The fast path: hand-parsed queries, cached encoded answers patched per query, and exact
// invalidation. The rule under test: fast and full paths give the same octets.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RRType } from '../dns/constants.ts';
import { encodeQuery } from '../dns/message.ts';
import { silentLogger } from '../log.ts';
import type { Client, Transport } from '../resolve/answer.ts';
import { invalidationKeys } from '../resolve/dependencies.ts';
import { createResolver } from '../resolve/resolve.ts';
import { Store } from '../store/store.ts';
import { fastKey, fastParse, sameKey } from './fast-path.ts';
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

  test('two keys with one hash share a slot: each query still gets its own answer', () => {
    const store = zone();
    // Found by search: these two names hash alike (fastParse is deterministic).
    store.create({ name: 'h178724.example.com.', type: 'A', value: ['192.0.2.101'] });
    store.create({ name: 'h588200.example.com.', type: 'A', value: ['192.0.2.102'] });
    const { fast, slow, cache } = handlers(store);
    const a = encodeQuery({ id: 1, name: 'h178724.example.com.', type: RRType.A });
    const b = encodeQuery({ id: 2, name: 'H588200.example.com.', type: RRType.A });
    assert.equal(fastParse(a, 'udp')?.hash, fastParse(b, 'udp')?.hash, 'the two names collide');
    for (let i = 0; i < 3; i++) {
      for (const query of [a, b, b, a]) assert.deepEqual(run(fast, query, UDP), run(slow, query, UDP));
    }
    assert.equal(cache.size, 1, 'the later key replaced the earlier one');
  });
});

describe('fastParse', () => {
  const q = (opts: Partial<Parameters<typeof encodeQuery>[0]> = {}) =>
    encodeQuery({ id: 1, name: 'Www.Example.com.', type: RRType.A, ...opts });

  test('plain queries: the key is the lower-cased question, then the size limit and EDNS/DO', () => {
    const keyOf = (bytes: Uint8Array, transport: Transport) => {
      const fast = fastParse(bytes, transport);
      assert.ok(fast);
      return { fast, key: fastKey(bytes, fast) };
    };
    const question = [...encodeQuery({ id: 1, name: 'www.example.com.', type: RRType.A }).subarray(12)];
    const plain = keyOf(q(), 'udp');
    assert.equal(plain.fast.nameEnd, 12 + 17);
    assert.deepEqual([...plain.key], [...question, 512 >> 8, 512 & 0xff, 0]);
    assert.deepEqual(
      [...keyOf(q({ edns: { udpSize: 4096 } }), 'udp').key],
      [...question, 1232 >> 8, 1232 & 0xff, 1],
    );
    assert.deepEqual([...keyOf(q({ edns: { udpSize: 100, do: true } }), 'udp').key], [...question, 2, 0, 2]);
    assert.deepEqual([...keyOf(q({ edns: { udpSize: 900 } }), 'tcp').key], [...question, 0, 0, 1]);
  });

  test('one hash and one key for every letter case; sameKey tells the others apart', () => {
    const lower = encodeQuery({ id: 2, name: 'www.example.com.', type: RRType.A });
    const base = fastParse(lower, 'udp');
    assert.ok(base);
    const key = fastKey(lower, base);
    for (const name of ['WWW.EXAMPLE.COM.', 'Www.Example.com.', 'wWw.exAMPle.cOm.']) {
      const asked = encodeQuery({ id: 3, name, type: RRType.A, rd: false });
      const fast = fastParse(asked, 'udp');
      assert.ok(fast);
      assert.equal(fast.hash, base.hash, name);
      assert.ok(sameKey(key, asked, fast), name);
    }
    const others: [string, Uint8Array, Transport][] = [
      ['another name', encodeQuery({ id: 1, name: 'wwx.example.com.', type: RRType.A }), 'udp'],
      ['a longer name', encodeQuery({ id: 1, name: 'www.example.com.x.', type: RRType.A }), 'udp'],
      ['another type', encodeQuery({ id: 1, name: 'www.example.com.', type: RRType.AAAA }), 'udp'],
      ['another class', encodeQuery({ id: 1, name: 'www.example.com.', type: RRType.A, class: 3 }), 'udp'],
      ['TCP', lower, 'tcp'],
      [
        'EDNS',
        encodeQuery({ id: 1, name: 'www.example.com.', type: RRType.A, edns: { udpSize: 512 } }),
        'udp',
      ],
      [
        'DO',
        encodeQuery({ id: 1, name: 'www.example.com.', type: RRType.A, edns: { udpSize: 512, do: true } }),
        'udp',
      ],
      [
        'a larger size',
        encodeQuery({ id: 1, name: 'www.example.com.', type: RRType.A, edns: { udpSize: 600 } }),
        'udp',
      ],
    ];
    for (const [what, bytes, transport] of others) {
      const fast = fastParse(bytes, transport);
      assert.ok(fast, what);
      assert.ok(!sameKey(key, bytes, fast), what);
      assert.notEqual(fast.hash, base.hash, what);
    }
    // Types 65 and 97 differ in one bit, as 'A' and 'a' do: only the qname is case-folded.
    const type65 = encodeQuery({ id: 1, name: 'www.example.com.', type: 65 });
    const type97 = encodeQuery({ id: 1, name: 'www.example.com.', type: 97 });
    const fast65 = fastParse(type65, 'udp');
    const fast97 = fastParse(type97, 'udp');
    assert.ok(fast65 && fast97);
    assert.notEqual(fast65.hash, fast97.hash);
    assert.ok(!sameKey(fastKey(type65, fast65), type97, fast97));
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
