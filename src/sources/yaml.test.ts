import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { Name } from '../dns/name.ts';
import { type RRset, validateRecord } from '../store/record.ts';
import { SourceError } from './source.ts';
import { editRecords, hashRRsets, parseDocumentText, parseSource, stringifyDocument } from './yaml.ts';

const TTL = 300;
const opts = { source: 'file test.yaml', defaultTtl: TTL };
const rr = (name: string, type: string, value: string[], ttl?: number): RRset =>
  validateRecord({ name, type, value, ...(ttl === undefined ? {} : { ttl }) }, TTL);
const n = (s: string) => s as Name;

function refused(text: string, check: (e: SourceError) => void, overrides?: Record<string, unknown>): void {
  assert.throws(
    () => parseSource(text, { ...opts, ...(overrides ? { overrides } : {}) }),
    (e: unknown) => {
      assert.ok(e instanceof SourceError, String(e));
      assert.equal(e.code, 'RELOAD_FAILED');
      check(e);
      return true;
    },
  );
}

const FILE = `# jw238dns test config
dns_port: 1053 # the port

records:
  # ---- example.com. ----
  - name: example.com.
    type: SOA
    value: ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300
  # the web server
  - name: WWW.example.com
    type: a
    value:
      - 192.0.2.1 # first
      - 192.0.2.2
  - name: v6.example.com.
    type: AAAA
    ttl: 600
    value: [2001:DB8::1]

  # ---- mail ----
  - name: mail.example.com.
    type: MX
    value: ["10 mx.example.com."]
# trailing comment
`;

test('parseSource returns the records as the store holds them', () => {
  const parsed = parseSource(FILE, opts);
  assert.deepEqual(
    parsed.rrsets.map((r) => [r.name, r.type, r.ttl, [...r.values]]),
    [
      ['example.com.', 'SOA', 300, ['ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300']],
      ['www.example.com.', 'A', 300, ['192.0.2.1', '192.0.2.2']],
      ['v6.example.com.', 'AAAA', 600, ['2001:db8::1']],
      ['mail.example.com.', 'MX', 300, ['10 mx.example.com.']],
    ],
  );
});

test('the records hash ignores order and formatting, and sees every change of data', () => {
  const a = [rr('a.example.', 'A', ['192.0.2.1', '192.0.2.2']), rr('b.example.', 'TXT', ['x'])];
  const b = [rr('b.example.', 'TXT', ['x']), rr('a.example.', 'A', ['192.0.2.2', '192.0.2.1'])];
  assert.equal(hashRRsets(a), hashRRsets(b));
  assert.notEqual(hashRRsets(a), hashRRsets([rr('a.example.', 'A', ['192.0.2.1', '192.0.2.2'], 600), a[1]!]));
  assert.notEqual(hashRRsets(a), hashRRsets([a[0]!]));
  assert.notEqual(hashRRsets(a), hashRRsets([rr('a.example.', 'A', ['192.0.2.1']), a[1]!]));
  // Comments and spacing are not data.
  const reformatted = FILE.replace('# the web server', '# web').replace(
    'value: [2001:DB8::1]',
    'value: ["2001:db8::1"]',
  );
  assert.equal(parseSource(reformatted, opts).hash, parseSource(FILE, opts).hash);
});

test('a YAML syntax error is refused with its line', () => {
  refused('dns_port: 1053\nrecords: []\nbackend: default_ttl: 60\n', (e) => {
    assert.equal(e.line, 3);
    assert.match(e.message, /^file test\.yaml: line 3: Nested mappings/);
  });
});

test('a config problem outside records is refused with the line of its key', () => {
  refused('dns_port: 1053\nbackend:\n  default_ttl: 5\nrecords: []\n', (e) => {
    assert.equal(e.line, 3);
    assert.match(e.problems[0]!.message, /backend\.default_ttl: must be from 60 to 86400/);
  });
  refused('dns_port: 1053\n\ndns_prot: 53\n', (e) => {
    assert.equal(e.line, 3);
    assert.match(e.message, /dns_prot: unknown key/);
  });
});

test('command-line overrides win over the file, as at start', () => {
  const text = 'dns_port: 99999\nrecords: []\n';
  refused(text, (e) => assert.match(e.message, /dns_port/));
  assert.equal(
    parseSource(text, { ...opts, overrides: { dns_port: 1053, http_port: undefined } }).rrsets.length,
    0,
  );
});

test('every invalid record is reported with the line of its entry', () => {
  const text = `records:
  - name: ok.example.
    type: A
    value: 192.0.2.1
  - name: bad.example.
    type: A
    value: 300.1.1.1
  - name: ttl.example.
    type: A
    ttl: 5
    value: 192.0.2.1
  - name: ok.example.
    type: a
    value: 192.0.2.9
  - { name: ok.example., type: CNAME, value: elsewhere.example. }
  - name: bogus.example.
    type: BOGUS
    value: x
`;
  refused(text, (e) => {
    assert.deepEqual(
      e.problems.map((p) => [p.line, p.message.replace(/:.*/s, '')]),
      [
        [5, 'records[1]'],
        [8, 'records[2]'],
        [12, 'records[3]'],
        [15, 'records[4]'],
        [16, 'records[5]'],
      ],
    );
    assert.match(e.problems[0]!.message, /invalid value "300\.1\.1\.1"/);
    assert.match(e.problems[1]!.message, /invalid TTL 5/);
    assert.match(e.problems[2]!.message, /repeats records\[0\]/);
    assert.match(
      e.problems[3]!.message,
      /CNAME record ok\.example\. cannot sit beside the A record of records\[0\]/,
    );
    assert.match(e.problems[4]!.message, /invalid record type "BOGUS"/);
    assert.equal(e.line, 5);
  });
});

test('a shape problem inside records carries the line too', () => {
  refused('records:\n  - name: a.example.\n    type: A\n  - 5\n', (e) => {
    assert.deepEqual(
      e.problems.map((p) => p.line),
      [2, 4],
    );
  });
});

test('an untouched document renders back byte for byte (examples/config.yaml)', () => {
  const text = readFileSync(new URL('../../examples/config.yaml', import.meta.url), 'utf8');
  assert.equal(stringifyDocument(parseDocumentText(text)), text);
});

test('rendering is stable: a second write-back of the same data changes no byte', () => {
  // yaml normalises some layout on the first render (padding inside [ ] and { }, a blank line
  // before a comment that ends the document); from then on the text is a fixed point.
  const once = stringifyDocument(parseDocumentText(FILE));
  assert.equal(stringifyDocument(parseDocumentText(once)), once);
  for (const comment of [
    '# jw238dns test config',
    '# the port',
    '# ---- example.com. ----',
    '# the web server',
    '# first',
    '# ---- mail ----',
    '# trailing comment',
  ]) {
    assert.ok(once.includes(comment), comment);
  }
});

test('editRecords updates in place, keeping comments, order and the spelling of kept values', () => {
  const doc = parseSource(FILE, opts).doc;
  editRecords(
    doc,
    {
      updated: [
        rr('www.example.com.', 'A', ['192.0.2.1', '192.0.2.3']), // TTL still the default: stays unwritten
        rr('v6.example.com.', 'AAAA', ['2001:db8::1', '2001:db8::2'], 600),
        rr('mail.example.com.', 'MX', ['10 mx.example.com.'], 900), // a TTL is added after `type`
      ],
    },
    TTL,
  );
  const out = stringifyDocument(doc);
  assert.equal(
    out,
    `# jw238dns test config
dns_port: 1053 # the port

records:
  # ---- example.com. ----
  - name: example.com.
    type: SOA
    value: ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300
  # the web server
  - name: WWW.example.com
    type: a
    value:
      - 192.0.2.1 # first
      - 192.0.2.3
  - name: v6.example.com.
    type: AAAA
    ttl: 600
    value: [ 2001:DB8::1, 2001:db8::2 ]

  # ---- mail ----
  - name: mail.example.com.
    type: MX
    ttl: 900
    value: [ "10 mx.example.com." ]

# trailing comment
`,
  );
  assert.deepEqual(
    parseSource(out, opts).rrsets.map((r) => [r.name, r.ttl, [...r.values]]),
    [
      ['example.com.', 300, ['ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300']],
      ['www.example.com.', 300, ['192.0.2.1', '192.0.2.3']],
      ['v6.example.com.', 600, ['2001:db8::1', '2001:db8::2']],
      ['mail.example.com.', 900, ['10 mx.example.com.']],
    ],
  );
});

test('a scalar value becomes a list when it grows, and its comment follows the first value', () => {
  const doc = parseDocumentText(
    'records:\n  - name: a.example.\n    type: A\n    value: 192.0.2.1 # primary\n',
  );
  editRecords(doc, { updated: [rr('a.example.', 'A', ['192.0.2.1', '192.0.2.2'])] }, TTL);
  assert.equal(
    stringifyDocument(doc),
    'records:\n  - name: a.example.\n    type: A\n    value:\n      - 192.0.2.1 # primary\n      - 192.0.2.2\n',
  );
});

test('a deleted entry hands its leading comment and blank line to the next entry', () => {
  const doc = parseSource(FILE, opts).doc;
  editRecords(
    doc,
    {
      deleted: [
        { name: n('example.com.'), type: 'SOA' },
        { name: n('v6.example.com.'), type: 'AAAA' },
      ],
    },
    TTL,
  );
  const out = stringifyDocument(doc);
  assert.match(
    out,
    /records:\n {2}# ---- example\.com\. ----\n {2}# the web server\n {2}- name: WWW\.example\.com\n/,
  );
  assert.match(
    out,
    /value:\n {6}- 192\.0\.2\.1 # first\n {6}- 192\.0\.2\.2\n\n {2}# ---- mail ----\n {2}- name: mail/,
  );
  assert.doesNotMatch(out, /v6|SOA/);
  assert.deepEqual(
    parseSource(out, opts).rrsets.map((r) => r.name),
    ['www.example.com.', 'mail.example.com.'],
  );
});

test('added entries go at the end, values quoted where YAML needs it, and read back the same', () => {
  const doc = parseSource(FILE, opts).doc;
  const added = [
    rr('*.apps.example.com', 'A', ['192.0.2.80']),
    rr('example.com', 'TXT', ['"quoted" text', 'a: b', 'v=spf1 -all', '#not a comment'], 3600),
    rr('example.com', 'CAA', ['0 issue "letsencrypt.org"']),
  ];
  editRecords(doc, { added }, TTL);
  const out = stringifyDocument(doc);
  const before = stringifyDocument(parseDocumentText(FILE)).replace('\n# trailing comment\n', '');
  assert.ok(out.startsWith(before), out);
  const back = parseSource(out, opts).rrsets;
  assert.deepEqual(back.slice(0, 4), parseSource(FILE, opts).rrsets);
  assert.deepEqual(back.slice(4), added);
  assert.match(
    out,
    / {2}- name: example\.com\.\n {4}type: CAA\n {4}ttl: 300\n {4}value:\n {6}- 0 issue "letsencrypt\.org"\n/,
  );
});

test('records is created when missing, and an empty flow list grows as a block list', () => {
  for (const text of [
    'dns_port: 1053\n',
    'dns_port: 1053\nrecords: []\n',
    'dns_port: 1053\nrecords:\n',
    '',
  ]) {
    const doc = parseDocumentText(text);
    editRecords(doc, { added: [rr('a.example.', 'A', ['192.0.2.1'])] }, TTL);
    const out = stringifyDocument(doc);
    assert.match(
      out,
      /records:\n {2}- name: a\.example\.\n {4}type: A\n {4}ttl: 300\n {4}value:\n {6}- 192\.0\.2\.1\n/,
      out,
    );
    assert.equal(parseSource(out, opts).rrsets.length, 1);
  }
});

test('editRecords refuses to edit an entry the document does not hold', () => {
  const doc = parseDocumentText('records: []\n');
  assert.throws(() => editRecords(doc, { updated: [rr('a.example.', 'A', ['192.0.2.1'])] }, TTL), /no entry/);
});
