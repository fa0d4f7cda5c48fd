import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as dnsPacket from 'dns-packet';
import { Rcode, RRClass, RRType, rcodeName, typeName } from './constants.ts';
import { responseSizeLimit } from './edns.ts';
import { WireError } from './errors.ts';
import {
  decodeMessage,
  encodeQuery,
  encodeResponse,
  type Message,
  type ResourceRecord,
  type Response,
  type RRsetOut,
  readHeader,
} from './message.ts';
import { lowerName } from './name.ts';
import { canonicalValue, hasCompressedNames } from './rdata.ts';

const UNKNOWN_TYPE = 65280;
const ascii = (s: string): number[] => Array.from(s, (c) => c.charCodeAt(0));
const u16 = (v: number): number[] => [v >>> 8, v & 0xff];
const u32 = (v: number): number[] => [v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];

/** wireName writes a name uncompressed (test fixture builder; no escapes). */
function wireName(name: string): number[] {
  const out: number[] = [];
  for (const label of name.split('.').filter((l) => l !== '')) out.push(label.length, ...ascii(label));
  out.push(0);
  return out;
}

function header(h: {
  id?: number;
  flags?: number;
  qd?: number;
  an?: number;
  ns?: number;
  ar?: number;
}): number[] {
  return [
    ...u16(h.id ?? 0x1234),
    ...u16(h.flags ?? 0x0100),
    ...u16(h.qd ?? 0),
    ...u16(h.an ?? 0),
    ...u16(h.ns ?? 0),
    ...u16(h.ar ?? 0),
  ];
}

function question(name: number[], type: number = RRType.A, cls: number = RRClass.IN): number[] {
  return [...name, ...u16(type), ...u16(cls)];
}

function rr(
  owner: number[],
  type: number,
  rdata: number[],
  opts: { cls?: number; ttl?: number; rdlength?: number } = {},
): number[] {
  return [
    ...owner,
    ...u16(type),
    ...u16(opts.cls ?? RRClass.IN),
    ...u32(opts.ttl ?? 0),
    ...u16(opts.rdlength ?? rdata.length),
    ...rdata,
  ];
}

function opt(
  opts: { owner?: number[]; udpSize?: number; ttl?: number; rdata?: number[]; rdlength?: number } = {},
): number[] {
  const rdata = opts.rdata ?? [];
  return rr(opts.owner ?? [0], RRType.OPT, rdata, {
    cls: opts.udpSize ?? 1232,
    ttl: opts.ttl ?? 0,
    rdlength: opts.rdlength ?? rdata.length,
  });
}

function response(r: Partial<Response>): Response {
  return {
    id: 0x1234,
    opcode: 0,
    aa: true,
    rd: false,
    ra: false,
    cd: false,
    rcode: Rcode.NOERROR,
    answer: [],
    authority: [],
    additional: [],
    ...r,
  };
}

/** expand lists the records of RRsets as decodeMessage gives them (class IN). */
// decoded records without the received rdata octets, for comparing with expectations
const plainRecords = (rrs: readonly ResourceRecord[]) => rrs.map(({ wire: _wire, ...rest }) => rest);

function expand(rrsets: readonly RRsetOut[]): ResourceRecord[] {
  return rrsets.flatMap((s) =>
    s.data.map((data) => ({ name: s.name, type: s.type, class: s.class ?? RRClass.IN, ttl: s.ttl, data })),
  );
}

// Every type the store holds plus one unknown type, rdata already in canonical form.
const EVERY_TYPE: readonly RRsetOut[] = [
  { name: 'www.example.com.', type: RRType.A, ttl: 300, data: ['192.0.2.1', '192.0.2.2'] },
  { name: 'www.example.com.', type: RRType.AAAA, ttl: 300, data: ['2001:db8::1', '::ffff:1.2.3.4'] },
  { name: 'alias.example.com.', type: RRType.CNAME, ttl: 60, data: ['www.example.com.'] },
  { name: 'example.com.', type: RRType.MX, ttl: 3600, data: ['10 mail.example.com.', '20 mx.example.net.'] },
  { name: 'example.com.', type: RRType.TXT, ttl: 300, data: ['v=spf1 -all', 'x'.repeat(300), '', 'héllo ✓'] },
  { name: 'example.com.', type: RRType.NS, ttl: 86400, data: ['ns1.example.com.', 'ns2.example.net.'] },
  {
    name: '_sip._tcp.example.com.',
    type: RRType.SRV,
    ttl: 300,
    data: ['10 5 5060 sip.example.com.', '20 0 5061 .'],
  },
  { name: '1.2.0.192.in-addr.arpa.', type: RRType.PTR, ttl: 300, data: ['www.example.com.'] },
  {
    name: 'example.com.',
    type: RRType.CAA,
    ttl: 300,
    data: ['0 issue "letsencrypt.org"', '128 iodef "mailto:a@example.com"'],
  },
  { name: 'example.com.', type: UNKNOWN_TYPE, ttl: 300, data: ['\\# 4 0A000001', '\\# 0'] },
];
const SOA_RRSET: RRsetOut = {
  name: 'example.com.',
  type: RRType.SOA,
  ttl: 3600,
  data: ['ns1.example.com. hostmaster.example.com. 2026112901 7200 3600 1209600 300'],
};
const GLUE: readonly RRsetOut[] = [
  { name: 'mail.example.com.', type: RRType.A, ttl: 300, data: ['192.0.2.25'] },
  { name: 'ns1.example.com.', type: RRType.AAAA, ttl: 300, data: ['2001:db8::53'] },
];
const FULL = response({
  id: 0xbeef,
  aa: true,
  rd: true,
  ra: true,
  cd: true,
  rcode: Rcode.NXDOMAIN,
  question: { name: 'www.example.com.', type: RRType.ANY, class: RRClass.IN },
  answer: EVERY_TYPE,
  authority: [SOA_RRSET],
  additional: GLUE,
});

describe('encodeResponse → decodeMessage round trip', () => {
  test('every type, every section, counts, flags, id and rcode', () => {
    const { bytes, truncated } = encodeResponse(FULL, 65535);
    assert.equal(truncated, false);
    const m = decodeMessage(bytes);
    assert.deepEqual(m.header, {
      id: 0xbeef,
      qr: true,
      opcode: 0,
      aa: true,
      tc: false,
      rd: true,
      ra: true,
      z: false,
      ad: false,
      cd: true,
      rcode: Rcode.NXDOMAIN,
      qdcount: 1,
      ancount: 20,
      nscount: 1,
      arcount: 2,
    });
    assert.equal(m.rcode, Rcode.NXDOMAIN);
    assert.deepEqual(m.question, [{ name: 'www.example.com.', type: RRType.ANY, class: RRClass.IN }]);
    assert.deepEqual(plainRecords(m.answer), expand(EVERY_TYPE));
    assert.deepEqual(plainRecords(m.authority), expand([SOA_RRSET]));
    assert.deepEqual(plainRecords(m.additional), expand(GLUE));
    assert.equal(m.edns, undefined);
    assert.equal('edns' in m, false);
  });

  test('all flags clear, id 0, opcode kept', () => {
    const r = response({ id: 0, opcode: 4, aa: false, rcode: Rcode.REFUSED });
    const bytes = encodeResponse(r, 512).bytes;
    assert.deepEqual([...bytes], [0, 0, 0x80 | (4 << 3), Rcode.REFUSED, 0, 0, 0, 0, 0, 0, 0, 0]);
    const h = decodeMessage(bytes).header;
    assert.deepEqual(
      [h.id, h.qr, h.opcode, h.aa, h.tc, h.rd, h.ra, h.ad, h.cd, h.rcode],
      [0, true, 4, false, false, false, false, false, false, 5],
    );
  });

  test('every flag set lands on its own bit', () => {
    const r = response({
      id: 0xffff,
      aa: true,
      rd: true,
      ra: true,
      cd: true,
      ad: true,
      rcode: Rcode.SERVFAIL,
    });
    const bytes = encodeResponse(r, 512).bytes;
    assert.deepEqual([...bytes.subarray(0, 4)], [0xff, 0xff, 0x80 | 0x04 | 0x01, 0x80 | 0x20 | 0x10 | 2]);
  });

  test('the question is echoed in the letter case it was asked', () => {
    const r = response({
      question: { name: 'WwW.ExAmPle.CoM.', type: RRType.A, class: RRClass.IN },
      answer: [{ name: 'www.example.com.', type: RRType.A, ttl: 60, data: ['192.0.2.1'] }],
    });
    const bytes = encodeResponse(r, 512).bytes;
    assert.deepEqual([...bytes.subarray(12, 12 + 17)], wireName('WwW.ExAmPle.CoM.'));
    const m = decodeMessage(bytes);
    assert.equal(m.question[0]?.name, 'WwW.ExAmPle.CoM.');
    // the owner is a pointer to the question, so it reads back in the question's letter case
    assert.deepEqual([...bytes.subarray(33, 35)], [0xc0, 12]);
    assert.equal(lowerName(m.answer[0]?.name ?? ''), 'www.example.com.');
  });

  test('a question with escapes round-trips exactly', () => {
    const name = 'A\\.b\\032c.Example.';
    const m = decodeMessage(
      encodeResponse(response({ question: { name, type: RRType.TXT, class: RRClass.CH } }), 512).bytes,
    );
    assert.deepEqual(m.question, [{ name, type: RRType.TXT, class: RRClass.CH }]);
  });

  test('the root as question and owner', () => {
    const r = response({
      question: { name: '.', type: RRType.NS, class: RRClass.IN },
      answer: [{ name: '.', type: RRType.NS, ttl: 1, data: ['a.root-servers.net.'] }],
    });
    const m = decodeMessage(encodeResponse(r, 512).bytes);
    assert.equal(m.question[0]?.name, '.');
    assert.deepEqual(plainRecords(m.answer), [
      { name: '.', type: RRType.NS, class: RRClass.IN, ttl: 1, data: 'a.root-servers.net.' },
    ]);
  });

  test('TTLs use all 32 bits', () => {
    const r = response({ answer: [{ name: 'x.', type: RRType.A, ttl: 0xfffffffe, data: ['1.2.3.4'] }] });
    assert.equal(decodeMessage(encodeResponse(r, 512).bytes).answer[0]?.ttl, 0xfffffffe);
  });
});

// ---------------------------------------------------------------------------------------------
// Differential decoding: dns-packet must read our (well-formed) output the same way.

type DpRecord = { name: string; type: string; class?: string; ttl?: number; data?: unknown } & Record<
  string,
  unknown
>;

/** fromDnsPacket turns a dns-packet record's data into our canonical presentation form. */
function fromDnsPacket(a: DpRecord): string {
  const fqdn = (n: string): string => (n === '.' ? '.' : `${n.toLowerCase()}.`);
  const d = a.data as Record<string, unknown>;
  switch (a.type) {
    case 'A':
      return a.data as string;
    case 'AAAA':
      return canonicalValue('AAAA', a.data as string);
    case 'CNAME':
    case 'NS':
    case 'PTR':
      return fqdn(a.data as string);
    case 'MX':
      return `${d.preference} ${fqdn(d.exchange as string)}`;
    case 'TXT':
      return Buffer.concat(a.data as Buffer[]).toString('utf8');
    case 'SRV':
      return `${d.priority} ${d.weight} ${d.port} ${fqdn(d.target as string)}`;
    case 'SOA':
      return `${fqdn(d.mname as string)} ${fqdn(d.rname as string)} ${d.serial} ${d.refresh} ${d.retry} ${d.expire} ${d.minimum}`;
    case 'CAA':
      return `${d.flags} ${d.tag} "${d.value}"`;
    default: {
      const b = a.data as Buffer;
      return b.length === 0 ? '\\# 0' : `\\# ${b.length} ${b.toString('hex').toUpperCase()}`;
    }
  }
}

function dpTypeName(type: number): string {
  return type === UNKNOWN_TYPE ? 'UNKNOWN_65280' : typeName(type);
}

function assertSameAsDnsPacket(bytes: Uint8Array, ours: Message): void {
  const dp = dnsPacket.decode(Buffer.from(bytes)) as dnsPacket.DecodedPacket & {
    rcode: string;
    opcode: string;
  };
  assert.equal(dp.id, ours.header.id);
  assert.equal(dp.type, 'response');
  assert.deepEqual(
    [dp.flag_qr, dp.flag_aa, dp.flag_tc, dp.flag_rd, dp.flag_ra, dp.flag_z, dp.flag_ad, dp.flag_cd],
    [
      ours.header.qr,
      ours.header.aa,
      ours.header.tc,
      ours.header.rd,
      ours.header.ra,
      ours.header.z,
      ours.header.ad,
      ours.header.cd,
    ],
  );
  assert.equal(dp.rcode, rcodeName(ours.header.rcode));
  assert.equal(dp.opcode, 'QUERY');
  assert.deepEqual(
    (dp.questions ?? []).map((q) => [fqdnOf(q.name), q.type, q.class]),
    ours.question.map((q) => [lowerName(q.name), dpTypeName(q.type), 'IN']),
  );
  const records = (list: readonly DpRecord[]) =>
    list
      .filter((a) => a.type !== 'OPT')
      .map((a) => ({
        name: fqdnOf(a.name),
        type: a.type,
        class: a.class,
        ttl: a.ttl,
        data: fromDnsPacket(a),
      }));
  const mine = (list: readonly ResourceRecord[]) =>
    list.map((r) => ({
      name: lowerName(r.name),
      type: dpTypeName(r.type),
      class: 'IN',
      ttl: r.ttl,
      data: lowerDataNames(r),
    }));
  assert.deepEqual(records((dp.answers ?? []) as DpRecord[]), mine(ours.answer));
  assert.deepEqual(records((dp.authorities ?? []) as DpRecord[]), mine(ours.authority));
  assert.deepEqual(records((dp.additionals ?? []) as DpRecord[]), mine(ours.additional));
}

function fqdnOf(name: string): string {
  return name === '.' ? '.' : `${name.toLowerCase()}.`;
}

// Names inside rdata may read back in the letter case of the name they point to.
function lowerDataNames(r: ResourceRecord): string {
  return [RRType.TXT, RRType.CAA, UNKNOWN_TYPE].includes(r.type) ? r.data : r.data.toLowerCase();
}

describe('differential decoding with dns-packet', () => {
  for (const rrset of EVERY_TYPE) {
    test(`${dpTypeName(rrset.type)} decodes the same`, () => {
      const r = response({
        question: { name: rrset.name, type: rrset.type, class: RRClass.IN },
        answer: [rrset],
        authority: [SOA_RRSET],
        additional: GLUE,
      });
      const { bytes } = encodeResponse(r, 65535);
      const ours = decodeMessage(bytes);
      assert.deepEqual(plainRecords(ours.answer), expand([rrset]));
      assertSameAsDnsPacket(bytes, ours);
    });
  }

  test('TXT longer than 255 octets is split the way dns-packet sees it', () => {
    const r = response({
      answer: [{ name: 'example.com.', type: RRType.TXT, ttl: 300, data: ['x'.repeat(600)] }],
    });
    const dp = dnsPacket.decode(Buffer.from(encodeResponse(r, 65535).bytes));
    const txt = dp.answers?.[0] as DpRecord;
    assert.deepEqual(
      (txt.data as Buffer[]).map((b) => b.length),
      [255, 255, 90],
    );
  });

  test('the whole response with every type, compressed, decodes the same', () => {
    const { bytes } = encodeResponse(FULL, 65535);
    assertSameAsDnsPacket(bytes, decodeMessage(bytes));
  });

  test('the OPT record reads the same', () => {
    const { bytes } = encodeResponse(
      response({ rcode: Rcode.BADVERS, edns: { udpSize: 1232, do: true } }),
      512,
    );
    const dp = dnsPacket.decode(Buffer.from(bytes));
    const optRecord = dp.additionals?.[0] as dnsPacket.OptAnswer;
    assert.deepEqual(
      [
        optRecord.name,
        optRecord.type,
        optRecord.udpPayloadSize,
        optRecord.extendedRcode,
        optRecord.ednsVersion,
        optRecord.flag_do,
        optRecord.options,
      ],
      ['.', 'OPT', 1232, 1, 0, true, []],
    );
  });

  test('we decode what dns-packet encodes (uncompressed) the same way', () => {
    const bytes = dnsPacket.encode({
      type: 'response',
      id: 7,
      flags: dnsPacket.AUTHORITATIVE_ANSWER,
      questions: [{ name: 'example.com', type: 'MX', class: 'IN' }],
      answers: [
        { name: 'example.com', type: 'MX', ttl: 60, data: { preference: 5, exchange: 'mail.example.com' } },
        { name: 'example.com', type: 'TXT', ttl: 60, data: ['a', 'bc'] },
        { name: 'example.com', type: 'AAAA', ttl: 60, data: '2001:db8:0:0:1:0:0:1' },
        {
          name: 'example.com',
          type: 'SRV',
          ttl: 60,
          data: { priority: 1, weight: 2, port: 3, target: 'sip.example.com' },
        },
      ],
    });
    const m = decodeMessage(bytes);
    assert.deepEqual(
      m.answer.map((a) => a.data),
      ['5 mail.example.com.', 'abc', '2001:db8::1:0:0:1', '1 2 3 sip.example.com.'],
    );
    assertSameAsDnsPacket(bytes, m);
  });
});

// ---------------------------------------------------------------------------------------------

describe('name compression', () => {
  test('a small fixed case has its exact size and a pointer to the question', () => {
    const r = response({
      question: { name: 'example.com.', type: RRType.A, class: RRClass.IN },
      answer: [{ name: 'example.com.', type: RRType.A, ttl: 60, data: ['192.0.2.1'] }],
    });
    const { bytes } = encodeResponse(r, 512);
    // 12 header + 13 name + 4 + (2 pointer + 10 + 4 rdata)
    assert.equal(bytes.length, 45);
    assert.deepEqual(
      [...bytes.subarray(29)],
      [0xc0, 12, ...u16(1), ...u16(1), ...u32(60), ...u16(4), 192, 0, 2, 1],
    );
  });

  test('many records under one name: each owner costs 2 octets instead of 18', () => {
    const data = Array.from({ length: 20 }, (_, i) => `192.0.2.${i + 1}`);
    const name = 'host.example.com.';
    const r = response({
      question: { name, type: RRType.A, class: RRClass.IN },
      answer: [{ name, type: RRType.A, ttl: 60, data }],
    });
    const ours = encodeResponse(r, 65535).bytes;
    const theirs = dnsPacket.encode({
      type: 'response',
      id: 0x1234,
      flags: dnsPacket.AUTHORITATIVE_ANSWER,
      questions: [{ name: 'host.example.com', type: 'A', class: 'IN' }],
      answers: data.map((d) => ({ name: 'host.example.com', type: 'A' as const, ttl: 60, data: d })),
    });
    assert.equal(theirs.length, 12 + 22 + 20 * (18 + 14));
    assert.equal(ours.length, theirs.length - 20 * (18 - 2));
    assert.equal(ours.length, 354);
    assert.deepEqual(
      decodeMessage(ours).answer.map((a) => a.data),
      data,
    );
  });

  test('MX, NS, SOA and CNAME targets are compressed; SRV targets are not (RFC 2782)', () => {
    const r = response({
      question: { name: 'example.com.', type: RRType.ANY, class: RRClass.IN },
      answer: [
        { name: 'example.com.', type: RRType.MX, ttl: 60, data: ['10 mail.example.com.'] },
        { name: 'example.com.', type: RRType.NS, ttl: 60, data: ['ns1.example.com.'] },
        {
          name: 'example.com.',
          type: RRType.SOA,
          ttl: 60,
          data: ['ns1.example.com. hostmaster.example.com. 1 2 3 4 5'],
        },
        { name: 'alias.example.com.', type: RRType.CNAME, ttl: 60, data: ['example.com.'] },
        { name: '_sip._tcp.example.com.', type: RRType.SRV, ttl: 60, data: ['1 2 3 sip.example.com.'] },
      ],
      additional: [{ name: 'sip.example.com.', type: RRType.A, ttl: 60, data: ['192.0.2.5'] }],
    });
    const { bytes } = encodeResponse(r, 512);
    const b = Buffer.from(bytes);
    const has = (seq: number[]) => b.includes(Buffer.from(seq));
    const NAME = 12; // offset of example.com. in the question
    // header 12 + question 17 = 29
    // MX: 2 + 10 + (2 + "mail" 5 + pointer 2) = 21 → 50
    assert.deepEqual(
      [...bytes.subarray(29 + 10, 29 + 21)],
      [...u16(9), ...u16(10), 4, ...ascii('mail'), 0xc0, NAME],
    );
    // NS: 2 + 10 + ("ns1" 4 + pointer 2) = 18 → 68; "ns1.example.com." starts at 68 - 6 = 62
    assert.deepEqual([...bytes.subarray(50 + 10, 50 + 18)], [...u16(6), 3, ...ascii('ns1'), 0xc0, NAME]);
    // SOA: mname is a pointer to the NS target, rname "hostmaster" + pointer: 2 + 10 + (2 + 13 + 20) = 47 → 115
    assert.deepEqual(
      [...bytes.subarray(68 + 10, 68 + 27)],
      [...u16(35), 0xc0, 62, 10, ...ascii('hostmaster'), 0xc0, NAME],
    );
    // CNAME: owner "alias" + pointer (8) + 10 + pointer (2) = 20 → 135
    assert.deepEqual(
      [...bytes.subarray(115, 135)],
      [5, ...ascii('alias'), 0xc0, NAME, ...u16(5), ...u16(1), ...u32(60), ...u16(2), 0xc0, NAME],
    );
    // SRV: owner "_sip" "_tcp" + pointer (12) + 10 + (6 + 17 uncompressed) = 45 → 180
    assert.deepEqual(
      [...bytes.subarray(135 + 12 + 8, 180)],
      [...u16(23), 0, 1, 0, 2, 0, 3, ...wireName('sip.example.com.')],
    );
    assert.ok(has([3, ...ascii('sip'), 7, ...ascii('example'), 3, ...ascii('com'), 0]));
    // the additional owner may point into the SRV target: 2 + 10 + 4 = 16 → 196
    assert.deepEqual([...bytes.subarray(180, 182)], [0xc0, 135 + 12 + 10 + 6]);
    assert.equal(bytes.length, 196);
    assertSameAsDnsPacket(bytes, decodeMessage(bytes));
  });

  test('names compress in any letter case, owners and rdata alike (as Knot answers)', () => {
    const r = response({
      question: { name: 'EXAMPLE.com.', type: RRType.MX, class: RRClass.IN },
      answer: [{ name: 'example.COM.', type: RRType.MX, ttl: 60, data: ['1 Mail.Example.com.'] }],
    });
    const { bytes } = encodeResponse(r, 512);
    // the owner is a pointer to the question; the exchange writes "mail" and points at the question too
    assert.deepEqual(
      [...bytes.subarray(29)],
      [
        ...[0xc0, 12, ...u16(RRType.MX), ...u16(1), ...u32(60), ...u16(9)],
        ...[...u16(1), 4, ...ascii('mail'), 0xc0, 12],
      ],
    );
    const m = decodeMessage(bytes);
    assert.equal(m.answer[0]?.name, 'EXAMPLE.com.');
    assert.equal(m.answer[0]?.data, '1 mail.EXAMPLE.com.'); // rdata names are parsed to lower case
  });

  test('names written past offset 0x3fff are not pointer targets; earlier ones still are', () => {
    const answer = Array.from({ length: 100 }, (_, i) => ({
      name: `h${i}.example.com.`,
      type: RRType.TXT,
      ttl: 60,
      data: [String(i).padStart(200, '.')],
    }));
    const additional = [
      { name: 'h0.example.com.', type: RRType.A, ttl: 60, data: ['192.0.2.1'] },
      { name: 'h99.example.com.', type: RRType.A, ttl: 60, data: ['192.0.2.2'] },
    ];
    const r = response({
      question: { name: 'example.com.', type: RRType.TXT, class: RRClass.IN },
      answer,
      additional,
    });
    const { bytes, truncated } = encodeResponse(r, 65535);
    assert.equal(truncated, false);
    assert.ok(bytes.length > 0x4000 + 100);
    // the last two records: h0 is a pointer to its first owner (offset 29); h99 was written past
    // 0x3fff, so only "example.com." (offset 12) can be pointed to
    const tail = [...bytes.subarray(bytes.length - 16 - 20)];
    assert.deepEqual(tail.slice(0, 2), [0xc0, 29]);
    assert.deepEqual(tail.slice(16, 22), [3, ...ascii('h99'), 0xc0, 12]);
    const m = decodeMessage(bytes);
    assert.deepEqual(plainRecords(m.answer), expand(answer));
    assert.deepEqual(plainRecords(m.additional), expand(additional));
    assertSameAsDnsPacket(bytes, m);
  });

  test('names in an additional RRset that was dropped are not used as pointer targets', () => {
    // The first additional RRset is written, then dropped for lack of space; the second must not
    // point into the octets the first one left behind.
    const big = { name: 'big.example.com.', type: RRType.TXT, ttl: 60, data: ['x'.repeat(400)] };
    const small = { name: 'big.example.com.', type: RRType.A, ttl: 60, data: ['192.0.2.1'] };
    const r = response({
      question: { name: 'example.com.', type: RRType.A, class: RRClass.IN },
      additional: [big, small],
    });
    const { bytes, truncated } = encodeResponse(r, 200);
    assert.equal(truncated, false);
    assert.deepEqual(
      [...bytes.subarray(29)],
      [3, ...ascii('big'), 0xc0, 12, ...u16(1), ...u16(1), ...u32(60), ...u16(4), 192, 0, 2, 1],
    );
    assert.deepEqual(plainRecords(decodeMessage(bytes).additional), expand([small]));
  });
});

// ---------------------------------------------------------------------------------------------

describe('truncation', () => {
  const Q = { name: 'example.com.', type: RRType.TXT, class: RRClass.IN }; // question ends at 29
  const A1 = { name: 'example.com.', type: RRType.A, ttl: 60, data: ['192.0.2.1'] }; // 16 octets
  const TXT3 = {
    name: 'example.com.',
    type: RRType.TXT,
    ttl: 60,
    data: ['a'.repeat(100), 'b'.repeat(100), 'c'.repeat(100)],
  }; // 3 × 113
  const tc = (b: Uint8Array) => ((b[2] as number) & 0x02) !== 0;
  const counts = (b: Uint8Array): number[] => {
    const h = readHeader(b);
    assert.ok(h);
    return [h.ancount, h.nscount, h.arcount];
  };

  test('an answer RRset that does not fit is dropped whole and sets TC; nothing more is written', () => {
    // two of the three TXT records would fit in 305 octets, the RRset does not
    const r = response({ question: Q, answer: [A1, TXT3], authority: [SOA_RRSET], additional: [A1] });
    const { bytes, truncated } = encodeResponse(r, 29 + 16 + 2 * 113 + 50);
    assert.equal(truncated, true);
    assert.equal(tc(bytes), true);
    assert.deepEqual(counts(bytes), [1, 0, 0]);
    assert.equal(bytes.length, 45);
    const m = decodeMessage(bytes);
    assert.equal(m.header.tc, true);
    assert.deepEqual(plainRecords(m.answer), expand([A1]));
  });

  test('the first answer RRset not fitting leaves an empty answer with TC', () => {
    const { bytes, truncated } = encodeResponse(response({ question: Q, answer: [TXT3] }), 29 + 2 * 113);
    assert.equal(truncated, true);
    assert.deepEqual(counts(bytes), [0, 0, 0]);
    assert.equal(bytes.length, 29);
  });

  test('an authority RRset that does not fit sets TC', () => {
    const r = response({ question: Q, answer: [A1], authority: [SOA_RRSET, TXT3], additional: [A1] });
    const full = encodeResponse(r, 65535).bytes.length;
    // one octet short of room for TXT3, whatever the additional section would have taken
    const { bytes, truncated } = encodeResponse(r, full - 16 - 1);
    assert.equal(truncated, true);
    assert.equal(tc(bytes), true);
    assert.deepEqual(counts(bytes), [1, 1, 0]);
  });

  test('an additional RRset that does not fit is left out without TC; later ones still go in', () => {
    const r = response({ question: Q, answer: [A1], additional: [TXT3, { ...A1, name: 'b.example.com.' }] });
    const { bytes, truncated } = encodeResponse(r, 200);
    assert.equal(truncated, false);
    assert.equal(tc(bytes), false);
    assert.deepEqual(counts(bytes), [1, 0, 1]);
    assert.deepEqual(
      plainRecords(decodeMessage(bytes).additional),
      expand([{ ...A1, name: 'b.example.com.' }]),
    );
  });

  test('a response that fits exactly is not truncated; one octet less is', () => {
    const r = response({ question: Q, answer: [A1, TXT3] });
    const size = encodeResponse(r, 65535).bytes.length;
    assert.equal(size, 29 + 16 + 3 * 113);
    assert.deepEqual(
      [encodeResponse(r, size).truncated, encodeResponse(r, size).bytes.length],
      [false, size],
    );
    assert.deepEqual(
      [encodeResponse(r, size - 1).truncated, encodeResponse(r, size - 1).bytes.length],
      [true, 45],
    );
  });

  test('room for the OPT record is reserved: it is always there and the total stays within maxSize', () => {
    const plain = response({ question: Q, answer: [A1, TXT3] });
    const size = encodeResponse(plain, 65535).bytes.length;
    const r = { ...plain, edns: { udpSize: 1232, do: false } };
    const fits = encodeResponse(r, size + 11);
    assert.deepEqual([fits.truncated, fits.bytes.length], [false, size + 11]);
    assert.deepEqual(counts(fits.bytes), [4, 0, 1]);
    const tight = encodeResponse(r, size + 10);
    assert.equal(tight.truncated, true);
    assert.equal(tight.bytes.length, 45 + 11);
    assert.deepEqual(counts(tight.bytes), [1, 0, 1]);
    const m = decodeMessage(tight.bytes);
    assert.equal(m.header.tc, true);
    assert.deepEqual(m.edns, { udpSize: 1232, extendedRcode: 0, version: 0, do: false, options: [] });
    for (let max = 40; max < size + 20; max++) {
      const { bytes } = encodeResponse(r, max);
      assert.ok(bytes.length <= max, `${bytes.length} > ${max}`);
      assert.notEqual(decodeMessage(bytes).edns, undefined, `OPT missing at maxSize ${max}`);
    }
  });

  test('additional overflow with EDNS: no TC, OPT still counted', () => {
    const r = response({ question: Q, answer: [A1], additional: [TXT3], edns: { udpSize: 4096, do: true } });
    const { bytes, truncated } = encodeResponse(r, 300);
    assert.equal(truncated, false);
    assert.deepEqual(counts(bytes), [1, 0, 1]);
    assert.equal(bytes.length, 45 + 11);
  });

  test('BADVERS (16) with EDNS: 0 in the header, 1 in the OPT extended-rcode octet', () => {
    const { bytes } = encodeResponse(
      response({ question: Q, rcode: Rcode.BADVERS, edns: { udpSize: 1232, do: false } }),
      512,
    );
    assert.equal((bytes[3] as number) & 0x0f, 0);
    // OPT: root(1) type(2) class(2) then the TTL, whose first octet is the extended rcode
    const optAt = bytes.length - 11;
    assert.deepEqual([...bytes.subarray(optAt)], [0, ...u16(RRType.OPT), ...u16(1232), 1, 0, 0, 0, 0, 0]);
    const m = decodeMessage(bytes);
    assert.deepEqual([m.header.rcode, m.rcode, m.edns?.extendedRcode], [0, 16, 1]);
  });

  test('a plain rcode with EDNS leaves the extended-rcode octet 0 and echoes DO', () => {
    const { bytes } = encodeResponse(
      response({ rcode: Rcode.NXDOMAIN, edns: { udpSize: 1232, do: true } }),
      512,
    );
    assert.deepEqual([...bytes.subarray(12)], [0, ...u16(RRType.OPT), ...u16(1232), 0, 0, 0x80, 0, 0, 0]);
    assert.equal((bytes[3] as number) & 0x0f, Rcode.NXDOMAIN);
    assert.equal(decodeMessage(bytes).rcode, Rcode.NXDOMAIN);
  });
});

// ---------------------------------------------------------------------------------------------

describe('EDNS', () => {
  test('decodes the OPT record of a query and lifts it out of additional', () => {
    const bytes = encodeQuery({
      id: 1,
      name: 'example.com.',
      type: RRType.A,
      edns: { udpSize: 4096, do: true },
    });
    const m = decodeMessage(bytes);
    assert.deepEqual(m.edns, { udpSize: 4096, extendedRcode: 0, version: 0, do: true, options: [] });
    assert.deepEqual(plainRecords(m.additional), []);
    assert.equal(m.header.arcount, 1);
  });

  test('decodes udpSize, extended rcode, version, DO and options', () => {
    const cookie = [1, 2, 3, 4, 5, 6, 7, 8];
    const rdata = [...u16(10), ...u16(8), ...cookie, ...u16(12), ...u16(0)];
    const bytes = Uint8Array.from([
      ...header({ flags: 0x8003, qd: 1, ar: 1 }),
      ...question(wireName('example.com.')),
      ...opt({ udpSize: 1400, ttl: 0x01028001, rdata }),
    ]);
    const m = decodeMessage(bytes);
    assert.deepEqual(m.edns, {
      udpSize: 1400,
      extendedRcode: 1,
      version: 2,
      do: true,
      options: [
        { code: 10, data: Uint8Array.from(cookie) },
        { code: 12, data: new Uint8Array(0) },
      ],
    });
    assert.equal(m.rcode, (1 << 4) | 3);
  });

  test('DO is only the top flag bit', () => {
    const bytes = Uint8Array.from([...header({ ar: 1 }), ...opt({ ttl: 0x00007fff })]);
    assert.equal(decodeMessage(bytes).edns?.do, false);
  });

  test('the OPT owner may be the root reached through a pointer', () => {
    const bytes = Uint8Array.from([
      ...header({ qd: 1, ar: 1 }),
      ...question([0]),
      ...opt({ owner: [0xc0, 12] }),
    ]);
    assert.equal(decodeMessage(bytes).edns?.udpSize, 1232);
  });

  const limits: [number | undefined, number][] = [
    [undefined, 512],
    [0, 512],
    [100, 512],
    [511, 512],
    [512, 512],
    [1000, 1000],
    [1232, 1232],
    [1233, 1232],
    [4096, 1232],
    [65535, 1232],
  ];
  for (const [udpSize, want] of limits) {
    test(`responseSizeLimit for ${udpSize === undefined ? 'no EDNS' : `udpSize ${udpSize}`} is ${want}`, () => {
      const edns =
        udpSize === undefined ? undefined : { udpSize, extendedRcode: 0, version: 0, do: false, options: [] };
      assert.equal(responseSizeLimit(edns), want);
    });
  }
});

// ---------------------------------------------------------------------------------------------

describe('encodeQuery', () => {
  test('writes a standard query octet for octet', () => {
    const bytes = encodeQuery({ id: 0x1234, name: 'Example.com.', type: RRType.A });
    assert.deepEqual(
      [...bytes],
      [...header({ id: 0x1234, flags: 0x0100, qd: 1 }), ...question(wireName('Example.com.'))],
    );
  });

  test('dns-packet decodes it, with EDNS, DO and CD', () => {
    const bytes = encodeQuery({
      id: 42,
      name: 'www.example.com.',
      type: RRType.AAAA,
      cd: true,
      edns: { udpSize: 1232, do: true },
    });
    const dp = dnsPacket.decode(Buffer.from(bytes));
    assert.deepEqual(
      [dp.id, dp.type, dp.flag_qr, dp.flag_rd, dp.flag_cd, dp.flag_aa],
      [42, 'query', false, true, true, false],
    );
    assert.deepEqual(dp.questions, [{ name: 'www.example.com', type: 'AAAA', class: 'IN' }]);
    const o = dp.additionals?.[0] as dnsPacket.OptAnswer;
    assert.deepEqual(
      [dp.additionals?.length, o.type, o.udpPayloadSize, o.extendedRcode, o.ednsVersion, o.flag_do],
      [1, 'OPT', 1232, 0, 0, true],
    );
  });

  test('rd: false and another class', () => {
    const bytes = encodeQuery({
      id: 1,
      name: 'version.bind.',
      type: RRType.TXT,
      class: RRClass.CH,
      rd: false,
    });
    const dp = dnsPacket.decode(Buffer.from(bytes));
    assert.deepEqual([dp.flag_rd, dp.questions?.[0]?.class, dp.questions?.[0]?.type], [false, 'CH', 'TXT']);
    assert.deepEqual(decodeMessage(bytes).question, [
      { name: 'version.bind.', type: RRType.TXT, class: RRClass.CH },
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// Hostile input: every malformed message ends in a WireError with an exact message.

const Q_A = question(wireName('a.')); // at 12..18; the first record starts at 19
const A_RR = rr([0xc0, 12], RRType.A, [192, 0, 2, 1]); // 16 octets
const LABEL = (n: number, c = 0x61): number[] => [n, ...new Array<number>(n).fill(c)];

const HOSTILE: [string, number[], string][] = [
  ['an empty message', [], 'truncated header at offset 0'],
  ['a header of 11 octets', header({ qd: 1 }).slice(0, 11), 'truncated header at offset 11'],
  [
    'a question name cut inside a label',
    [...header({ qd: 1 }), 3, 0x77, 0x77],
    'truncated label at offset 12',
  ],
  [
    'a question name without its root label',
    [...header({ qd: 1 }), 3, 0x77, 0x77, 0x77],
    'truncated name at offset 16',
  ],
  [
    'a question cut inside its type',
    [...header({ qd: 1 }), 1, 0x61, 0, 0],
    'truncated question at offset 15',
  ],
  [
    'a question cut inside its class',
    [...header({ qd: 1 }), 1, 0x61, 0, 0, 1, 0],
    'truncated question at offset 17',
  ],
  [
    'QDCOUNT larger than the questions present',
    [...header({ qd: 2 }), ...Q_A],
    'truncated name at offset 19',
  ],
  [
    'a name pointer to itself (the dns2 v2 hang)',
    [...header({ qd: 1 }), 0xc0, 12, 0, 1, 0, 1],
    'name pointer to itself at offset 12',
  ],
  [
    'an answer owner pointing to itself',
    [...header({ qd: 1, an: 1 }), ...Q_A, 0xc0, 19, ...A_RR.slice(2)],
    'name pointer to itself at offset 19',
  ],
  [
    'a forward name pointer',
    [...header({ qd: 1 }), 0xc0, 14, 0, 0, 1, 0, 1],
    'forward name pointer at offset 12',
  ],
  [
    'a pointer with its second octet missing',
    [...header({ qd: 1 }), 1, 0x61, 0xc0],
    'truncated name pointer at offset 14',
  ],
  [
    'an answer owner pointing back into its own run of labels',
    [...header({ qd: 1, an: 1 }), ...Q_A, 1, 0x62, 0xc0, 19, ...A_RR.slice(2)],
    'name pointer loop at offset 21',
  ],
  [
    // rdata of an opaque type at 31 holds: 31 → ptr 33, 33 → ptr 31; the second owner enters at 33
    'a pointer loop between two earlier positions',
    [
      ...header({ qd: 1, an: 2 }),
      ...Q_A,
      ...rr([0xc0, 12], UNKNOWN_TYPE, [0xc0, 33, 0xc0, 31]),
      ...rr([0xc0, 33], RRType.A, [1, 2, 3, 4]),
    ],
    'forward name pointer at offset 31',
  ],
  [
    // rdata at 31 holds the label "x" then a pointer back to 31
    'a pointer back to an earlier label that leads to itself',
    [
      ...header({ qd: 1, an: 2 }),
      ...Q_A,
      ...rr([0xc0, 12], UNKNOWN_TYPE, [1, 0x78, 0xc0, 31]),
      ...rr([0xc0, 31], RRType.A, [1, 2, 3, 4]),
    ],
    'name pointer loop at offset 33',
  ],
  [
    'a label length octet of 64',
    [...header({ qd: 1 }), ...LABEL(64), 0, 0, 1, 0, 1],
    'label length 64 exceeds 63 (or unsupported label type) at offset 12',
  ],
  [
    'a label length octet of 0x80',
    [...header({ qd: 1 }), 0x80, 0x61, 0, 0, 1, 0, 1],
    'label length 128 exceeds 63 (or unsupported label type) at offset 12',
  ],
  [
    'a name of 257 octets made of valid labels',
    [...header({ qd: 1 }), ...LABEL(63), ...LABEL(63), ...LABEL(63), ...LABEL(63), 0, 0, 1, 0, 1],
    'name longer than 255 octets at offset 204',
  ],
  [
    'a name of 256 octets made of valid labels',
    [...header({ qd: 1 }), ...LABEL(63), ...LABEL(63), ...LABEL(63), ...LABEL(62), 0, 0, 1, 0, 1],
    'name longer than 255 octets at offset 204',
  ],
  [
    'a name that passes 255 octets through a pointer',
    [
      ...header({ qd: 1, an: 1 }),
      ...LABEL(63),
      ...LABEL(63),
      ...LABEL(63),
      ...LABEL(61),
      0,
      0,
      1,
      0,
      1,
      1,
      0x78,
      0xc0,
      12,
      ...A_RR.slice(2),
    ],
    'name longer than 255 octets at offset 204',
  ],
  [
    'RDLENGTH past the end of the message',
    [...header({ qd: 1, an: 1 }), ...Q_A, ...rr([0xc0, 12], RRType.A, [1, 2, 3, 4], { rdlength: 10 })],
    'RDLENGTH runs past the end of the message at offset 29',
  ],
  [
    'a record cut inside its fixed fields',
    [...header({ qd: 1, an: 1 }), ...Q_A, 0xc0, 12, 0, 1, 0],
    'truncated resource record at offset 23',
  ],
  [
    'an A record with RDLENGTH 5',
    [...header({ qd: 1, an: 1 }), ...Q_A, ...rr([0xc0, 12], RRType.A, [1, 2, 3, 4, 5])],
    'A rdata is not 4 octets at offset 31',
  ],
  [
    'an AAAA record with RDLENGTH 15',
    [...header({ qd: 1, an: 1 }), ...Q_A, ...rr([0xc0, 12], RRType.AAAA, new Array<number>(15).fill(0))],
    'AAAA rdata is not 16 octets at offset 31',
  ],
  [
    'a TXT character-string running past RDLENGTH',
    [...header({ qd: 1, an: 1 }), ...Q_A, ...rr([0xc0, 12], RRType.TXT, [5, 0x61, 0x62]), 0x63, 0x64, 0x65],
    'TXT character-string runs past RDLENGTH at offset 32',
  ],
  [
    'an MX exchange running past RDLENGTH',
    [...header({ qd: 1, an: 1 }), ...Q_A, ...rr([0xc0, 12], RRType.MX, [0, 1, 1, 0x61], { rdlength: 4 }), 0],
    'truncated name at offset 35',
  ],
  [
    'ANCOUNT larger than the answers present',
    [...header({ qd: 1, an: 2 }), ...Q_A, ...A_RR],
    'truncated name at offset 35',
  ],
  [
    'NSCOUNT larger than the authority present',
    [...header({ qd: 1, an: 1, ns: 1 }), ...Q_A, ...A_RR],
    'truncated name at offset 35',
  ],
  [
    'ARCOUNT larger than the additional present',
    [...header({ qd: 1, ar: 2 }), ...Q_A, ...A_RR],
    'truncated name at offset 35',
  ],
  [
    'two OPT records',
    [...header({ qd: 1, ar: 2 }), ...Q_A, ...opt(), ...opt()],
    'more than one OPT record at offset 30',
  ],
  [
    'two OPT records around another record',
    [...header({ qd: 1, ar: 3 }), ...Q_A, ...opt(), ...A_RR, ...opt()],
    'more than one OPT record at offset 46',
  ],
  [
    'an OPT record in the answer section',
    [...header({ qd: 1, an: 1 }), ...Q_A, ...opt()],
    'OPT record outside the additional section at offset 19',
  ],
  [
    'an OPT record in the authority section',
    [...header({ qd: 1, ns: 1 }), ...Q_A, ...opt()],
    'OPT record outside the additional section at offset 19',
  ],
  [
    'an OPT record with a non-root owner',
    [...header({ qd: 1, ar: 1 }), ...Q_A, ...opt({ owner: wireName('a.') })],
    'OPT owner is not the root at offset 32',
  ],
  [
    'an OPT record owned by the question name',
    [...header({ qd: 1, ar: 1 }), ...Q_A, ...opt({ owner: [0xc0, 12] })],
    'OPT owner is not the root at offset 31',
  ],
  [
    'an EDNS option running past RDLENGTH',
    [...header({ qd: 1, ar: 1 }), ...Q_A, ...opt({ rdata: [...u16(10), ...u16(8), 1, 2] })],
    'EDNS option runs past RDLENGTH at offset 34',
  ],
  [
    'an EDNS option header cut short',
    [...header({ qd: 1, ar: 1 }), ...Q_A, ...opt({ rdata: [0, 10, 0] })],
    'truncated EDNS option at offset 30',
  ],
  [
    'an OPT RDLENGTH past the end',
    [...header({ qd: 1, ar: 1 }), ...Q_A, ...opt({ rdata: [0, 10], rdlength: 10 })],
    'RDLENGTH runs past the end of the message at offset 28',
  ],
  [
    'an octet after the last record',
    [...header({ qd: 1, an: 1 }), ...Q_A, ...A_RR, 0],
    'trailing octets after the last record at offset 35',
  ],
  [
    'a header alone with octets after it',
    [...header({}), 0, 0],
    'trailing octets after the last record at offset 12',
  ],
];

// ---------------------------------------------------------------------------------------------
// The fuzz corpus: random and randomly mutated valid messages, from a seeded PRNG.

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FUZZ_SEED = 0x238d5;
const FUZZ_RUNS = 20_000;

function fuzzCorpus(): Uint8Array[] {
  const rand = mulberry32(FUZZ_SEED);
  const int = (n: number) => Math.floor(rand() * n);
  const valid: Uint8Array[] = [
    encodeResponse(FULL, 65535).bytes,
    encodeResponse({ ...FULL, edns: { udpSize: 1232, do: true } }, 1232).bytes,
    encodeResponse({ ...FULL, edns: { udpSize: 1232, do: false }, rcode: Rcode.BADVERS }, 512).bytes,
    ...EVERY_TYPE.map(
      (s) =>
        encodeResponse(
          response({ question: { name: s.name, type: s.type, class: RRClass.IN }, answer: [s] }),
          512,
        ).bytes,
    ),
    encodeQuery({ id: 9, name: 'www.example.com.', type: RRType.A, edns: { udpSize: 4096, do: true } }),
    Uint8Array.from([
      ...header({ qd: 1, ar: 1 }),
      ...question(wireName('example.com.')),
      ...opt({ rdata: [0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8] }),
    ]),
  ].map((b) => b.slice());
  const out: Uint8Array[] = [...valid, ...HOSTILE.map(([, bytes]) => Uint8Array.from(bytes))];
  while (out.length < FUZZ_RUNS) {
    if (rand() < 0.2) {
      // random octets after a header with small counts, with pointers sprinkled in
      const len = int(160);
      const body = Array.from({ length: len }, () => (rand() < 0.1 ? 0xc0 | int(4) : int(256)));
      out.push(Uint8Array.from([...header({ qd: int(3), an: int(4), ns: int(3), ar: int(3) }), ...body]));
      continue;
    }
    const m = Array.from(valid[int(valid.length)] as Uint8Array);
    for (let k = 1 + int(3); k > 0; k--) {
      const at = int(Math.max(m.length, 1));
      const op = rand();
      if (op < 0.4) {
        m[at] = int(256); // one octet to anything
      } else if (op < 0.5) {
        m[at] = 0xc0 | int(2); // a pointer to a random place
        m[at + 1] = int(256);
      } else if (op < 0.6) {
        m.length = at; // cut short
      } else if (op < 0.7) {
        m.splice(at, 0, ...Array.from({ length: 1 + int(8) }, () => int(256))); // octets inserted
      } else if (op < 0.8) {
        m.splice(at, 1 + int(16)); // a range deleted
      } else if (op < 0.9) {
        m[4 + int(8)] = int(rand() < 0.5 ? 4 : 256); // a section count changed
      } else {
        m.splice(int(m.length), 0, ...m.slice(at, at + 1 + int(24))); // a slice copied elsewhere
      }
    }
    out.push(Uint8Array.from(m.filter((v) => v !== undefined)));
  }
  return out;
}

// The decode loop also runs in a child process first, under a timeout, so that a decoder that
// hangs fails this file instead of stalling the whole test run.
const CHILD = `
import { decodeMessage } from ${JSON.stringify(new URL('./message.ts', import.meta.url).href)};
let text = '';
for await (const chunk of process.stdin) text += chunk;
let done = 0;
for (const line of text.split('\\n')) {
  try { decodeMessage(Buffer.from(line, 'base64')); } catch {}
  done++;
}
process.stdout.write(String(done));
`;

describe('hostile input', () => {
  const corpus = fuzzCorpus();
  let terminated = false;

  test(`decoding ${corpus.length} hostile and fuzzed messages terminates (child process, 60 s timeout)`, () => {
    const input = corpus.map((b) => Buffer.from(b).toString('base64')).join('\n');
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD], {
      cwd: root,
      input,
      timeout: 60_000,
      encoding: 'utf8',
    });
    assert.equal(child.signal, null, `the decoder did not finish within 60 s: ${child.stderr}`);
    assert.equal(child.status, 0, child.stderr);
    assert.equal(child.stdout, String(corpus.length));
    terminated = true;
  });

  for (const [what, bytes, message] of HOSTILE) {
    test(`rejects ${what}`, (t) => {
      if (!terminated) return t.skip('the decoder does not terminate');
      assert.throws(
        () => decodeMessage(Uint8Array.from(bytes)),
        (err: unknown) => {
          assert.ok(err instanceof WireError, `expected a WireError, got ${String(err)}`);
          assert.equal(err.message, message);
          return true;
        },
      );
    });
  }

  test(`${FUZZ_RUNS} random and mutated messages either decode or throw WireError (seed ${FUZZ_SEED})`, (t) => {
    if (!terminated) return t.skip('the decoder does not terminate');
    assert.equal(corpus.length, FUZZ_RUNS);
    let decoded = 0;
    let rejected = 0;
    for (const [i, bytes] of corpus.entries()) {
      let m: Message;
      try {
        m = decodeMessage(bytes);
      } catch (err) {
        if (!(err instanceof WireError)) {
          assert.fail(`input ${i} (${Buffer.from(bytes).toString('hex')}) threw ${(err as Error).stack}`);
        }
        rejected++;
        continue;
      }
      decoded++;
      // a decoded message accounts for every record its header announced
      const h = m.header;
      assert.deepEqual(
        [m.question.length, m.answer.length, m.authority.length, m.additional.length + (m.edns ? 1 : 0)],
        [h.qdcount, h.ancount, h.nscount, h.arcount],
        `input ${i}`,
      );
    }
    // the corpus must exercise both outcomes, or it tests nothing
    t.diagnostic(`${decoded} decoded, ${rejected} rejected`);
    assert.ok(decoded > 1000, `only ${decoded} decoded`);
    assert.ok(rejected > 1000, `only ${rejected} rejected`);
  });
});

describe('relaying received rdata', () => {
  test('decodeMessage keeps each rdata as received, and encodeResponse writes wire verbatim', () => {
    // TXT with two character-strings: presentation joins them, the wire keeps the boundary.
    const two = Uint8Array.from([1, 0x61, 1, 0x62]);
    const r = response({
      question: { name: 'example.com.', type: RRType.TXT, class: RRClass.IN },
      answer: [{ name: 'example.com.', type: RRType.TXT, ttl: 60, data: ['ab'], wire: [two] }],
    });
    const m = decodeMessage(encodeResponse(r, 512).bytes);
    assert.equal(m.answer[0]?.data, 'ab');
    assert.deepEqual([...(m.answer[0]?.wire ?? [])], [...two]);
  });

  test('hasCompressedNames marks the RFC 3597 §4 types', () => {
    for (const t of [RRType.NS, RRType.CNAME, RRType.SOA, RRType.PTR, RRType.MX, RRType.SRV])
      assert.ok(hasCompressedNames(t));
    for (const t of [RRType.A, RRType.AAAA, RRType.TXT, RRType.CAA, 65280]) assert.ok(!hasCompressedNames(t));
  });
});
