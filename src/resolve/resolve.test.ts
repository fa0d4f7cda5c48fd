// The answer pipeline on local data, as a table: each case names the rule it checks.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Rcode, RRClass, RRType } from '../dns/constants.ts';
import type { RRsetOut } from '../dns/message.ts';
import type { Name } from '../dns/name.ts';
import { Store } from '../store/store.ts';
import type { Query } from './answer.ts';
import { answerLocally, createResolver, type ResolveOptions } from './resolve.ts';

const SOA = 'ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300';
const store = new Store({ defaultTtl: 300 });
store.hotReload([
  { name: 'example.com.', type: 'SOA', ttl: 3600, value: [SOA] },
  { name: 'example.com.', type: 'NS', value: ['ns1.example.com.'] },
  { name: 'example.com.', type: 'MX', value: ['10 mail.example.com.', '20 mail.other.test.'] },
  { name: 'ns1.example.com.', type: 'A', value: ['192.0.2.53'] },
  { name: 'mail.example.com.', type: 'A', value: ['192.0.2.25'] },
  { name: 'mail.example.com.', type: 'AAAA', value: ['2001:db8::25'] },
  { name: 'c1.example.com.', type: 'CNAME', value: ['c2.example.com.'] },
  { name: 'c2.example.com.', type: 'CNAME', value: ['c3.example.com.'] },
  { name: 'c3.example.com.', type: 'A', value: ['192.0.2.3'] },
  { name: 'loop1.example.com.', type: 'CNAME', value: ['loop2.example.com.'] },
  { name: 'loop2.example.com.', type: 'CNAME', value: ['loop1.example.com.'] },
  { name: 'missing.example.com.', type: 'CNAME', value: ['nothere.example.com.'] },
  { name: 'out.example.com.', type: 'CNAME', value: ['www.example.org.'] },
  { name: 'other.example.com.', type: 'CNAME', value: ['host.other.test.'] },
  { name: 'tolocal.example.com.', type: 'CNAME', value: ['host.local.'] },
  { name: '*.wild.example.com.', type: 'A', value: ['192.0.2.100'] },
  { name: 'exists.wild.example.com.', type: 'TXT', value: ['here'] },
  { name: 'a.ent.wild.example.com.', type: 'A', value: ['192.0.2.102'] },
  { name: '*.wc.example.com.', type: 'CNAME', value: ['c3.example.com.'] },
  { name: 'sub.example.com.', type: 'NS', value: ['ns.sub.example.com.'] },
  { name: 'ns.sub.example.com.', type: 'A', value: ['192.0.2.200'] },
  { name: 'todeleg.example.com.', type: 'CNAME', value: ['x.sub.example.com.'] },
  { name: 'child.example.com.', type: 'SOA', value: [SOA] },
  { name: 'child.example.com.', type: 'NS', value: ['ns1.example.com.'] },
  { name: 'www.child.example.com.', type: 'A', value: ['192.0.2.7'] },
  { name: 'other.test.', type: 'SOA', value: ['ns1.other.test. h.other.test. 1 2 3 4 60'] },
  { name: 'host.other.test.', type: 'A', value: ['192.0.2.99'] },
  { name: 'host.local.', type: 'A', value: ['10.0.0.1'] },
]);

const DEFAULTS: ResolveOptions = { returnSoaOnNxdomain: true, resolveCnameChain: true, maxCnameDepth: 10 };

function ask(
  name: string,
  type: keyof typeof RRType,
  options: Partial<ResolveOptions> = {},
  cls: number = RRClass.IN,
) {
  const q: Query = {
    id: 1,
    name: name as Name,
    askedName: name,
    type: RRType[type],
    class: cls,
    rd: false,
    cd: false,
    client: { address: '127.0.0.1', port: 1, transport: 'udp' },
  };
  const a = createResolver(store, { ...DEFAULTS, ...options })(q);
  if (a instanceof Promise) throw new Error('local answers must be synchronous');
  return a;
}

const lines = (rrsets: readonly RRsetOut[]) =>
  rrsets.flatMap((r) => r.data.map((d) => `${r.name} ${r.ttl} ${RRType.A === r.type ? 'A' : r.type} ${d}`));
const NEG_SOA = `example.com. 300 6 ${SOA}`;

interface Case {
  rule: string;
  q: [string, keyof typeof RRType];
  options?: Partial<ResolveOptions>;
  rcode: number;
  aa: boolean;
  answer: string[];
  authority?: string[];
  additional?: string[];
}

const CASES: Case[] = [
  {
    rule: 'exact match',
    q: ['c3.example.com.', 'A'],
    rcode: 0,
    aa: true,
    answer: ['c3.example.com. 300 A 192.0.2.3'],
  },
  {
    rule: 'NODATA carries the SOA with min(TTL, MINIMUM)',
    q: ['c3.example.com.', 'MX'],
    rcode: 0,
    aa: true,
    answer: [],
    authority: [NEG_SOA],
  },
  {
    rule: 'NXDOMAIN carries the SOA',
    q: ['nope.example.com.', 'A'],
    rcode: 3,
    aa: true,
    answer: [],
    authority: [NEG_SOA],
  },
  {
    rule: 'return_soa_on_nxdomain: false',
    q: ['nope.example.com.', 'A'],
    options: { returnSoaOnNxdomain: false },
    rcode: 3,
    aa: true,
    answer: [],
    authority: [],
  },
  {
    rule: 'an empty non-terminal is NODATA',
    q: ['ent.wild.example.com.', 'A'],
    rcode: 0,
    aa: true,
    answer: [],
    authority: [NEG_SOA],
  },
  {
    rule: 'wildcard match, owned by the query name',
    q: ['foo.wild.example.com.', 'A'],
    rcode: 0,
    aa: true,
    answer: ['foo.wild.example.com. 300 A 192.0.2.100'],
  },
  {
    rule: 'wildcard matches deeper names',
    q: ['a.b.wild.example.com.', 'A'],
    rcode: 0,
    aa: true,
    answer: ['a.b.wild.example.com. 300 A 192.0.2.100'],
  },
  {
    rule: 'wildcard NODATA',
    q: ['foo.wild.example.com.', 'MX'],
    rcode: 0,
    aa: true,
    answer: [],
    authority: [NEG_SOA],
  },
  {
    rule: 'an existing name blocks the wildcard',
    q: ['exists.wild.example.com.', 'A'],
    rcode: 0,
    aa: true,
    answer: [],
    authority: [NEG_SOA],
  },
  {
    rule: 'an empty non-terminal blocks the wildcard',
    q: ['x.ent.wild.example.com.', 'A'],
    rcode: 3,
    aa: true,
    answer: [],
    authority: [NEG_SOA],
  },
  {
    rule: 'the * name itself',
    q: ['*.wild.example.com.', 'A'],
    rcode: 0,
    aa: true,
    answer: ['*.wild.example.com. 300 A 192.0.2.100'],
  },
  {
    rule: 'wildcard CNAME is synthesised and followed',
    q: ['z.wc.example.com.', 'A'],
    rcode: 0,
    aa: true,
    answer: ['z.wc.example.com. 300 5 c3.example.com.', 'c3.example.com. 300 A 192.0.2.3'],
  },
  {
    rule: 'CNAME chain of 3',
    q: ['c1.example.com.', 'A'],
    rcode: 0,
    aa: true,
    answer: [
      'c1.example.com. 300 5 c2.example.com.',
      'c2.example.com. 300 5 c3.example.com.',
      'c3.example.com. 300 A 192.0.2.3',
    ],
  },
  {
    rule: 'resolve_cname_chain: false',
    q: ['c1.example.com.', 'A'],
    options: { resolveCnameChain: false },
    rcode: 0,
    aa: true,
    answer: ['c1.example.com. 300 5 c2.example.com.'],
  },
  {
    rule: 'max_cname_depth: 2 puts at most two CNAMEs in the answer',
    q: ['c1.example.com.', 'A'],
    options: { maxCnameDepth: 2 },
    rcode: 0,
    aa: true,
    answer: ['c1.example.com. 300 5 c2.example.com.', 'c2.example.com. 300 5 c3.example.com.'],
  },
  {
    rule: 'a CNAME asked as CNAME is not followed',
    q: ['c1.example.com.', 'CNAME'],
    rcode: 0,
    aa: true,
    answer: ['c1.example.com. 300 5 c2.example.com.'],
  },
  {
    rule: 'a loop stops the chase without an error',
    q: ['loop1.example.com.', 'A'],
    rcode: 0,
    aa: true,
    answer: ['loop1.example.com. 300 5 loop2.example.com.', 'loop2.example.com. 300 5 loop1.example.com.'],
  },
  {
    rule: 'a missing target in the zone is NXDOMAIN with the CNAME (RFC 6604)',
    q: ['missing.example.com.', 'A'],
    rcode: 3,
    aa: true,
    answer: ['missing.example.com. 300 5 nothere.example.com.'],
    authority: [NEG_SOA],
  },
  {
    rule: 'a chain into another local zone is followed (behavior.md §2; Knot stops at the zone)',
    q: ['other.example.com.', 'A'],
    rcode: 0,
    aa: true,
    answer: ['other.example.com. 300 5 host.other.test.', 'host.other.test. 300 A 192.0.2.99'],
  },
  {
    rule: 'a chain into zone-less local data is followed',
    q: ['tolocal.example.com.', 'A'],
    rcode: 0,
    aa: true,
    answer: ['tolocal.example.com. 300 5 host.local.', 'host.local. 300 A 10.0.0.1'],
  },
  {
    rule: 'referral at the cut: AA=0, NS in authority, glue in additional',
    q: ['sub.example.com.', 'A'],
    rcode: 0,
    aa: false,
    answer: [],
    authority: ['sub.example.com. 300 2 ns.sub.example.com.'],
    additional: ['ns.sub.example.com. 300 A 192.0.2.200'],
  },
  {
    rule: 'names below the cut are referred, glue included',
    q: ['ns.sub.example.com.', 'A'],
    rcode: 0,
    aa: false,
    answer: [],
    authority: ['sub.example.com. 300 2 ns.sub.example.com.'],
  },
  {
    rule: 'DS at the cut is the parent side: NODATA',
    q: ['sub.example.com.', 'DS'],
    rcode: 0,
    aa: true,
    answer: [],
    authority: [NEG_SOA],
  },
  {
    rule: 'DS at a child apex is answered by the parent',
    q: ['child.example.com.', 'DS'],
    rcode: 0,
    aa: true,
    answer: [],
    authority: [NEG_SOA],
  },
  {
    rule: 'CNAME into a delegation: the CNAME, then the referral, AA kept',
    q: ['todeleg.example.com.', 'A'],
    rcode: 0,
    aa: true,
    answer: ['todeleg.example.com. 300 5 x.sub.example.com.'],
    authority: ['sub.example.com. 300 2 ns.sub.example.com.'],
  },
  {
    rule: 'the closest enclosing zone wins',
    q: ['www.child.example.com.', 'A'],
    rcode: 0,
    aa: true,
    answer: ['www.child.example.com. 300 A 192.0.2.7'],
  },
  {
    rule: 'NXDOMAIN in a child zone has the child SOA',
    q: ['nope.child.example.com.', 'A'],
    rcode: 3,
    aa: true,
    answer: [],
    authority: [`child.example.com. 300 6 ${SOA}`],
  },
  {
    rule: 'MX targets held locally get their A and AAAA',
    q: ['example.com.', 'MX'],
    rcode: 0,
    aa: true,
    answer: ['example.com. 300 15 10 mail.example.com.', 'example.com. 300 15 20 mail.other.test.'],
    additional: ['mail.example.com. 300 A 192.0.2.25', 'mail.example.com. 300 28 2001:db8::25'],
  },
  {
    rule: 'zone-less local data is answered with AA',
    q: ['host.local.', 'A'],
    rcode: 0,
    aa: true,
    answer: ['host.local. 300 A 10.0.0.1'],
  },
  {
    rule: 'zone-less name, other type: NODATA without SOA',
    q: ['host.local.', 'AAAA'],
    rcode: 0,
    aa: true,
    answer: [],
    authority: [],
  },
  {
    rule: 'outside every zone: REFUSED',
    q: ['example.org.', 'A'],
    rcode: Rcode.REFUSED,
    aa: false,
    answer: [],
  },
  {
    rule: 'below zone-less data: REFUSED',
    q: ['x.host.local.', 'A'],
    rcode: Rcode.REFUSED,
    aa: false,
    answer: [],
  },
  { rule: 'AXFR is not offered', q: ['example.com.', 'AXFR'], rcode: Rcode.NOTIMP, aa: false, answer: [] },
];

describe('resolve', () => {
  for (const c of CASES) {
    test(c.rule, () => {
      const a = ask(c.q[0], c.q[1], c.options);
      assert.equal(a.rcode, c.rcode, 'rcode');
      assert.equal(a.aa, c.aa, 'AA');
      assert.deepEqual(lines(a.answer), c.answer, 'answer');
      if (c.authority) assert.deepEqual(lines(a.authority), c.authority, 'authority');
      if (c.additional) assert.deepEqual(lines(a.additional), c.additional, 'additional');
    });
  }

  test('ANY returns every RRset at the name', () => {
    const a = ask('example.com.', 'ANY');
    assert.deepEqual(
      a.answer.map((r) => r.type),
      [RRType.NS, RRType.SOA, RRType.MX],
    );
  });

  test('class CH is REFUSED; class ANY is answered as IN', () => {
    assert.equal(ask('c3.example.com.', 'A', {}, RRClass.CH).rcode, Rcode.REFUSED);
    assert.equal(ask('c3.example.com.', 'A', {}, RRClass.ANY).answer.length, 1);
  });

  test('a chain that leaves local data is marked for the forwarder, with the partial chain', () => {
    const q: Query = {
      id: 1,
      name: 'out.example.com.' as Name,
      askedName: 'out.example.com.',
      type: RRType.A,
      class: RRClass.IN,
      rd: true,
      cd: false,
      client: { address: '127.0.0.1', port: 1, transport: 'udp' },
    };
    const r = answerLocally(store, q, DEFAULTS);
    assert.equal(r.kind, 'chain-left-local-data');
    if (r.kind !== 'chain-left-local-data') return;
    assert.equal(r.target, 'www.example.org.');
    assert.deepEqual(lines(r.answer.answer), ['out.example.com. 300 5 www.example.org.']);
    assert.equal(
      ask('out.example.com.', 'A').rcode,
      Rcode.NOERROR,
      'without forwarding the partial chain is the answer',
    );
  });

  test('answers never share arrays with the store', () => {
    const a = ask('c3.example.com.', 'A');
    assert.ok(Object.isFrozen(store.getRRset('c3.example.com.' as Name, 'A')));
    assert.notEqual(a.answer, ask('c3.example.com.', 'A').answer);
  });
});
