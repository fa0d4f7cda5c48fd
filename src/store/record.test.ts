import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Name } from '../dns/name.ts';
import {
  compareNames,
  compareRRsets,
  RecordError,
  type RecordErrorCode,
  type RecordInput,
  type RRset,
  recordKey,
  sameRRset,
  sortRRsets,
  validateKey,
  validateRecord,
} from './record.ts';

const TTL = 300;

function rejects(input: RecordInput, code: RecordErrorCode, message?: RegExp): void {
  assert.throws(
    () => validateRecord(input, TTL),
    (err: unknown) => {
      assert.ok(err instanceof RecordError, `expected RecordError, got ${String(err)}`);
      assert.equal(err.name, 'RecordError');
      assert.equal(err.code, code, err.message);
      if (message !== undefined) assert.match(err.message, message);
      return true;
    },
  );
}

const a = (name: string, ...value: string[]): RecordInput => ({ name, type: 'A', value });

test('names: case and trailing dot are normalised', () => {
  assert.equal(validateRecord(a('WWW.Example.COM', '192.0.2.1'), TTL).name, 'www.example.com.');
  assert.equal(validateRecord(a('www.example.com.', '192.0.2.1'), TTL).name, 'www.example.com.');
  assert.equal(validateRecord(a('*.Example.com', '192.0.2.1'), TTL).name, '*.example.com.');
  assert.equal(
    validateRecord(a('_acme-challenge.example.com', '192.0.2.1'), TTL).name,
    '_acme-challenge.example.com.',
  );
});

const badNames: [string, string][] = [
  ['empty name', ''],
  ['empty label', 'www..example.com'],
  ['leading dot', '.example.com'],
  ['label of 64 octets', `${'a'.repeat(64)}.example.com`],
  ['name over 255 octets', `${`${'a'.repeat(63)}.`.repeat(4)}`],
  ['a space', 'www example.com'],
  ['a bang', 'w!w.example.com'],
  ['a non-ASCII letter', 'ümlaut.example.com'],
  ['an escaped dot', 'a\\.b.example.com'],
  ['* not left-most', 'www.*.example.com'],
  ['* inside a label', 'a*.example.com'],
  ['two wildcard labels', '*.*.example.com'],
];
for (const [what, name] of badNames) {
  test(`names: ${what} is INVALID_NAME`, () => rejects(a(name, '192.0.2.1'), 'INVALID_NAME', /invalid name/));
}

test('names: a label of 63 octets and a name of 255 octets are fine', () => {
  validateRecord(a(`${'a'.repeat(63)}.example.com`, '192.0.2.1'), TTL);
  // 3 × (1 + 63) + (1 + 61) + root octet = 255
  validateRecord(a(`${`${'a'.repeat(63)}.`.repeat(3)}${'b'.repeat(61)}`, '192.0.2.1'), TTL);
});

test('names: a name that is not a string is INVALID_NAME', () => {
  rejects({ name: 42, type: 'A', value: ['192.0.2.1'] } as unknown as RecordInput, 'INVALID_NAME');
});

test('types: any letter case is accepted and stored upper-case', () => {
  assert.equal(validateRecord({ name: 'x.example.com', type: 'aaaa', value: ['::1'] }, TTL).type, 'AAAA');
  assert.equal(validateRecord({ name: 'x.example.com', type: 'Txt', value: ['hi'] }, TTL).type, 'TXT');
});

test('types: surrounding blanks are trimmed', () => {
  assert.equal(validateRecord({ name: 'x.example.com', type: ' a ', value: ['192.0.2.1'] }, TTL).type, 'A');
});

for (const type of ['', 'ANY', 'HINFO', 'TYPE1', 'DNAME', 'X', 'A A']) {
  test(`types: ${JSON.stringify(type)} is INVALID_RECORD_TYPE`, () => {
    rejects(
      { name: 'x.example.com', type, value: ['192.0.2.1'] },
      'INVALID_RECORD_TYPE',
      /x\.example\.com\./,
    );
  });
}

test('TTL: missing, 0 and null mean the default; 60 and 86400 are the bounds', () => {
  assert.equal(validateRecord(a('x.example.com', '192.0.2.1'), TTL).ttl, TTL);
  assert.equal(validateRecord({ ...a('x.example.com', '192.0.2.1'), ttl: 0 }, TTL).ttl, TTL);
  assert.equal(
    validateRecord({ ...a('x.example.com', '192.0.2.1'), ttl: null } as unknown as RecordInput, 120).ttl,
    120,
  );
  assert.equal(validateRecord({ ...a('x.example.com', '192.0.2.1'), ttl: 60 }, TTL).ttl, 60);
  assert.equal(validateRecord({ ...a('x.example.com', '192.0.2.1'), ttl: 86400 }, TTL).ttl, 86400);
});

for (const ttl of [59, 86401, 1.5, -1, Number.NaN, Number.POSITIVE_INFINITY, '300']) {
  test(`TTL: ${String(ttl)} is INVALID_TTL`, () => {
    rejects(
      { ...a('x.example.com', '192.0.2.1'), ttl } as unknown as RecordInput,
      'INVALID_TTL',
      /A record x\.example\.com\./,
    );
  });
}

const badValues: [string, string][] = [
  ['A', '300.1.1.1'],
  ['A', '192.0.2'],
  ['A', '01.2.3.4'],
  ['A', '::1'],
  ['A', ''],
  ['AAAA', '2001:db8::g'],
  ['AAAA', '2001:db8:::1'],
  ['AAAA', '192.0.2.1'],
  ['AAAA', 'fe80::1%eth0'],
  ['CNAME', ''],
  ['CNAME', 'two names.example.com.'],
  ['CNAME', 'a..example.com.'],
  ['NS', ''],
  ['NS', `${'n'.repeat(64)}.example.com.`],
  ['PTR', 'host example.com.'],
  ['MX', 'mail.example.com.'],
  ['MX', 'ten mail.example.com.'],
  ['MX', '70000 mail.example.com.'],
  ['MX', '10 mail..example.com.'],
  ['TXT', 'x'.repeat(70_000)],
  ['SRV', '10 5 sip.example.com.'],
  ['SRV', '10 5 70000 sip.example.com.'],
  ['SRV', '-1 5 5060 sip.example.com.'],
  ['SOA', 'ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600'],
  ['SOA', 'ns1.example.com. hostmaster.example.com. 4294967296 7200 3600 1209600 300'],
  ['SOA', 'ns1.example.com. hostmaster.example.com. x 7200 3600 1209600 300'],
  ['CAA', '0 issue'],
  ['CAA', '256 issue "letsencrypt.org"'],
  ['CAA', '0 is-sue "letsencrypt.org"'],
  ['CAA', '0 issue "letsencrypt.org'],
];
for (const [type, value] of badValues) {
  test(`values: ${type} ${JSON.stringify(value.slice(0, 50))} is INVALID_VALUE`, () => {
    rejects(
      { name: 'www.example.com', type, value: [value] },
      'INVALID_VALUE',
      new RegExp(`for ${type} record www\\.example\\.com\\.`),
    );
  });
}

test('values: the message names the offending value, the type and the name', () => {
  rejects(
    a('www.example.com', '192.0.2.1', '300.1.1.1'),
    'INVALID_VALUE',
    /^invalid value "300\.1\.1\.1" for A record www\.example\.com\.: /,
  );
});

test('values: a value that is not a string, no value, or no list is INVALID_VALUE', () => {
  rejects(
    { name: 'x.example.com', type: 'TXT', value: [5] } as unknown as RecordInput,
    'INVALID_VALUE',
    /invalid value 5/,
  );
  rejects({ name: 'x.example.com', type: 'A', value: [] }, 'INVALID_VALUE', /at least one value/);
  rejects(
    { name: 'x.example.com', type: 'A', value: '192.0.2.1' } as unknown as RecordInput,
    'INVALID_VALUE',
    /list/,
  );
});

test('values: every type accepts its presentation form and stores the canonical form', () => {
  const cases: [string, string, string][] = [
    ['A', '192.0.2.1', '192.0.2.1'],
    ['AAAA', '2001:0db8:0::1', '2001:db8::1'],
    ['CNAME', 'Target.Example.com', 'target.example.com.'],
    ['NS', 'ns1.example.com.', 'ns1.example.com.'],
    ['PTR', 'host.example.com', 'host.example.com.'],
    ['MX', '10 Mail.Example.com', '10 mail.example.com.'],
    ['TXT', 'v=spf1 -all', 'v=spf1 -all'],
    ['SRV', '10 5 5060 sip.example.com', '10 5 5060 sip.example.com.'],
    [
      'SOA',
      'ns1.example.com hostmaster.example.com 2026112901 7200 3600 1209600 300',
      'ns1.example.com. hostmaster.example.com. 2026112901 7200 3600 1209600 300',
    ],
    ['CAA', '0 issue "letsencrypt.org"', '0 issue "letsencrypt.org"'],
  ];
  for (const [type, value, canonical] of cases) {
    assert.deepEqual(
      validateRecord({ name: 'x.example.com', type, value: [value] }, TTL).values,
      [canonical],
      type,
    );
  }
});

test('values: a long TXT that still fits in 65535 octets of rdata is fine', () => {
  validateRecord({ name: 'x.example.com', type: 'TXT', value: ['x'.repeat(60_000)] }, TTL);
});

test('values: duplicates collapse by canonical form, first-seen order kept', () => {
  assert.deepEqual(validateRecord(a('x.example.com', '192.0.2.2', '192.0.2.1', '192.0.2.2'), TTL).values, [
    '192.0.2.2',
    '192.0.2.1',
  ]);
  const aaaa = validateRecord(
    { name: 'x.example.com', type: 'AAAA', value: ['2001:db8::1', '2001:0DB8:0:0::1'] },
    TTL,
  );
  assert.deepEqual(aaaa.values, ['2001:db8::1']);
});

test('CNAME: two different targets are INVALID_VALUE; the same target twice collapses to one', () => {
  rejects(
    { name: 'www.example.com', type: 'CNAME', value: ['a.example.com.', 'b.example.com.'] },
    'INVALID_VALUE',
    /exactly one/,
  );
  const one = validateRecord(
    { name: 'www.example.com', type: 'CNAME', value: ['a.example.com', 'A.Example.com.'] },
    TTL,
  );
  assert.deepEqual(one.values, ['a.example.com.']);
});

test('validation order: the name is checked before the type, the type before TTL and values', () => {
  rejects({ name: 'a..b', type: 'BOGUS', ttl: 1, value: [] }, 'INVALID_NAME');
  rejects({ name: 'a.b', type: 'BOGUS', ttl: 1, value: [] }, 'INVALID_RECORD_TYPE');
  rejects({ name: 'a.b', type: 'A', ttl: 1, value: [] }, 'INVALID_TTL');
});

test('RRsets are frozen, values included', () => {
  const rrset = validateRecord(a('x.example.com', '192.0.2.1'), TTL);
  assert.ok(Object.isFrozen(rrset));
  assert.ok(Object.isFrozen(rrset.values));
  assert.throws(() => {
    (rrset.values as string[]).push('192.0.2.9');
  }, TypeError);
});

test('validateKey normalises a key and rejects bad ones', () => {
  assert.deepEqual(validateKey({ name: 'WWW.example.com', type: 'a' }), {
    name: 'www.example.com.',
    type: 'A',
  });
  assert.throws(() => validateKey({ name: 'a..b', type: 'A' }), { code: 'INVALID_NAME' });
  assert.throws(() => validateKey({ name: 'a.b', type: 'NOPE' }), { code: 'INVALID_RECORD_TYPE' });
});

test('RecordError.at prefixes the position and keeps code and cause', () => {
  const cause = new Error('inner');
  const err = new RecordError('INVALID_TTL', 'invalid TTL 5', { cause }).at('added', 3);
  assert.ok(err instanceof RecordError && err instanceof Error);
  assert.equal(err.message, 'added[3]: invalid TTL 5');
  assert.equal(err.code, 'INVALID_TTL');
  assert.equal(err.list, 'added');
  assert.equal(err.index, 3);
  assert.equal(err.cause, cause);
});

test('recordKey is distinct per (name, type)', () => {
  const k = (n: string, t: 'A' | 'AAAA') => recordKey(n as Name, t);
  assert.equal(k('a.example.', 'A'), k('a.example.', 'A'));
  assert.notEqual(k('a.example.', 'A'), k('a.example.', 'AAAA'));
  assert.notEqual(k('a.example.', 'A'), k('b.example.', 'A'));
});

test('sameRRset compares values as a set, and TTL', () => {
  const x = validateRecord(a('x.example.com', '192.0.2.1', '192.0.2.2'), TTL);
  const reordered = validateRecord(a('x.example.com', '192.0.2.2', '192.0.2.1'), TTL);
  assert.ok(sameRRset(x, reordered));
  assert.ok(!sameRRset(x, validateRecord({ ...a('x.example.com', '192.0.2.1', '192.0.2.2'), ttl: 60 }, TTL)));
  assert.ok(!sameRRset(x, validateRecord(a('x.example.com', '192.0.2.1'), TTL)));
  assert.ok(!sameRRset(x, validateRecord(a('x.example.com', '192.0.2.1', '192.0.2.3'), TTL)));
  assert.ok(!sameRRset(x, validateRecord(a('y.example.com', '192.0.2.1', '192.0.2.2'), TTL)));
});

test('compareNames is the RFC 4034 §6.1 canonical order', () => {
  const names = [
    'example.org.',
    'z.example.com.',
    'b.a.example.com.',
    '*.example.com.',
    'a.example.com.',
    'example.com.',
    '.',
    'a-b.example.com.',
  ] as Name[];
  assert.deepEqual(names.sort(compareNames), [
    '.',
    'example.com.',
    '*.example.com.',
    'a.example.com.',
    'b.a.example.com.',
    'a-b.example.com.',
    'z.example.com.',
    'example.org.',
  ]);
});

test('compareRRsets orders by name, then type number', () => {
  const r = (name: string, type: string, value: string): RRset =>
    validateRecord({ name, type, value: [value] }, TTL);
  const soa = r('example.com', 'SOA', 'ns1.example.com. h.example.com. 1 2 3 4 5');
  const ns = r('example.com', 'NS', 'ns1.example.com.');
  const a1 = r('example.com', 'A', '192.0.2.1');
  const www = r('www.example.com', 'A', '192.0.2.1');
  assert.deepEqual([www, soa, ns, a1].sort(compareRRsets), [a1, ns, soa, www]);
});

test('sortRRsets sorts exactly as compareRRsets', () => {
  const names = [
    '.',
    'a.',
    'a-b.a.',
    'a.a.',
    '*.a.',
    '_x.a.',
    'b.',
    'ab.',
    'a0.a.',
    'z.a-b.a.',
    'a.a-b.a.',
    '9.a.',
  ];
  const rrsets: RRset[] = [];
  for (const name of names) {
    for (const type of ['TXT', 'A', 'NS'])
      rrsets.push({ name: name as Name, type: type as 'A', ttl: 300, values: ['x'] });
  }
  const expected = [...rrsets].sort(compareRRsets);
  assert.deepEqual(sortRRsets([...rrsets].reverse()), expected);
  assert.deepEqual(
    expected.filter((r) => r.type === 'A').map((r) => r.name),
    // octet order: '*' < '-' < digits < '_' < letters; a name sorts right before its descendants
    ['.', 'a.', '*.a.', '9.a.', '_x.a.', 'a.a.', 'a-b.a.', 'a.a-b.a.', 'z.a-b.a.', 'a0.a.', 'ab.', 'b.'],
  );
});
