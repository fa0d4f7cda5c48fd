// Tests of the scenario harness itself (test/helpers/knot.ts and compare.ts), so that a harness
// bug cannot make every scenario pass: the zone-file conversion, knotd failing loudly on a zone
// it refuses, and assertSameAnswer telling apart what must differ from what may.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RRClass, RRType } from '../../src/dns/constants.ts';
import { encodeQuery, type Message, type ResourceRecord } from '../../src/dns/message.ts';
import { query, udpExchange } from '../helpers/client.ts';
import {
  assertExpected,
  assertSameAnswer,
  differences,
  glueOf,
  parseRRLine,
  rrLine,
} from '../helpers/compare.ts';
import { rrsetsFromYaml, startKnot, txtStrings, zoneFiles } from '../helpers/knot.ts';
import { startServer } from '../helpers/server.ts';

const RECORDS = `
- { name: example.com., type: SOA, ttl: 3600, value: ns.example.com. h.example.com. 1 2 3 4 300 }
- { name: example.com., type: NS, ttl: 3600, value: ns.example.com. }
- { name: www.example.com., type: A, value: 192.0.2.1 }
- { name: child.example.com., type: SOA, ttl: 60, value: ns.child.example.com. h.example.com. 1 2 3 4 600 }
- { name: child.example.com., type: NS, ttl: 3600, value: ns.child.example.com. }
- { name: www.child.example.com., type: TXT, ttl: 60, value: in the child }
- { name: router.lan., type: A, value: 192.168.1.1 }
`;

test('zoneFiles: deepest apex wins, a child apex NS is also the parent delegation, zone-less data left out', () => {
  const zones = zoneFiles(rrsetsFromYaml(RECORDS));
  assert.deepEqual([...zones.keys()], ['example.com.', 'child.example.com.']);
  const parent = zones.get('example.com.') as string;
  const child = zones.get('child.example.com.') as string;
  assert.match(parent, /^example\.com\. 3600 IN SOA /m);
  assert.match(parent, /^www\.example\.com\. 300 IN A 192\.0\.2\.1$/m);
  assert.match(parent, /^child\.example\.com\. 3600 IN NS ns\.child\.example\.com\.$/m);
  assert.doesNotMatch(parent, /www\.child|SOA ns\.child|router/);
  assert.match(child, /^child\.example\.com\. 60 IN SOA /m);
  assert.match(child, /^child\.example\.com\. 3600 IN NS ns\.child\.example\.com\.$/m);
  assert.match(child, /^www\.child\.example\.com\. 60 IN TXT "in the child"$/m);
  assert.doesNotMatch(child, /router/);
});

test('txtStrings: quoted character-strings of at most 255 octets, escapes for quotes, backslashes and non-ASCII', () => {
  assert.equal(txtStrings(''), '""');
  assert.equal(txtStrings('a "b" \\c'), '"a \\"b\\" \\\\c"');
  assert.equal(txtStrings('é'), '"\\195\\169"');
  const long = txtStrings('x'.repeat(300));
  assert.equal(long, `"${'x'.repeat(255)}" "${'x'.repeat(45)}"`);
});

test('startKnot serves the converted zones and stops', async (t) => {
  const knot = await startKnot(t, RECORDS);
  const reply = await query(knot.port, 'www.child.example.com.', 'TXT');
  assert.equal(reply.answer[0]?.data, 'in the child');
  const refused = await query(knot.port, 'router.lan.', 'A');
  assert.equal(refused.rcode, 5);
  await knot.stop();
});

test('startKnot fails loudly, with knotd log and the zone file, when knotd refuses a zone', async (t) => {
  const bad = `${RECORDS}\n- { name: www.example.com., type: CNAME, value: other.example.com. }\n`;
  await assert.rejects(startKnot(t, bad), (err: Error) => {
    assert.match(err.message, /knotd did not serve every zone/);
    assert.match(err.message, /another record exists beside CNAME/);
    assert.match(err.message, /www\.example\.com\. 300 IN CNAME other\.example\.com\./);
    return true;
  });
});

function rr(line: string): ResourceRecord {
  return parseRRLine(line);
}

function message(
  parts: Partial<Omit<Message, 'header'>> & { aa?: boolean; tc?: boolean; name?: string },
): Message {
  return {
    header: {
      id: 1,
      qr: true,
      opcode: 0,
      aa: parts.aa ?? true,
      tc: parts.tc ?? false,
      rd: true,
      ra: false,
      z: false,
      ad: false,
      cd: false,
      rcode: parts.rcode ?? 0,
      qdcount: 1,
      ancount: parts.answer?.length ?? 0,
      nscount: parts.authority?.length ?? 0,
      arcount: parts.additional?.length ?? 0,
    },
    rcode: parts.rcode ?? 0,
    question: [{ name: parts.name ?? 'www.example.com.', type: RRType.A, class: RRClass.IN }],
    answer: parts.answer ?? [],
    authority: parts.authority ?? [],
    additional: parts.additional ?? [],
  };
}

test('assertSameAnswer: owner and rdata-name case and RR order do not matter', () => {
  const ours = message({
    answer: [rr('www.example.com. 300 IN CNAME Web.Example.com.'), rr('web.example.com. 300 IN A 192.0.2.1')],
  });
  const knot = message({
    answer: [rr('WEB.example.com. 300 IN A 192.0.2.1'), rr('www.example.com. 300 IN CNAME web.example.com.')],
  });
  assertSameAnswer(ours, knot, 'case');
});

test('assertSameAnswer: TTL, rcode, flags, question case, EDNS and missing RRs all count', () => {
  const base = message({ answer: [rr('www.example.com. 300 IN A 192.0.2.1')] });
  const cases: [Message, RegExp][] = [
    [message({ answer: [rr('www.example.com. 301 IN A 192.0.2.1')] }), /only knot: www\.example\.com\. 301/],
    [
      message({ answer: [rr('www.example.com. 300 IN A 192.0.2.1')], rcode: 3 }),
      /rcode: ours NOERROR, knot NXDOMAIN/,
    ],
    [message({ answer: [rr('www.example.com. 300 IN A 192.0.2.1')], aa: false }), /AA: ours 1, knot 0/],
    [message({ answer: [rr('www.example.com. 300 IN A 192.0.2.1')], tc: true }), /TC: ours 0, knot 1/],
    [message({ answer: [rr('www.example.com. 300 IN A 192.0.2.1')], name: 'WWW.example.com.' }), /question/],
    [
      { ...base, edns: { udpSize: 1232, extendedRcode: 0, version: 0, do: false, options: [] } },
      /EDNS: ours no OPT, knot OPT/,
    ],
    [message({ authority: [rr('example.com. 300 IN NS ns.example.com.')] }), /authority differs/],
  ];
  for (const [knot, pattern] of cases) {
    assert.throws(() => assertSameAnswer(base, knot, 'x'), pattern);
  }
});

test('assertSameAnswer: a duplicate RR in ours is an error, in Knot it is tolerated', () => {
  const one = message({ answer: [rr('www.example.com. 300 IN A 192.0.2.1')] });
  const two = message({
    answer: [rr('www.example.com. 300 IN A 192.0.2.1'), rr('www.example.com. 300 IN A 192.0.2.1')],
  });
  assertSameAnswer(one, two, 'knot repeats');
  assert.throws(() => assertSameAnswer(two, one, 'ours repeats'), /duplicate RR in ours/);
});

test('assertSameAnswer: additional skipped by default, compared whole or as in-domain glue only', () => {
  const ns = [
    rr('sub.example.com. 3600 IN NS ns1.sub.example.com.'),
    rr('sub.example.com. 3600 IN NS ns.example.net.'),
  ];
  const glue = rr('ns1.sub.example.com. 3600 IN A 192.0.2.1');
  const extra = rr('ns.example.net. 3600 IN A 192.0.2.2');
  const ours = message({ aa: false, authority: ns, additional: [glue, extra] });
  const knot = message({ aa: false, authority: ns, additional: [glue] });
  const noGlue = message({ aa: false, authority: ns, additional: [extra] });
  assert.deepEqual(glueOf(ours).map(rrLine), ['ns1.sub.example.com. 3600 IN A 192.0.2.1']);
  assertSameAnswer(ours, knot, 'skip');
  assertSameAnswer(ours, knot, 'glue', { additional: 'glue' });
  assert.throws(
    () => assertSameAnswer(ours, knot, 'all', { additional: 'all' }),
    /only ours: ns\.example\.net/,
  );
  assert.throws(() => assertSameAnswer(noGlue, knot, 'glue', { additional: 'glue' }), /glue in additional/);
});

test('assertSameAnswer: superset mode for ANY', () => {
  const all = message({
    answer: [rr('x.example.com. 300 IN A 192.0.2.1'), rr('x.example.com. 300 IN TXT hello world')],
  });
  const one = message({ answer: [rr('x.example.com. 300 IN A 192.0.2.1')] });
  assertSameAnswer(all, one, 'superset', { answer: 'superset' });
  assert.throws(() => assertSameAnswer(one, all, 'superset', { answer: 'superset' }), /answer lacks/);
  assert.throws(() => assertSameAnswer(all, one, 'same'), /only ours/);
});

test('assertExpected: TXT lines keep their spaces; sections are sets; includes and excludes', () => {
  const m = message({
    answer: [rr('x.example.com. 300 IN TXT hello  world ')],
    additional: [rr('a.example.com. 300 IN A 192.0.2.1')],
  });
  assert.equal(m.answer[0]?.data, 'hello  world ');
  assertExpected(
    m,
    {
      rcode: 'NOERROR',
      answer: ['X.example.com. 300 IN TXT hello  world '],
      additionalIncludes: ['a.example.com. 300 IN A 192.0.2.1'],
      additionalExcludes: ['b.example.com. 300 IN A 192.0.2.2'],
    },
    'ok',
  );
  assert.throws(
    () => assertExpected(m, { answer: ['x.example.com. 300 IN TXT hello world'] }, 'spaces'),
    /only expected/,
  );
  assert.throws(
    () => assertExpected(m, { rcode: 'NXDOMAIN' }, 'rcode'),
    /rcode: got NOERROR, expected NXDOMAIN/,
  );
  assert.equal(differences(m, m).length, 0);
});

/** txtChunks returns the character-string lengths of the first answer RR (a TXT) of a raw response. */
function txtChunks(bytes: Buffer): number[] {
  let at = 12;
  while ((bytes[at] as number) !== 0) at += (bytes[at] as number) + 1; // question name, uncompressed
  at += 1 + 4;
  // the answer owner: a pointer or a name
  if (((bytes[at] as number) & 0xc0) === 0xc0) at += 2;
  else {
    while ((bytes[at] as number) !== 0) at += (bytes[at] as number) + 1;
    at += 1;
  }
  assert.equal(bytes.readUInt16BE(at), RRType.TXT);
  const rdlength = bytes.readUInt16BE(at + 8);
  const end = at + 10 + rdlength;
  const out: number[] = [];
  for (let p = at + 10; p < end; p += (bytes[p] as number) + 1) out.push(bytes[p] as number);
  return out;
}

// The decoded comparison joins a TXT's character-strings, so the split is checked here on the wire.
test('a TXT longer than 255 octets goes out as the same character-strings from both servers', async (t) => {
  const yaml = `${RECORDS}\n- { name: long.example.com., type: TXT, value: "${'k'.repeat(600)}" }\n`;
  const knot = await startKnot(t, yaml);
  const ours = await startServer(t, `http_port: 0\nrecords:\n${yaml.replace(/^/gm, '  ')}`);
  const q = encodeQuery({ id: 7, name: 'long.example.com.', type: RRType.TXT, edns: { udpSize: 1232 } });
  const [a, b] = await Promise.all([udpExchange(ours.port, q), udpExchange(knot.port, q)]);
  assert.ok(a && b, 'both answer');
  assert.deepEqual(txtChunks(a), [255, 255, 90]);
  assert.deepEqual(txtChunks(a), txtChunks(b));
});
