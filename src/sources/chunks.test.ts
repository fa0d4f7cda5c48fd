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
      let full: readonly RRset[] | undefined;
      try {
        full = parseSource(text, { source: 'test', defaultTtl: 300 }).rrsets;
      } catch {
        full = undefined;
      }
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
