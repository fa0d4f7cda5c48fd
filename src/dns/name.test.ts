import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PresentationError } from './errors.ts';
import {
  ancestors,
  isSubdomain,
  labelCount,
  labelsToName,
  lowerName,
  type Name,
  nameToLabels,
  normaliseName,
  parentName,
  parseName,
} from './name.ts';

const label = (n: number, c = 'a'): string => c.repeat(n);
// 3 × 63-octet labels + a 61-octet label: 3 × 64 + 62 + 1 (root) = 255 octets on the wire.
const NAME_255 = `${label(63)}.${label(63, 'b')}.${label(63, 'c')}.${label(61, 'd')}`;
const NAME_256 = `${label(63)}.${label(63, 'b')}.${label(63, 'c')}.${label(62, 'd')}`;

const bytes = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const n = (s: string): Name => s as Name;

function rejects(fn: () => unknown, message: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof PresentationError, `expected PresentationError, got ${String(err)}`);
    assert.equal(err.message, message);
    return true;
  });
}

describe('normaliseName', () => {
  const accepted: [string, string][] = [
    ['example.com', 'example.com.'],
    ['example.com.', 'example.com.'],
    ['WWW.Example.COM', 'www.example.com.'],
    ['  example.com  ', 'example.com.'],
    ['.', '.'],
    ['*.example.com', '*.example.com.'],
    ['*', '*.'],
    ['_acme-challenge.Example.com.', '_acme-challenge.example.com.'],
    ['_sip._tcp.example.com', '_sip._tcp.example.com.'],
    ['1.2.0.192.in-addr.arpa', '1.2.0.192.in-addr.arpa.'],
    ['xn--bcher-kva.example', 'xn--bcher-kva.example.'],
    ['-.example', '-.example.'],
    [`${label(63)}.com`, `${label(63)}.com.`],
    [NAME_255, `${NAME_255}.`],
    [`${NAME_255}.`, `${NAME_255}.`],
  ];
  for (const [input, want] of accepted) {
    test(`accepts ${JSON.stringify(input.length > 40 ? `${input.slice(0, 40)}…` : input)}`, () => {
      assert.equal(normaliseName(input), want);
    });
  }

  test('a name of exactly 255 wire octets is accepted', () => {
    assert.equal(
      nameToLabels(normaliseName(NAME_255)).reduce((sum, l) => sum + l.length + 1, 1),
      255,
    );
  });

  const rejected: [string, string][] = [
    ['', 'name is empty'],
    ['   ', 'name is empty'],
    ['a..b', 'name "a..b" has an empty label'],
    ['.example.com', 'name ".example.com" has an empty label'],
    ['example.com..', 'name "example.com.." has an empty label'],
    ['..', 'name ".." has an empty label'],
    [`${label(64)}.com`, `label "${label(64)}" is longer than 63 octets`],
    [NAME_256, `name "${NAME_256}" is longer than 255 octets`],
    [`${NAME_256}.`, `name "${NAME_256}." is longer than 255 octets`],
    ['ex ample.com', 'name "ex ample.com": label "ex ample" may hold only letters, digits, "-" and "_"'],
    ['exa$mple.com', 'name "exa$mple.com": label "exa$mple" may hold only letters, digits, "-" and "_"'],
    ['a\\.b.com', 'name "a\\.b.com": label "a\\" may hold only letters, digits, "-" and "_"'],
    ['a/b.com', 'name "a/b.com": label "a/b" may hold only letters, digits, "-" and "_"'],
    ['a@b.com', 'name "a@b.com": label "a@b" may hold only letters, digits, "-" and "_"'],
    ['bücher.example', 'name "bücher.example": label "bücher" may hold only letters, digits, "-" and "_"'],
    // U+212A KELVIN SIGN lower-cases to an ASCII "k": it must still be rejected, not become "k".
    ['\u212Aa.example', 'name "\u212Aa.example": label "\u212Aa" may hold only letters, digits, "-" and "_"'],
    ['a*.x', 'name "a*.x": "*" is only allowed as the whole left-most label'],
    ['*a.x', 'name "*a.x": "*" is only allowed as the whole left-most label'],
    ['**.x', 'name "**.x": "*" is only allowed as the whole left-most label'],
    ['x.*.y', 'name "x.*.y": "*" is only allowed as the whole left-most label'],
    ['x.*', 'name "x.*": "*" is only allowed as the whole left-most label'],
  ];
  for (const [input, message] of rejected) {
    test(`rejects ${JSON.stringify(input.length > 40 ? `${input.slice(0, 40)}…` : input)}`, () => {
      rejects(() => normaliseName(input), message);
    });
  }
});

describe('parseName', () => {
  const accepted: [string, string][] = [
    ['.', '.'],
    ['Example.COM', 'example.com.'],
    ['example.com.', 'example.com.'],
    ['A\\.b.Example.COM.', 'a\\.b.example.com.'],
    ['a\\046b.com', 'a\\.b.com.'],
    ['\\065BC.com', 'abc.com.'],
    ['a\\032b.com', 'a\\032b.com.'],
    ['a\\ b.com', 'a\\032b.com.'],
    ['a\\\\b.com', 'a\\\\b.com.'],
    ['a\\255\\000.com', 'a\\255\\000.com.'],
    ['a@b.com', 'a\\@b.com.'],
    ['a\\"b.com', 'a\\"b.com.'],
    ['*.example.com', '*.example.com.'],
    [NAME_255, `${NAME_255}.`],
  ];
  for (const [input, want] of accepted) {
    test(`parses ${JSON.stringify(input.length > 40 ? `${input.slice(0, 40)}…` : input)}`, () => {
      assert.equal(parseName(input), want);
    });
  }

  test('escapes become the octets they stand for', () => {
    assert.deepEqual(nameToLabels('a\\.b.c\\046d\\255.'), [
      bytes('a.b'),
      Uint8Array.from([0x63, 0x2e, 0x64, 255]),
    ]);
    assert.deepEqual(nameToLabels('.'), []);
  });

  test('a label made of escapes counts its octets, not its characters', () => {
    const escaped = '\\097'.repeat(63);
    assert.equal(parseName(`${escaped}.com`), `${label(63)}.com.`);
    rejects(
      () => parseName(`${escaped}\\097.com`),
      `name "${escaped}\\097.com" has a label longer than 63 octets`,
    );
  });

  const rejected: [string, string][] = [
    ['', 'name is empty'],
    ['a..b', 'name "a..b" has an empty label'],
    ['.a', 'name ".a" has an empty label'],
    ['a\\', 'name "a\\" ends in a lone backslash'],
    ['\\256.com', 'name "\\256.com" has a bad \\DDD escape'],
    ['\\12.com', 'name "\\12.com" has a bad \\DDD escape'],
    ['\\1', 'name "\\1" has a bad \\DDD escape'],
    ['a b.com', 'name "a b.com" holds a character that must be escaped'],
    ['é.com', 'name "é.com" holds a character that must be escaped'],
    // An escaped non-ASCII character is not one octet: it must not be truncated to one.
    ['a\\€b.com', 'name "a\\€b.com" holds a character that must be escaped'],
    [`${label(64)}.com`, `name "${label(64)}.com" has a label longer than 63 octets`],
    [NAME_256, `name "${NAME_256}" is longer than 255 octets`],
  ];
  for (const [input, message] of rejected) {
    test(`rejects ${JSON.stringify(input.length > 40 ? `${input.slice(0, 40)}…` : input)}`, () => {
      rejects(() => parseName(input), message);
    });
  }
});

describe('labelsToName', () => {
  const cases: [Uint8Array[], string][] = [
    [[], '.'],
    [[bytes('www'), bytes('Example'), bytes('COM')], 'www.Example.COM.'],
    [[bytes('a.b'), bytes('com')], 'a\\.b.com.'],
    [[bytes('.;\\()"@$')], '\\.\\;\\\\\\(\\)\\"\\@\\$.'],
    [[Uint8Array.from([0x00, 0x20, 0x21, 0x7e, 0x7f, 0xff])], '\\000\\032!~\\127\\255.'],
    [[bytes('*'), bytes('_srv-1')], '*._srv-1.'],
  ];
  for (const [labels, want] of cases) {
    test(`writes ${JSON.stringify(want)}`, () => {
      assert.equal(labelsToName(labels), want);
      assert.deepEqual(nameToLabels(want), labels, 'parsing the output gives the labels back');
    });
  }

  test('lowerName lower-cases ASCII letters only', () => {
    assert.equal(lowerName('WWW.Example.COM.'), 'www.example.com.');
    assert.equal(lowerName('A\\255\\.B.'), 'a\\255\\.b.');
  });
});

describe('parentName, isSubdomain, ancestors, labelCount', () => {
  const parents: [string, string | undefined][] = [
    ['.', undefined],
    ['com.', '.'],
    ['www.example.com.', 'example.com.'],
    ['*.example.com.', 'example.com.'],
    ['a\\.example.com.', 'com.'],
    ['a\\\\.example.com.', 'example.com.'],
    ['a\\046b.c.', 'c.'],
    ['a\\032b.c\\.d.e.', 'c\\.d.e.'],
    ['x.a\\\\\\.b.c.', 'a\\\\\\.b.c.'],
  ];
  for (const [name, want] of parents) {
    test(`parentName(${JSON.stringify(name)}) is ${JSON.stringify(want)}`, () => {
      assert.equal(parentName(n(name)), want);
    });
  }

  const subdomains: [string, string, boolean][] = [
    ['www.example.com.', 'example.com.', true],
    ['a.b.www.example.com.', 'example.com.', true],
    ['example.com.', 'example.com.', true],
    ['example.com.', '.', true],
    ['.', '.', true],
    ['badexample.com.', 'example.com.', false],
    ['example.com.', 'www.example.com.', false],
    ['com.', 'example.com.', false],
    ['.', 'com.', false],
    ['example.org.', 'example.com.', false],
    // "a\.example" is one label: this name is a child of com., not of example.com.
    ['a\\.example.com.', 'example.com.', false],
    ['a\\.example.com.', 'com.', true],
    ['b.a\\.example.com.', 'a\\.example.com.', true],
    ['b.a\\.example.com.', 'example.com.', false],
    // "a\\" is a label ending in a backslash, followed by a real dot
    ['a\\\\.example.com.', 'example.com.', true],
    ['x\\046example.com.', 'example.com.', false],
    ['x\\046.example.com.', 'example.com.', true],
  ];
  for (const [name, ancestor, want] of subdomains) {
    test(`isSubdomain(${JSON.stringify(name)}, ${JSON.stringify(ancestor)}) is ${want}`, () => {
      assert.equal(isSubdomain(n(name), n(ancestor)), want);
    });
  }

  test('ancestors yields nearest first, ending with the root', () => {
    assert.deepEqual([...ancestors(n('a.b.c.'))], ['b.c.', 'c.', '.']);
    assert.deepEqual([...ancestors(n('x.a\\.b.c.'))], ['a\\.b.c.', 'c.', '.']);
    assert.deepEqual([...ancestors(n('com.'))], ['.']);
    assert.deepEqual([...ancestors(n('.'))], []);
  });

  test('labelCount counts labels, escaped dots included in theirs', () => {
    assert.equal(labelCount(n('.')), 0);
    assert.equal(labelCount(n('com.')), 1);
    assert.equal(labelCount(n('a.b.c.')), 3);
    assert.equal(labelCount(n('a\\.b.c.')), 2);
    assert.equal(labelCount(n('*.example.com.')), 3);
  });
});
