// The fast reload path must give exactly what the full path gives, or step aside.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parse, stringify } from 'yaml';
import { splitRecords } from '../config/records-text.ts';
import type { RRset } from '../store/record.ts';
import { Store } from '../store/store.ts';
import { RecordChunks } from './chunks.ts';
import { parseSource } from './yaml.ts';

describe('splitRecords', () => {
  const layouts: [string, string, number][] = [
    [
      'entries indented under the key',
      'dns_port: 53\nrecords:\n  - name: a.\n    type: A\n    value: [192.0.2.1]\n  - name: b.\n    type: A\n    value: 192.0.2.2\n',
      2,
    ],
    [
      'entries at column 0, a key after them',
      'records:\n- {name: a., type: A, value: [192.0.2.1]}\n- name: b.\n  type: A\n  value: [192.0.2.2]\nlog_level: info\n',
      2,
    ],
    [
      'comments, blank lines and a block scalar inside',
      'records: # the data\n  # first\n  - name: a.\n    type: TXT\n    value:\n      - |-\n        multi\n        line\n\n  # second\n  - name: b.\n    type: A\n    value: [192.0.2.2]\nhttp_port: 0\n',
      2,
    ],
  ];
  for (const [what, text, count] of layouts) {
    test(`${what}: one chunk per entry, and the chunks parse to the same records`, () => {
      const split = splitRecords(text);
      assert.ok(split !== undefined);
      assert.equal(split.chunks.length, count);
      const whole = (parse(text) as { records: unknown[] }).records;
      assert.deepEqual(
        split.chunks.map((c) => (parse(c) as unknown[])[0]),
        whole,
      );
    });
  }

  for (const [what, text] of [
    ['flow style', 'records: [{name: a., type: A, value: [192.0.2.1]}]\n'],
    ['several documents', 'records:\n  - {name: a., type: A, value: [192.0.2.1]}\n---\nrecords: []\n'],
    ['tabs', 'records:\n\t- {name: a., type: A, value: [192.0.2.1]}\n'],
    ['no records key', 'dns_port: 53\n'],
  ]) {
    test(`${what}: not split (the full path reads it)`, () =>
      assert.equal(splitRecords(text as string), undefined));
  }
});

// The RRsets the full path gives for text, or undefined when it refuses the text.
function fullParse(text: string): readonly RRset[] | undefined {
  try {
    return parseSource(text, { source: 'test', defaultTtl: 300 }).rrsets;
  } catch {
    return undefined;
  }
}

// A store loaded the slow way, and a RecordChunks that remembers that text.
function loaded(text: string): { store: Store; chunks: RecordChunks } {
  const parsed = parseSource(text, { source: 'test', defaultTtl: 300 });
  const store = new Store({ defaultTtl: 300 });
  const applied = store.apply({ added: [...parsed.rrsets] });
  const chunks = new RecordChunks();
  chunks.remember(text, parsed.rrsets, applied.version);
  return { store, chunks };
}

const canonical = (rrsets: readonly RRset[]) =>
  rrsets.map((r) => `${r.name} ${r.type} ${r.ttl} ${[...r.values].sort().join(',')}`).sort();

function base(n: number): { name: string; type: string; ttl?: number; value: string[] }[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `h${i}.example.com.`,
    type: 'A',
    value: [`192.0.2.${i % 250}`],
  }));
}

describe('RecordChunks', () => {
  test('random edits: the fast path makes the store hold exactly what the full path reads, or steps aside', () => {
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    let records = base(200);
    const { store, chunks } = loaded(stringify({ dns_port: 1053, records }));
    let fastRuns = 0;
    for (let round = 0; round < 150; round++) {
      records = records.map((r) => ({ ...r, value: [...r.value] }));
      const edit = rand(6);
      const i = rand(records.length);
      if (edit === 0)
        records[i] = { ...(records[i] as (typeof records)[number]), value: [`198.51.100.${rand(250)}`] };
      if (edit === 1) records.splice(i, 1);
      if (edit === 2)
        records.splice(i, 0, { name: `new${round}.example.com.`, type: 'TXT', value: [`round ${round}`] });
      if (edit === 3) records.reverse();
      if (edit === 4) records[i] = { ...(records[i] as (typeof records)[number]), ttl: 60 + rand(1000) };
      if (edit === 5) records.push({ ...(records[i] as (typeof records)[number]) }); // a duplicate: the full path refuses it
      const text = stringify({ dns_port: 1053, records });
      const full = fullParse(text);
      const fast = chunks.changes(text, store);
      if (full === undefined) {
        assert.equal(fast, undefined, `round ${round}: a refused text must not take the fast path`);
        records.pop();
        continue;
      }
      if (fast === undefined) {
        // stepped aside: do what the full path does, and remember it
        const parsed = parseSource(text, { source: 'test', defaultTtl: 300 });
        const before = new Set(store.all().map((r) => `${r.name} ${r.type}`));
        const keep = new Set(parsed.rrsets.map((r) => `${r.name} ${r.type}`));
        const applied = store.apply({
          added: parsed.rrsets.filter((r) => !before.has(`${r.name} ${r.type}`)),
          updated: parsed.rrsets.filter((r) => before.has(`${r.name} ${r.type}`)),
          deleted: store.all().filter((r) => !keep.has(`${r.name} ${r.type}`)),
        });
        chunks.remember(text, parsed.rrsets, applied.version);
      } else {
        fastRuns++;
        fast.accept(store.apply(fast.changes, { reload: true }).version);
      }
      assert.deepEqual(canonical(store.all()), canonical(full), `round ${round}`);
    }
    assert.ok(fastRuns > 100, `the fast path ran ${fastRuns} times`);
  });

  test('a write that reached the store another way is never undone by a remembered entry', () => {
    const records = base(5);
    const original = stringify({ records });
    const { store, chunks } = loaded(original);
    // The API changes h1 (and writes the file back); then someone restores the old file text.
    store.update({ name: 'h1.example.com.', type: 'A', value: ['203.0.113.1'] });
    const fast = chunks.changes(original, store);
    assert.ok(fast !== undefined);
    assert.deepEqual(
      fast.changes.updated?.map((r) => `${r.name} ${r.values[0]}`),
      ['h1.example.com. 192.0.2.1'],
    );
  });

  test('a change outside records, or an entry that does not check, takes the full path', () => {
    const { store, chunks } = loaded(stringify({ dns_port: 1053, records: base(3) }));
    assert.equal(chunks.changes(stringify({ dns_port: 1054, records: base(3) }), store), undefined);
    const bad = base(3);
    (bad[1] as { value: string[] }).value = ['300.1.1.1'];
    assert.equal(chunks.changes(stringify({ dns_port: 1053, records: bad }), store), undefined);
  });

  test('deleting an entry deletes its RRset', () => {
    const { store, chunks } = loaded(stringify({ records: base(4) }));
    const fast = chunks.changes(stringify({ records: base(4).slice(0, 3) }), store);
    assert.deepEqual(fast?.changes.deleted, [{ name: 'h3.example.com.', type: 'A' }]);
  });
});

// Entry texts in the shapes people and yaml.stringify write, each its own name unless told.
function entryText(ind: string, name: string, shape: number, n: number): string {
  const ip = `192.0.2.${n % 250}`;
  switch (shape % 10) {
    case 0:
      return `${ind}- name: ${name}\n${ind}  type: A\n${ind}  value:\n${ind}    - ${ip}\n`;
    case 1:
      return `${ind}- {name: ${name}, type: A, value: [${ip}]}\n`;
    case 2:
      return `${ind}- name: ${name}\n${ind}  type: A\n${ind}  ttl: ${600 + n}\n${ind}  value: [ "${ip}" ]\n${ind}  # a note\n`;
    case 3:
      return `${ind}- name: '${name}'\n${ind}  type: TXT\n${ind}  value: "café ☕ ${n}"\n\n`;
    case 4:
      return `${ind}- name: ${name}\n${ind}  type: TXT\n${ind}  value:\n${ind}    - |-\n${ind}      two\n${ind}      lines ${n}\n`;
    case 5:
      return `${ind}- &e${n} {name: ${name}, type: A, value: [${ip}]}\n`;
    case 6:
      return `${ind}- name: ${name}\r\n${ind}  type: A\r\n${ind}  value: ${ip}\r\n`;
    case 8:
      return `${ind}- name: ${name}\n${ind}  type: TXT\n${ind}  value: "a\u0001b ${n}"\n`;
    case 9:
      return `${ind}- {name: ${name}, type: TXT, value: [crlf ${n}]}\r\n`;
    default:
      return `${ind}- name: ${name}\n${ind}  type: AAAA\n${ind}  value: ["2001:db8::${n.toString(16)}"]\n${ind}# between entries\n`;
  }
}

// The texts the walk is asked about: prefix, entries, tail, edited at random. Every text is read
// by the full path too; the fast path must give what it gives, or step aside (and must step aside
// when the full path refuses the text).
function randomEdits(indent: string, seedValue: number, rounds: number, observe: boolean) {
  let seed = seedValue;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return (seed >>> 8) % n; // the low bits of this generator repeat every few calls
  };
  const prefix = `# the zone\ndns_port: 1053\nrecords: # all of them\n${indent}# first\n`;
  const tail = 'log_level: info\n';
  let serial = 0;
  const fresh = (shape = rand(10)) => {
    serial++;
    return entryText(indent, `n${serial}.example.com.`, shape, serial);
  };
  let entries = Array.from({ length: 120 }, () => fresh());
  const textOf = (list: readonly string[], head = prefix, end = tail) => `${head}${list.join('')}${end}`;
  const first = textOf(entries);
  const store = new Store({ defaultTtl: 300 });
  const parsed = parseSource(first, { source: 'test', defaultTtl: 300 });
  const chunks = new RecordChunks();
  chunks.remember(first, parsed.rrsets, store.apply({ added: [...parsed.rrsets] }).version);
  // Told of the store's changes (as RecordSync tells it), the walk compares only the keys that
  // writes changed with the store; not told, it compares every entry.
  if (observe) store.onChange((event) => chunks.observe(event));
  const counts = { fast: 0, aside: 0, refused: 0 };
  const edits: string[] = [];
  for (let round = 0; round < rounds; round++) {
    const next = entries.length < 3 ? [...entries, fresh(), fresh(), fresh()] : [...entries];
    const i = rand(next.length);
    const j = rand(next.length);
    // One edit of the text, after (one time in four) a write that reached the store some other
    // way: the walk must then compare every entry with the store.
    const external = rand(4) === 0;
    const pick = rand(18);
    let head = prefix;
    let end = tail;
    const name = (k: number) => /name: '?([^,'\r\n]+)/.exec(next[k] as string)?.[1] as string;
    if (pick === 0) next[i] = entryText(indent, name(i), rand(10), 1000 + round); // an edit, maybe of its shape
    if (pick === 1) next.splice(i, 1);
    if (pick === 2) next.splice(i, 0, fresh());
    if (pick === 3) next.splice(j, 0, ...next.splice(i, 1)); // moved
    if (pick === 4 && i + 1 < next.length) next.splice(i, 2, next[i + 1] as string, next[i] as string);
    if (pick === 5) next.reverse(); // everything moved: more misses than the look-ahead and the map is built
    if (pick === 6) next.push(...next.splice(0, i)); // rotated
    if (pick === 7) next.splice(j, 0, next[i] as string); // the same text twice: refused
    if (pick === 8) next.splice(j, 0, entryText(indent, name(i), 1, 5000 + round)); // the same name and type: refused
    if (pick === 9) next[i] = `${next[i]}${indent}# a comment\n\n`;
    if (pick === 10) next[i] = (next[i] as string).replace(/192\.0\.2\.\d+/, '192.0.2.300'); // invalid
    if (pick === 11) next[i] = `${next[i]}${indent}# a\ttab\n`; // splitRecords refuses tabs
    if (pick === 12) head = prefix.replace('1053', '1054'); // outside records
    if (pick === 13) end = `${tail}\n# trailing\n`;
    if (pick === 14) next.splice(i, 3, fresh(0), fresh(1), fresh(2)); // a run replaced
    if (pick === 15) next.splice(i, 0, ...Array.from({ length: 80 }, () => fresh(rand(2)))); // many new
    if (pick === 16) next.splice(0, next.length - 1); // all but one deleted
    if (pick === 17) next[i] = `${next[i]}---\n`; // a second document
    for (let n = external ? 1 + rand(3) : 0; n > 0 && store.size > 0; n--) {
      const victim = store.all()[rand(store.size)] as RRset;
      const how = rand(4);
      if (how === 0) store.delete(victim.name, victim.type);
      if (how === 1)
        store.apply({ added: [{ ...victim, name: `other${round}.${n}.example.com.` as RRset['name'] }] });
      if (how === 2) store.apply({ updated: [{ ...victim, ttl: victim.ttl + 1 }] });
      if (how === 3) {
        // Deleted and added back as it was: the store holds what the text says again.
        store.delete(victim.name, victim.type);
        store.apply({ added: [victim] });
      }
    }
    const text = textOf(next, head, end);
    const full = fullParse(text);
    const fast = chunks.changes(text, store);
    edits.push(`${pick}${fast === undefined ? '' : '+'}`);
    const context = `round ${round}, edits ${edits.join(' ')}`;
    if (full === undefined) {
      assert.equal(fast, undefined, `${context}: a refused text must not take the fast path`);
      counts.refused++;
      continue;
    }
    if (fast === undefined) {
      counts.aside++;
      const keep = new Set(full.map((r) => `${r.name} ${r.type}`));
      const applied = store.apply(
        {
          added: full.filter((r) => store.getRRset(r.name, r.type) === undefined),
          updated: full.filter((r) => store.getRRset(r.name, r.type) !== undefined),
          deleted: store.all().filter((r) => !keep.has(`${r.name} ${r.type}`)),
        },
        { reload: true },
      );
      // The full path remembers; start-up's caller passes its cut, the sync does not.
      chunks.remember(text, full, applied.version, rand(2) === 0 ? splitRecords(text) : undefined);
    } else {
      counts.fast++;
      fast.accept(store.apply(fast.changes, { reload: true }).version);
    }
    assert.deepEqual(canonical(store.all()), canonical(full), context);
    // An edit outside records, or one that splitRecords refuses (a tab), is put back, so that the
    // fast path is asked again.
    entries = next.map((e) => e.replace('\t', ' '));
    if (head !== prefix || end !== tail || pick === 11) {
      const back = textOf(entries); // the same records
      const again = parseSource(back, { source: 'test', defaultTtl: 300 });
      chunks.remember(back, again.rrsets, store.version);
    }
  }
  return counts;
}

describe('RecordChunks: the walk over a changed text', () => {
  for (const [indent, seed, observe] of [
    ['  ', 11, true],
    ['', 23, false],
    ['    ', 37, true],
  ] as const) {
    test(`random edits, entries indented ${indent.length}${observe ? ', the store observed' : ''}: the store holds what the full path reads`, () => {
      const counts = randomEdits(indent, seed, 250, observe);
      assert.ok(counts.fast > 100, `the fast path ran ${counts.fast} times`);
      assert.ok(counts.aside > 10 && counts.refused > 10, JSON.stringify(counts));
    });
  }

  test('the same entry text at two places is refused by both paths', () => {
    const records = base(6);
    const { store, chunks } = loaded(stringify({ records }));
    // A copy: stringify writes an alias for an object it meets twice.
    const text = stringify({
      records: [...records, structuredClone(records[2] as (typeof records)[number])],
    });
    assert.throws(() => parseSource(text, { source: 'test', defaultTtl: 300 }), /repeats records\[2\]/);
    assert.equal(chunks.changes(text, store), undefined);
  });

  test('entries moved, in a block or one by one, are taken again as remembered, not parsed', () => {
    const records = base(300);
    const text = stringify({ records });
    // What is remembered for entry 0 is not what its text says: were it parsed, it would show.
    const rrsets = parseSource(text, { source: 'test', defaultTtl: 300 }).rrsets.map((r, i) =>
      i === 0 ? { ...r, ttl: 999 } : r,
    );
    const store = new Store({ defaultTtl: 300 });
    const chunks = new RecordChunks();
    chunks.remember(text, rrsets, store.apply({ added: [...rrsets] }).version);
    for (const list of [[...records].reverse(), [...records.slice(150), ...records.slice(0, 150)]]) {
      const fast = chunks.changes(stringify({ records: list }), store);
      assert.deepEqual(fast?.changes, { added: [], updated: [], deleted: [] });
    }
    const moved = [...records.slice(150), ...records.slice(0, 150)];
    const fast = chunks.changes(stringify({ records: moved }), store);
    assert.ok(fast !== undefined);
    fast.accept(store.apply(fast.changes, { reload: true }).version);
    // One entry deleted and its neighbour edited: exactly those two changes.
    const edited = moved
      .filter((_, i) => i !== 10)
      .map((r, i) => (i === 11 ? { ...r, value: ['198.51.100.1'] } : r));
    const next = chunks.changes(stringify({ records: edited }), store);
    assert.ok(next !== undefined);
    assert.deepEqual(
      next.changes.updated?.map((r) => `${r.name} ${r.values[0]}`),
      [`${(moved[12] as { name: string }).name} 198.51.100.1`],
    );
    assert.deepEqual(next.changes.deleted, [{ name: (moved[10] as { name: string }).name, type: 'A' }]);
    assert.deepEqual(next.changes.added, []);
  });

  test('remember with the cut of another text does not take the fast path', () => {
    const text = stringify({ records: base(5) });
    const other = stringify({ records: base(5).map((r) => ({ ...r, name: `x${r.name}` })) });
    const parsed = parseSource(text, { source: 'test', defaultTtl: 300 });
    const store = new Store({ defaultTtl: 300 });
    const chunks = new RecordChunks();
    chunks.remember(
      text,
      parsed.rrsets,
      store.apply({ added: [...parsed.rrsets] }).version,
      splitRecords(other),
    );
    assert.equal(chunks.changes(text, store), undefined);
    chunks.remember(text, parsed.rrsets, store.version, splitRecords(text));
    assert.deepEqual(chunks.changes(text, store)?.changes, { added: [], updated: [], deleted: [] });
  });

  test('the last entry ending the block before another key, without its newline in the entry', () => {
    const text =
      'records:\n- name: a.example.com.\n  type: A\n  value: [192.0.2.1]\n- name: b.example.com.\n  type: A\n  value: [192.0.2.2]\nlog_level: info\n';
    const { store, chunks } = loaded(text);
    const appended = text.replace(
      'log_level',
      '- name: c.example.com.\n  type: A\n  value: [192.0.2.3]\nlog_level',
    );
    const fast = chunks.changes(appended, store);
    assert.deepEqual(
      fast?.changes.added?.map((r) => r.name),
      ['c.example.com.'],
    );
    fast?.accept(store.apply(fast.changes, { reload: true }).version);
    assert.deepEqual(chunks.changes(text, store)?.changes.deleted, [{ name: 'c.example.com.', type: 'A' }]);
  });
});

test('RecordChunks: an entry found twice among the remembered ones (nearby, or by the map) is refused', () => {
  const records = base(200);
  const { store, chunks } = loaded(stringify({ records }));
  // Copies: stringify writes an alias for an object it meets twice.
  const copy = (i: number) => structuredClone(records[i] as (typeof records)[number]);
  // Entry 5 copied just ahead of itself: the look-ahead finds it there, the walk finds it again.
  const nearby = [...records.slice(0, 2), copy(5), ...records.slice(2)];
  // Every entry moved (the map is built), one of them twice.
  const reversed = [...records].reverse();
  reversed.splice(150, 0, copy(7));
  for (const list of [nearby, reversed]) {
    const text = stringify({ records: list });
    assert.throws(() => parseSource(text, { source: 'test', defaultTtl: 300 }), /repeats records/);
    assert.equal(chunks.changes(text, store), undefined);
  }
});
