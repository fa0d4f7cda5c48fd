// RecordSync for writers that keep keys beside `records` (ACME's acme_challenges): a plan reads the
// document, its edit lands in the same write-back (even with no record change), a refused plan's
// edit does not, and every text the sync takes as the truth is told to onAccepted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { silentLogger } from '../log.ts';
import { validateRecord } from '../store/record.ts';
import { Store } from '../store/store.ts';
import { MemorySource } from './memory.ts';
import { RecordSync } from './sync.ts';

const TEXT = `records:
  - name: www.example.com.
    type: A
    value: [192.0.2.1]
`;

async function setup(t: { after: (fn: () => Promise<void>) => void }) {
  const source = new MemorySource(TEXT);
  const store = new Store({ defaultTtl: 300 });
  const sync = new RecordSync(source, store, { log: silentLogger(), debounceMs: 5 });
  const accepted: string[] = [];
  sync.onAccepted((text) => accepted.push(text));
  await sync.start();
  t.after(() => sync.close());
  return { source, store, sync, accepted };
}

test('an edit-only write is written back; the plan reads the document as the batch left it', async (t) => {
  const { source, store, sync, accepted } = await setup(t);
  assert.deepEqual(accepted, [TEXT], 'the first read');
  const seen: unknown[] = [];
  const bump = () =>
    sync.change((_view, document) => {
      const count = (document().get('counter') as number | undefined) ?? 0;
      seen.push(count);
      return { edit: (doc) => doc.set('counter', count + 1) };
    });
  await Promise.all([bump(), bump(), bump()]);
  assert.deepEqual(seen, [0, 1, 2], 'each plan saw the edits before it');
  assert.equal((parse(source.text) as { counter: number }).counter, 3);
  assert.equal(store.size, 1);
  assert.equal(accepted.at(-1), source.text, 'the written text is told');
});

test('records and an edit go out in one write-back; a refused plan leaves no edit behind', async (t) => {
  const { source, store, sync } = await setup(t);
  await sync.change((view) => ({
    added: [validateRecord({ name: 'new.example.com', type: 'A', value: ['192.0.2.2'] }, view.defaultTtl)],
    edit: (doc) => doc.set('marker', 'with-the-record'),
  }));
  const saved = parse(source.text) as { marker: string; records: unknown[] };
  assert.equal(saved.marker, 'with-the-record');
  assert.equal(saved.records.length, 2);
  assert.equal(store.size, 2);

  const before = source.text;
  await assert.rejects(
    sync.change((view) => ({
      added: [validateRecord({ name: 'www.example.com', type: 'A', value: ['192.0.2.9'] }, view.defaultTtl)],
      edit: (doc) => doc.set('marker', 'refused'),
    })),
    /already exists/,
  );
  assert.equal(source.text, before);
  // The next write does not carry the refused edit either.
  await sync.change(() => ({ edit: (doc) => doc.set('other', 1) }));
  assert.equal((parse(source.text) as { marker: string }).marker, 'with-the-record');
});

test('onAccepted hears reloads by either path, not refused texts', async (t) => {
  const { source, sync, accepted } = await setup(t);
  const edited = TEXT.replace('192.0.2.1', '192.0.2.7');
  source.replace(edited); // only an entry changed: the fast path
  await sync.reload('watch');
  assert.equal(accepted.at(-1), edited);
  const withKey = `${edited}extra_key_for_test: 1\n`;
  source.replace(`${edited}acme_challenges: {}\n`); // outside records: the full path
  await sync.reload('watch');
  assert.equal(accepted.at(-1), `${edited}acme_challenges: {}\n`);
  const count = accepted.length;
  source.replace(withKey); // an unknown key: refused
  await assert.rejects(sync.reload('watch'));
  assert.equal(accepted.length, count);
});
