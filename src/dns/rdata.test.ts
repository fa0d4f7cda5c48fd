import assert from 'node:assert/strict';
import { isIPv6 } from 'node:net';
import { describe, test } from 'node:test';
import { RRType, typeName } from './constants.ts';
import { PresentationError, WireError } from './errors.ts';
import { canonicalValue, decodeRdata, encodeRdata, parseSoa } from './rdata.ts';
import { Reader } from './reader.ts';
import { Writer } from './writer.ts';

const UNKNOWN_TYPE = 65280; // private use (RFC 6895 §3.1): no codec of its own

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const fromHex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ''), 'hex'));
const ascii = (s: string): number[] => Array.from(s, (c) => c.charCodeAt(0));

/** rdataWire encodes value as rdata of type, checks RDLENGTH, and returns the rdata octets. */
function rdataWire(type: number, value: string): Uint8Array {
  const w = new Writer(65535);
  encodeRdata(w, type, value);
  const out = w.finish().slice();
  assert.equal((out[0] as number) * 256 + (out[1] as number), out.length - 2, 'RDLENGTH');
  return out.subarray(2);
}

/** roundTrip encodes value into a Writer and decodes it with decodeRdata, returning the text. */
function roundTrip(type: number, value: string): string {
  const w = new Writer(65535);
  encodeRdata(w, type, value);
  const buf = w.finish();
  const r = new Reader(buf, 2);
  const out = decodeRdata(r, type, buf.length - 2);
  assert.equal(r.pos, buf.length, 'decodeRdata consumed the whole rdata');
  return out;
}

function rejects(fn: () => unknown, message: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof PresentationError, `expected PresentationError, got ${String(err)}`);
    assert.equal(err.message, message);
    return true;
  });
}

function wireRejects(fn: () => unknown, message: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof WireError, `expected WireError, got ${String(err)}`);
    assert.equal(err.message, message);
    return true;
  });
}

interface Table {
  /** [input, canonical output, rdata octets in hex (optional)] */
  readonly accepted: readonly (readonly [string, string, string?])[];
  /** [input, PresentationError message] */
  readonly rejected: readonly (readonly [string, string])[];
}

const short = (s: string): string => JSON.stringify(s.length > 50 ? `${s.slice(0, 50)}…` : s);

const TABLES: Readonly<Record<string, Table>> = {
  A: {
    accepted: [
      ['192.0.2.1', '192.0.2.1', 'c0000201'],
      ['0.0.0.0', '0.0.0.0', '00000000'],
      ['255.255.255.255', '255.255.255.255', 'ffffffff'],
      [' 10.0.0.1 ', '10.0.0.1', '0a000001'],
    ],
    rejected: [
      ['256.0.0.1', '"256.0.0.1" is not an IPv4 address'],
      ['01.2.3.4', '"01.2.3.4" has a leading zero'],
      ['1.2.3.00', '"1.2.3.00" has a leading zero'],
      ['1.2.3', '"1.2.3" is not an IPv4 address'],
      ['1.2.3.4.5', '"1.2.3.4.5" is not an IPv4 address'],
      ['1.2.3.4/32', '"1.2.3.4/32" is not an IPv4 address'],
      ['1.2.3.-4', '"1.2.3.-4" is not an IPv4 address'],
      ['a.b.c.d', '"a.b.c.d" is not an IPv4 address'],
      ['::1', '"::1" is not an IPv4 address'],
      ['', '"" is not an IPv4 address'],
      ['1.2.3.4 5.6.7.8', '"1.2.3.4 5.6.7.8" is not an IPv4 address'],
    ],
  },
  AAAA: {
    accepted: [
      ['2001:db8::1', '2001:db8::1', '20010db8000000000000000000000001'],
      ['2001:DB8::1', '2001:db8::1'],
      ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
      ['::', '::', '00000000000000000000000000000000'],
      ['::1', '::1', '00000000000000000000000000000001'],
      ['1::', '1::', '00010000000000000000000000000000'],
      ['::2', '::2'],
      ['::ffff:1.2.3.4', '::ffff:1.2.3.4', '00000000000000000000ffff01020304'],
      ['::ffff:102:304', '::ffff:1.2.3.4'],
      ['::1.2.3.4', '::1.2.3.4', '00000000000000000000000001020304'],
      ['::ffff:0.0.0.0', '::ffff:0.0.0.0'],
      ['::fffe:1.2.3.4', '::fffe:102:304'],
      ['64:ff9b::1.2.3.4', '64:ff9b::102:304'],
      ['2001:db8:0:1::1', '2001:db8:0:1::1'],
      ['2001:db8:0:1:0:0:0:1', '2001:db8:0:1::1'],
      // a single zero field is not shortened (RFC 5952 §4.2.2)
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1', '20010db8000000010001000100010001'],
      ['2001:db8::1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
      ['::1:2:3:4:5:6:7', '0:1:2:3:4:5:6:7'],
      ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
      // the longest run is shortened; on a tie, the first
      ['1:0:0:2:0:0:0:4', '1:0:0:2::4'],
      ['1:0:0:2:0:0:3:4', '1::2:0:0:3:4'],
      ['fe80::1', 'fe80::1'],
      ['FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
    ],
    rejected: [
      ['1.2.3.4', '"1.2.3.4" is not an IPv6 address'],
      ['::g', '"::g" is not an IPv6 address'],
      ['1::2::3', '"1::2::3" is not an IPv6 address'],
      ['1:2:3:4:5:6:7:8:9', '"1:2:3:4:5:6:7:8:9" is not an IPv6 address'],
      ['1:2:3:4:5:6:7', '"1:2:3:4:5:6:7" is not an IPv6 address'],
      ['fe80::1%eth0', '"fe80::1%eth0" is not an IPv6 address'],
      ['::01.2.3.4', '"::01.2.3.4" is not an IPv6 address'],
      ['', '"" is not an IPv6 address'],
    ],
  },
  CNAME: {
    accepted: [
      ['Target.Example.COM', 'target.example.com.', '06746172676574076578616d706c6503636f6d00'],
      ['target.example.com.', 'target.example.com.'],
      ['.', '.', '00'],
      [' a.example. ', 'a.example.'],
      ['a\\.b.example', 'a\\.b.example.', '03612e62076578616d706c6500'],
    ],
    rejected: [
      ['', 'CNAME needs one domain name'],
      ['a.example. b.example.', 'CNAME needs one domain name'],
      ['a..example', 'name "a..example" has an empty label'],
      [`${'x'.repeat(64)}.example`, `name "${'x'.repeat(64)}.example" has a label longer than 63 octets`],
    ],
  },
  NS: {
    accepted: [
      ['NS1.Example.com', 'ns1.example.com.', '036e7331076578616d706c6503636f6d00'],
      ['ns1.example.com.', 'ns1.example.com.'],
    ],
    rejected: [
      ['', 'NS needs one domain name'],
      ['ns1 example', 'NS needs one domain name'],
    ],
  },
  PTR: {
    accepted: [
      ['host.Example.com', 'host.example.com.', '04686f7374076578616d706c6503636f6d00'],
      ['.', '.'],
    ],
    rejected: [
      ['', 'PTR needs one domain name'],
      ['\\999.example', 'name "\\999.example" has a bad \\DDD escape'],
    ],
  },
  MX: {
    accepted: [
      ['10 mail.example.com.', '10 mail.example.com.', '000a046d61696c076578616d706c6503636f6d00'],
      ['10 Mail.Example.COM', '10 mail.example.com.'],
      ['  0   .  ', '0 .', '000000'],
      ['65535 mx.example.', '65535 mx.example.', 'ffff026d78076578616d706c6500'],
      ['010 mx.example.', '10 mx.example.'],
    ],
    rejected: [
      ['', 'MX needs 2 fields, got 0'],
      ['10', 'MX needs 2 fields, got 1'],
      ['10 a.example. b.example.', 'MX needs 2 fields, got 3'],
      ['65536 mx.example.', 'MX preference 65536 is larger than 65535'],
      ['-1 mx.example.', 'MX preference "-1" is not a number'],
      ['ten mx.example.', 'MX preference "ten" is not a number'],
      ['10 a..b', 'name "a..b" has an empty label'],
    ],
  },
  TXT: {
    accepted: [
      ['v=spf1 -all', 'v=spf1 -all', '0b763d73706631202d616c6c'],
      ['', '', '00'],
      ['"quoted"', '"quoted"', '08227175 6f746564 22'],
      ['  spaces kept  ', '  spaces kept  '],
      ['back\\slash', 'back\\slash'],
      ['é', 'é', '02c3a9'],
    ],
    rejected: [],
  },
  SRV: {
    accepted: [
      [
        '10 5 5060 sip.example.com.',
        '10 5 5060 sip.example.com.',
        '000a000513c403736970076578616d706c6503636f6d00',
      ],
      ['10 5 5060 Sip.Example.COM', '10 5 5060 sip.example.com.'],
      ['0 0 0 .', '0 0 0 .', '00000000000000'],
      ['65535 65535 65535 x.', '65535 65535 65535 x.'],
    ],
    rejected: [
      ['10 5 5060', 'SRV needs 4 fields, got 3'],
      ['10 5 5060 a. b.', 'SRV needs 4 fields, got 5'],
      ['65536 5 5060 sip.example.', 'SRV priority 65536 is larger than 65535'],
      ['1 65536 5060 sip.example.', 'SRV weight 65536 is larger than 65535'],
      ['1 5 65536 sip.example.', 'SRV port 65536 is larger than 65535'],
      ['1 5 http sip.example.', 'SRV port "http" is not a number'],
    ],
  },
  SOA: {
    accepted: [
      [
        'ns1.example.com. hostmaster.example.com. 2026112901 7200 3600 1209600 300',
        'ns1.example.com. hostmaster.example.com. 2026112901 7200 3600 1209600 300',
        // the rname is compressed against the mname inside the same rdata (offset 6 of the message)
        '036e7331076578616d706c6503636f6d000a686f73746d6173746572c00678c4078500001c2000000e10001275000000012c',
      ],
      [
        'NS1.Example.COM Hostmaster.Example.COM 4294967295 0 0 0 0',
        'ns1.example.com. hostmaster.example.com. 4294967295 0 0 0 0',
      ],
      ['. . 1 2 3 4 5', '. . 1 2 3 4 5', '00000000000100000002000000030000000400000005'],
    ],
    rejected: [
      ['ns1.example.com. hostmaster.example.com. 1 2 3 4', 'SOA needs 7 fields, got 6'],
      ['ns1.example.com. hostmaster.example.com. 1 2 3 4 5 6', 'SOA needs 7 fields, got 8'],
      ['ns1. host. 4294967296 2 3 4 5', 'SOA serial 4294967296 is larger than 4294967295'],
      ['ns1. host. 1 x 3 4 5', 'SOA refresh "x" is not a number'],
      ['ns1. host. 1 2 3.5 4 5', 'SOA retry "3.5" is not a number'],
      ['ns1. host. 1 2 3 4 -5', 'SOA minimum "-5" is not a number'],
      ['ns1. host. 1 2 3 99999999999 5', 'SOA expire "99999999999" is not a number'],
    ],
  },
  CAA: {
    accepted: [
      [
        '0 issue "letsencrypt.org"',
        '0 issue "letsencrypt.org"',
        '000569737375656c657473656e63727970742e6f7267',
      ],
      ['0 issue letsencrypt.org', '0 issue "letsencrypt.org"'],
      ['  128   issue   ";"  ', '128 issue ";"', '80056973737565 3b'],
      ['0 issuewild "ca.example; account=123"', '0 issuewild "ca.example; account=123"'],
      ['0 iodef "mailto:security@example.com"', '0 iodef "mailto:security@example.com"'],
      ['0 issue ""', '0 issue ""', '00056973737565'],
      ['0 Issue x', '0 Issue "x"'],
      ['0 abcdefghijklmno x', '0 abcdefghijklmno "x"'],
      ['0 tag1 x', '0 tag1 "x"'],
      ['255 issue x', '255 issue "x"'],
      // escapes: \" and \\ stay escaped, \DDD is read, and anything not printable ASCII is written \DDD
      ['0 issue "a\\"b"', '0 issue "a\\"b"', '0005697373756561 22 62'],
      ['0 issue "a\\\\b"', '0 issue "a\\\\b"', '0005697373756561 5c 62'],
      ['0 issue "a\\098c"', '0 issue "abc"'],
      ['0 issue "\\x"', '0 issue "x"'],
      ['0 issue "tab\\009x"', '0 issue "tab\\009x"'],
      ['0 issue "é"', '0 issue "\\195\\169"', '00056973737565c3a9'],
      ['0 issue "😀"', '0 issue "\\240\\159\\152\\128"', '0005697373756 5f09f9880'],
      ['0 issue "with space"', '0 issue "with space"'],
      ['0 issue "\\😀"', '0 issue "\\240\\159\\152\\128"'],
    ],
    rejected: [
      ['0 issue', 'CAA needs flags, tag and value'],
      ['', 'CAA needs flags, tag and value'],
      ['256 issue x', 'CAA flags 256 is larger than 255'],
      ['x issue y', 'CAA flags "x" is not a number'],
      ['0 iss-ue x', 'CAA tag "iss-ue" must be 1-15 letters or digits'],
      ['0 is_sue x', 'CAA tag "is_sue" must be 1-15 letters or digits'],
      ['0 "issue" x', 'CAA tag ""issue"" must be 1-15 letters or digits'],
      ['0 abcdefghijklmnop x', 'CAA tag "abcdefghijklmnop" must be 1-15 letters or digits'],
      ['0 issue with space', 'CAA value with spaces must be quoted'],
      ['0 issue "abc', 'CAA value "abc has no closing quote'],
      ['0 issue "', 'CAA value " has no closing quote'],
      ['0 issue "a\\"', 'CAA value "a\\" has no closing quote'],
      ['0 issue "a"b"', 'CAA value has an unescaped quote'],
      ['0 issue a"b', 'CAA value has an unescaped quote'],
      ['0 issue "a\\256"', 'CAA value has a bad \\DDD escape'],
      ['0 issue a\\', 'CAA value ends in a lone backslash'],
    ],
  },
};

describe('canonicalValue and the wire round trip', () => {
  for (const [type, table] of Object.entries(TABLES)) {
    const n = RRType[type as keyof typeof RRType];
    describe(type, () => {
      for (const [input, want, wire] of table.accepted) {
        test(`accepts ${short(input)}`, () => {
          assert.equal(canonicalValue(type, input), want);
          assert.equal(canonicalValue(type.toLowerCase(), input), want, 'type in lower case');
          assert.equal(canonicalValue(n, input), want, 'type by number');
          assert.equal(roundTrip(n, input), want, 'wire round trip');
          assert.equal(canonicalValue(type, want), want, 'canonical output is a fixed point');
          if (wire !== undefined) assert.equal(hex(rdataWire(n, input)), wire.replace(/\s+/g, ''));
        });
      }
      for (const [input, message] of table.rejected) {
        test(`rejects ${short(input)}`, () => {
          rejects(() => canonicalValue(type, input), message);
        });
      }
    });
  }

  describe('unknown type (RFC 3597 generic form)', () => {
    const accepted: [string, string, string][] = [
      ['\\# 4 0A000001', '\\# 4 0A000001', '0a000001'],
      ['\\# 4 0a 00 00 01', '\\# 4 0A000001', '0a000001'],
      ['  \\#  2  abcd  ', '\\# 2 ABCD', 'abcd'],
      ['\\# 0', '\\# 0', ''],
    ];
    for (const [input, want, wire] of accepted) {
      test(`accepts ${short(input)}`, () => {
        assert.equal(canonicalValue(UNKNOWN_TYPE, input), want);
        assert.equal(roundTrip(UNKNOWN_TYPE, input), want);
        assert.equal(hex(rdataWire(UNKNOWN_TYPE, input)), wire);
      });
    }
    const rejected: [string, string][] = [
      ['\\# 3 0A000001', 'generic rdata length 3 does not match its hex'],
      ['\\# 1 A', 'generic rdata length 1 does not match its hex'],
      ['\\# 1', 'generic rdata length 1 does not match its hex'],
      ['\\# 1 zz', '"\\# 1 zz" is not in the \\# generic form'],
      ['10.0.0.1', '"10.0.0.1" is not in the \\# generic form'],
      ['\\#', '"\\#" is not in the \\# generic form'],
    ];
    for (const [input, message] of rejected) {
      test(`rejects ${short(input)}`, () => rejects(() => canonicalValue(UNKNOWN_TYPE, input), message));
    }

    test('a known type without a codec of its own also uses the generic form', () => {
      assert.equal(canonicalValue('HINFO', '\\# 3 01 41 00'), '\\# 3 014100');
      assert.equal(typeName(UNKNOWN_TYPE), 'TYPE65280');
    });

    test('a type name that is not known is rejected', () => {
      rejects(() => canonicalValue('BOGUS', '1'), 'unknown type BOGUS');
    });
  });
});

describe('TXT character-strings', () => {
  test('the empty string is one empty character-string', () => {
    assert.deepEqual([...rdataWire(RRType.TXT, '')], [0]);
  });

  test('exactly 255 octets is one character-string', () => {
    const text = 'a'.repeat(255);
    assert.deepEqual([...rdataWire(RRType.TXT, text)], [255, ...ascii(text)]);
    assert.equal(roundTrip(RRType.TXT, text), text);
  });

  test('256 octets become character-strings of 255 and 1', () => {
    const text = `${'a'.repeat(255)}b`;
    assert.deepEqual([...rdataWire(RRType.TXT, text)], [255, ...ascii('a'.repeat(255)), 1, 0x62]);
    assert.equal(roundTrip(RRType.TXT, text), text);
  });

  test('1000 octets become 255 + 255 + 255 + 235', () => {
    const text = Array.from({ length: 1000 }, (_, i) => String.fromCharCode(0x41 + (i % 26))).join('');
    const wire = rdataWire(RRType.TXT, text);
    assert.equal(wire.length, 1004);
    assert.deepEqual([wire[0], wire[256], wire[512], wire[768]], [255, 255, 255, 235]);
    assert.equal(Buffer.from(wire.subarray(769)).toString('latin1'), text.slice(765));
    assert.equal(roundTrip(RRType.TXT, text), text);
  });

  test('non-ASCII text is carried as UTF-8', () => {
    const text = 'héllo ✓ 😀';
    const utf8 = Buffer.from(text, 'utf8');
    assert.deepEqual([...rdataWire(RRType.TXT, text)], [utf8.length, ...utf8]);
    assert.equal(roundTrip(RRType.TXT, text), text);
  });

  test('a split inside a UTF-8 sequence is joined again on decode', () => {
    const text = `${'a'.repeat(254)}éz`;
    assert.deepEqual([...rdataWire(RRType.TXT, text)], [255, ...ascii('a'.repeat(254)), 0xc3, 2, 0xa9, 0x7a]);
    assert.equal(roundTrip(RRType.TXT, text), text);
  });

  test('several character-strings decode as their concatenation', () => {
    const buf = Uint8Array.from([2, ...ascii('ab'), 0, 3, ...ascii('cde')]);
    assert.equal(decodeRdata(new Reader(buf), RRType.TXT, buf.length), 'abcde');
  });

  test('no character-string at all decodes as empty text', () => {
    assert.equal(decodeRdata(new Reader(new Uint8Array(0)), RRType.TXT, 0), '');
  });
});

describe('compression inside rdata', () => {
  function afterName(type: number, value: string): number[] {
    const w = new Writer(65535);
    w.name('example.com.', true); // 13 octets at offset 0
    encodeRdata(w, type, value);
    return [...w.finish().subarray(13)];
  }

  test('MX, NS, CNAME, PTR and SOA targets are compressed', () => {
    assert.deepEqual(afterName(RRType.MX, '10 mail.example.com.'), [
      0,
      9,
      0,
      10,
      4,
      ...ascii('mail'),
      0xc0,
      0,
    ]);
    assert.deepEqual(afterName(RRType.NS, 'ns1.Example.com.'), [0, 6, 3, ...ascii('ns1'), 0xc0, 0]);
    assert.deepEqual(afterName(RRType.CNAME, 'example.com.'), [0, 2, 0xc0, 0]);
    assert.deepEqual(afterName(RRType.PTR, 'h.example.com.'), [0, 4, 1, 0x68, 0xc0, 0]);
    assert.deepEqual(afterName(RRType.SOA, 'example.com. h.example.com. 1 2 3 4 5').slice(0, 8), [
      0,
      2 + 4 + 20,
      0xc0,
      0,
      1,
      0x68,
      0xc0,
      0,
    ]);
  });

  test('SRV targets are never compressed (RFC 2782)', () => {
    assert.deepEqual(afterName(RRType.SRV, '1 2 3 sip.example.com.'), [
      0,
      23,
      0,
      1,
      0,
      2,
      0,
      3,
      3,
      ...ascii('sip'),
      7,
      ...ascii('example'),
      3,
      ...ascii('com'),
      0,
    ]);
  });
});

describe('decodeRdata rejects malformed rdata with a WireError', () => {
  const cases: [string, number, number[], number, string][] = [
    [
      'RDLENGTH past the end',
      RRType.A,
      [1, 2, 3],
      4,
      'RDLENGTH runs past the end of the message at offset 0',
    ],
    ['A of 3 octets', RRType.A, [1, 2, 3], 3, 'A rdata is not 4 octets at offset 0'],
    ['A of 5 octets', RRType.A, [1, 2, 3, 4, 5], 5, 'A rdata is not 4 octets at offset 0'],
    ['AAAA of 15 octets', RRType.AAAA, new Array(15).fill(0), 15, 'AAAA rdata is not 16 octets at offset 0'],
    ['AAAA of 17 octets', RRType.AAAA, new Array(17).fill(0), 17, 'AAAA rdata is not 16 octets at offset 0'],
    ['MX of 1 octet', RRType.MX, [0], 1, 'truncated MX rdata at offset 0'],
    [
      'MX with a trailing octet',
      RRType.MX,
      [0, 10, 0, 0xff],
      4,
      'MX rdata shorter than RDLENGTH at offset 3',
    ],
    ['CNAME name past RDLENGTH', RRType.CNAME, [3, 0x61, 0x62, 0x63, 0], 3, 'truncated label at offset 0'],
    ['CNAME without its root label', RRType.CNAME, [1, 0x61], 2, 'truncated name at offset 2'],
    ['NS name pointer forward', RRType.NS, [0xc0, 0x05, 0, 0, 0, 0], 6, 'forward name pointer at offset 0'],
    ['SRV of 5 octets', RRType.SRV, [0, 1, 0, 2, 0], 5, 'truncated SRV rdata at offset 4'],
    ['SOA without its numbers', RRType.SOA, [0, 0, 0, 0, 0, 1], 6, 'truncated SOA rdata at offset 6'],
    [
      'TXT string past RDLENGTH',
      RRType.TXT,
      [5, 0x61, 0x62],
      3,
      'TXT character-string runs past RDLENGTH at offset 1',
    ],
    [
      'TXT second string past RDLENGTH',
      RRType.TXT,
      [1, 0x61, 2, 0x62],
      4,
      'TXT character-string runs past RDLENGTH at offset 3',
    ],
    ['CAA of 1 octet', RRType.CAA, [0], 1, 'truncated CAA rdata at offset 1'],
    ['CAA tag length 0', RRType.CAA, [0, 0, 0x61], 3, 'bad CAA tag length at offset 2'],
    ['CAA tag past RDLENGTH', RRType.CAA, [0, 5, 0x61], 3, 'bad CAA tag length at offset 2'],
    ['CAA tag not alphanumeric', RRType.CAA, [0, 2, 0x61, 0x2d, 0x62], 5, 'bad CAA tag at offset 4'],
  ];
  for (const [what, type, bytes, length, message] of cases) {
    test(what, () =>
      wireRejects(() => decodeRdata(new Reader(Uint8Array.from(bytes)), type, length), message),
    );
  }

  test('CAA values are written quoted with escapes', () => {
    const buf = Uint8Array.from([0x80, 5, ...ascii('issue'), 0x61, 0x22, 0x62, 0x5c, 0xc3, 0xa9, 0x0a]);
    assert.equal(
      decodeRdata(new Reader(buf), RRType.CAA, buf.length),
      '128 issue "a\\"b\\\\\\195\\169\\010"',
    );
  });

  test('an unknown type takes any octets, RDLENGTH 0 included', () => {
    assert.equal(decodeRdata(new Reader(fromHex('00ff10')), UNKNOWN_TYPE, 3), '\\# 3 00FF10');
    assert.equal(decodeRdata(new Reader(new Uint8Array(0)), UNKNOWN_TYPE, 0), '\\# 0');
  });

  test('names inside rdata keep their letter case and escapes', () => {
    const buf = Uint8Array.from([0, 5, 3, 0x4d, 0x2e, 0x20, 0]);
    assert.equal(decodeRdata(new Reader(buf), RRType.MX, buf.length), '5 M\\.\\032.');
  });
});

test('parseSoa gives the SOA fields', () => {
  assert.deepEqual(parseSoa('NS1.example.com. hostmaster.example.com. 2026112901 7200 3600 1209600 300'), {
    mname: 'ns1.example.com.',
    rname: 'hostmaster.example.com.',
    serial: 2026112901,
    refresh: 7200,
    retry: 3600,
    expire: 1209600,
    minimum: 300,
  });
});

// canonicalValue returns a value already in canonical form without parsing it: the shortcut must
// agree with the codecs (encode, then decode) on every value, valid or not.
describe('canonicalValue shortcuts agree with the codecs', () => {
  let seed = 99;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return (seed >>> 8) % n;
  };
  const pick = <T>(xs: readonly T[]): T => xs[rand(xs.length)] as T;
  const octet = () =>
    pick(['0', '1', '9', '10', '99', '100', '199', '249', '255', '256', '300', '01', '00', '1000']);
  const hexGroup = () => pick(['0', '00', '1', 'a', 'A', 'ff', 'db8', '0db8', 'ffff', '10000', 'g', '']);
  const label = () =>
    pick(['a', 'www', 'x-y', '_sip', 'Mail', '*', 'a.b', 'é', 'a\\.b', 'z'.repeat(63), 'z'.repeat(64)]);
  const name = () => `${Array.from({ length: 1 + rand(4) }, label).join('.')}${pick(['.', '.', ''])}`;
  const generators: [string, () => string][] = [
    ['A', () => Array.from({ length: pick([4, 4, 4, 3, 5]) }, octet).join('.') + pick(['', '', ' '])],
    [
      'AAAA',
      () => {
        const groups = Array.from({ length: pick([8, 8, 7, 9, 3]) }, hexGroup);
        const text = groups.join(':');
        return rand(3) === 0
          ? text.replace(/:(0:)+/, '::')
          : rand(4) === 0
            ? `::${groups.slice(0, 3).join(':')}`
            : text;
      },
    ],
    ['CNAME', name],
    ['NS', name],
    ['PTR', name],
    ['MX', () => `${pick(['0', '10', '65535', '65536', '010', '-1'])}${pick([' ', '  ', ''])}${name()}`],
    ['TXT', () => pick(['v=spf1 -all', '', 'a "quoted" b', 'é', '\ud83d\ude00', '\ud800', 'x'.repeat(300)])],
  ];
  for (const [type, generate] of generators) {
    test(`${type}: 2,000 values`, () => {
      let valid = 0;
      for (let i = 0; i < 2000; i++) {
        const value = generate();
        let expected: string | Error;
        try {
          expected = roundTrip(RRType[type as keyof typeof RRType], value);
        } catch (err) {
          expected = err as Error;
        }
        if (expected instanceof Error) {
          assert.throws(
            () => canonicalValue(type, value),
            PresentationError,
            `${type} "${value}" must be refused`,
          );
        } else {
          valid++;
          assert.equal(canonicalValue(type, value), expected, `${type} "${value}"`);
        }
      }
      assert.ok(valid > 200, `${valid} valid values generated`);
    });
  }
});

// parseIPv6 reads plain hex groups directly (parseHexGroups): it must accept exactly what
// net.isIPv6 accepts and give the address the WHATWG URL parser gives (RFC 5952 form).
test('AAAA: the direct read of hex groups agrees with net.isIPv6 and the URL parser', () => {
  let seed = 7;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return (seed >>> 8) % n;
  };
  const group = () =>
    ['0', '00', '000', '0000', '1', 'a', 'F', 'ff', 'db8', 'ffff', '10000', ''][rand(12)] as string;
  let valid = 0;
  for (let i = 0; i < 5000; i++) {
    const groups = Array.from({ length: 1 + rand(9) }, group);
    let text = groups.join(':');
    if (rand(2) === 0) {
      const at = rand(groups.length + 1);
      text = `${groups.slice(0, at).join(':')}::${groups.slice(at).join(':')}`;
    }
    if (!isIPv6(text)) {
      assert.throws(() => canonicalValue('AAAA', text), PresentationError, `"${text}" must be refused`);
      continue;
    }
    valid++;
    const ours = canonicalValue('AAAA', text);
    // An IPv4 tail (::/96, ::ffff:0:0/96) is written as inet_ntop writes it, not as the URL parser does.
    if (!ours.includes('.')) assert.equal(ours, new URL(`http://[${text}]/`).hostname.slice(1, -1), text);
  }
  assert.ok(valid > 1000, `${valid} valid addresses generated`);
});
