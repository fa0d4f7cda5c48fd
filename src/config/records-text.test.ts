// parseRecordEntry must give exactly what the YAML parser gives (after config/load.ts's
// normalisation), or step aside with undefined.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { parseRecordEntry, splitRecords } from './records-text.ts';

// What the full path makes of one entry: YAML 1.2 core schema, nulls dropped, a lone value listed.
function reference(chunk: string): unknown {
  let list: unknown;
  try {
    list = parse(chunk, { uniqueKeys: true });
  } catch {
    return 'does not parse';
  }
  if (!Array.isArray(list) || list.length !== 1) return 'not one entry';
  const entry = list[0] as unknown;
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return entry;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entry)) {
    if (value === null) continue;
    out[key] = key === 'value' && typeof value === 'string' ? [value] : value;
  }
  return out;
}

describe('parseRecordEntry', () => {
  const taken: [string, string, object][] = [
    [
      'yaml.stringify block style',
      '  - name: www.example.com.\n    type: A\n    ttl: 300\n    value:\n      - 192.0.2.1\n      - 192.0.2.2\n',
      { name: 'www.example.com.', type: 'A', ttl: 300, value: ['192.0.2.1', '192.0.2.2'] },
    ],
    [
      'entries at column 0, a flow list and comments',
      '- name: a.example. # owner\n  type: AAAA\n  value: [2001:db8::1, 2001:db8::2] # two\n# between\n\n',
      { name: 'a.example.', type: 'AAAA', value: ['2001:db8::1', '2001:db8::2'] },
    ],
    [
      'a lone value, quoted scalars and a null TTL',
      '  - name: \'*.example.com.\'\n    type: "TXT"\n    ttl:\n    value: \'"it\'\'s" "two words"\'\n',
      { name: '*.example.com.', type: 'TXT', value: ['"it\'s" "two words"'] },
    ],
    [
      'items at the key indentation, keys in another order',
      '- value:\n  - 10 mail.example.com.\n  - "20 mail2.example.com." # backup\n  type: MX\n  name: example.com\n',
      { name: 'example.com', type: 'MX', value: ['10 mail.example.com.', '20 mail2.example.com.'] },
    ],
    [
      'a TXT value with colons, hashes and equals signs',
      '  - name: _dmarc.example.com.\n    type: TXT\n    value: v=DMARC1; p=reject; rua=mailto:d@example.com#x\n',
      { name: '_dmarc.example.com.', type: 'TXT', value: ['v=DMARC1; p=reject; rua=mailto:d@example.com#x'] },
    ],
  ];
  for (const [what, chunk, expected] of taken) {
    test(`${what}: read directly, as the YAML parser reads it`, () => {
      assert.deepEqual(parseRecordEntry(chunk), expected);
      assert.deepEqual(reference(chunk), expected);
    });
  }

  const declined: [string, string][] = [
    ['a number where a string is due', '- name: a.\n  type: TXT\n  value: 12345\n'],
    ['a boolean', '- name: a.\n  type: TXT\n  value: [true]\n'],
    ['a null item', '- name: a.\n  type: TXT\n  value:\n    -\n'],
    ['a TTL written as a string', '- name: a.\n  type: A\n  ttl: "300"\n  value: 192.0.2.1\n'],
    ['a TTL in hex', '- name: a.\n  type: A\n  ttl: 0x12c\n  value: 192.0.2.1\n'],
    ['an unknown key', '- name: a.\n  type: A\n  tll: 300\n  value: 192.0.2.1\n'],
    ['a repeated key', '- name: a.\n  type: A\n  name: b.\n  value: 192.0.2.1\n'],
    ['a missing value', '- name: a.\n  type: A\n'],
    ['an empty list', '- name: a.\n  type: A\n  value: []\n'],
    ['a multi-line plain scalar', '- name: a.\n  type: TXT\n  value: one\n    two\n'],
    ['a block scalar', '- name: a.\n  type: TXT\n  value: |\n    one\n'],
    ['an escape', '- name: a.\n  type: TXT\n  value: "tab\\there"\n'],
    ['an alias', '- name: *owner\n  type: A\n  value: 192.0.2.1\n'],
    ['a tag', '- name: a.\n  type: A\n  value: !!str 192.0.2.1\n'],
    ['a flow mapping', '- {name: a., type: A, value: 192.0.2.1}\n'],
    ['a nested list', '- name: a.\n  type: A\n  value:\n    - [192.0.2.1]\n'],
  ];
  for (const [what, chunk] of declined) {
    test(`${what}: left to the YAML parser`, () => assert.equal(parseRecordEntry(chunk), undefined));
  }

  test('10,000 generated entries: whatever it reads equals the YAML parse, and plain shapes are read', () => {
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return (seed >>> 12) % n; // the low bits of this generator repeat quickly
    };
    const pick = <T>(xs: readonly T[]): T => xs[rand(xs.length)] as T;
    const good = [
      'host1.example.',
      'Example.COM',
      '192.0.2.1',
      '2001:db8::1',
      '10 mail.example.com.',
      'v=spf1 ip4:192.0.2.0/24 -all',
      'a#b',
      'a # comment',
      "'quoted'",
      "'it''s'",
      '"double"',
      '"a # not a comment"',
      'trailing   ',
    ];
    // Scalars YAML reads as something other than a one-line string, or that the entry reader leaves to it.
    const odd = [
      '"back\\\\slash"',
      '12345',
      '1.5',
      '1e3',
      '0x1F',
      '.inf',
      'true',
      'False',
      'null',
      '~',
      '-dash',
      '- item',
      '? q',
      ':colon',
      'key: value',
      'ends:',
      '*alias',
      '&anchor x',
      '!tag x',
      '@at',
      '%pct',
      '`tick',
      '|',
      '>',
      '[a, b]',
      '{a: b}',
      "'unclosed",
      '"unclosed',
      'trailing   ',
      'x  #c',
      'é.example.',
      '',
    ];
    const scalar = () => (rand(5) === 0 ? pick(odd) : pick(good));
    const ttls = [
      '300',
      '0',
      '86400',
      '0300',
      '-5',
      '3e2',
      '"300"',
      '',
      'null',
      '~',
      '300 # five minutes',
      'x',
    ];
    let read = 0;
    let plainShapes = 0;
    for (let i = 0; i < 10000; i++) {
      const indent = ' '.repeat(pick([0, 2, 4]));
      const keyIndent = `${indent}  `;
      const lines: string[] = [];
      const keys = ['name', 'type', 'ttl', 'value'].filter(() => rand(10) > 0);
      if (rand(20) === 0) keys.push(pick(['name', 'extra', 'value']));
      for (let k = keys.length - 1; k > 0; k--) {
        const j = rand(k + 1);
        [keys[k], keys[j]] = [keys[j] as string, keys[k] as string];
      }
      let plain = true;
      for (const key of keys) {
        const sep = pick([' ', ' ', ' ', '  ']);
        const style = key === 'value' ? rand(9) : -1; // 0–2: a block list, 3–5: a flow list
        if (key === 'ttl') {
          const ttl = pick(ttls);
          lines.push(`${key}:${sep}${ttl}`);
          if (ttl !== '300') plain = false;
        } else if (style >= 0 && style < 3) {
          const itemIndent = pick([keyIndent, `${keyIndent}  `]);
          lines.push(`${key}:${pick(['', ' # list'])}`);
          const count = rand(4);
          for (let n = 0; n < count; n++) {
            lines.push(`${itemIndent}- ${scalar()}`); // indented already: joined as it is
            if (rand(8) === 0) lines.push(pick(['', '  # note', '      continued']));
          }
          plain = false;
        } else if (style >= 3 && style < 6) {
          lines.push(
            `${key}:${sep}[${Array.from({ length: 1 + rand(3) }, () => scalar()).join(pick([', ', ',']))}]`,
          );
          plain = false;
        } else if (rand(4) === 0) {
          lines.push(`${key}:${sep}${scalar()}`);
          plain = false;
        } else {
          lines.push(`${key}: ${pick(['a.example.', 'A', 'TXT', '192.0.2.7', 'v=spf1 -all'])}`);
        }
        if (rand(10) === 0) lines.push(pick(['', '# comment', '   # indented comment']));
      }
      if (lines.length === 0) continue;
      const chunk = `${indent}- ${lines.map((l, n) => (n === 0 || l === '' || l.startsWith('#') || l.startsWith(' ') ? l : `${keyIndent}${l}`)).join('\n')}\n`;
      const fast = parseRecordEntry(chunk);
      const has = (k: string) => keys.includes(k);
      if (
        plain &&
        has('name') &&
        has('type') &&
        has('value') &&
        keys.length === new Set(keys).size &&
        !has('extra')
      ) {
        plainShapes++;
        assert.notEqual(fast, undefined, `a plain entry must be read directly:\n${chunk}`);
      }
      if (fast === undefined) continue;
      read++;
      assert.deepEqual(fast, reference(chunk), `differs from the YAML parse:\n${chunk}`);
    }
    assert.ok(read > 2500, `${read} entries read directly`);
    assert.ok(plainShapes > 80, `${plainShapes} plain entries generated`);
  });
});

describe('splitRecords with parseRecordEntry', () => {
  test('a config cut into entries and read gives the records of the whole parse', () => {
    const text =
      'dns_port: 1053\nrecords: # data\n  # first\n  - name: a.example.\n    type: A\n    value: [192.0.2.1]\n\n  - name: b.example.\n    type: TXT\n    value:\n    - "x y"\nlog_level: info\n';
    const split = splitRecords(text);
    assert.ok(split !== undefined);
    const entries = split.chunks.map(parseRecordEntry);
    assert.deepEqual(entries, (parse(text) as { records: unknown[] }).records);
  });
});
