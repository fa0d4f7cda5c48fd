// RecordSync: partial reloads from the source, refused texts, and writes that are persisted
// before they are applied, one at a time, never losing an edit from either side.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { waitFor } from '../../test/helpers/wait.ts';
import { splitRecords } from '../config/records-text.ts';
import type { Name } from '../dns/name.ts';
import { silentLogger } from '../log.ts';
import { RecordError, type RecordInput, type RRset, validateRecord } from '../store/record.ts';
import { Store } from '../store/store.ts';
import { FileSource } from './file.ts';
import { MemorySource } from './memory.ts';
import type { RecordView } from './overlay.ts';
import { PersistError, type Source, SourceError, type SourceSnapshot } from './source.ts';
import { RecordSync, type ReloadEvent, type SyncOptions } from './sync.ts';
import { parseSource } from './yaml.ts';

const SOA = 'ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300';
const TEXT = `# records of example.com.
records:
  - name: example.com.
    type: SOA
    value: ${SOA}
  # the web server
  - name: www.example.com.
    type: A
    value: [192.0.2.1]
  - name: mail.example.com.
    type: A
    value: [192.0.2.25]
`;

function setup(source: Source, options: Partial<SyncOptions> = {}) {
  const store = new Store({ defaultTtl: 300 });
  const reloads: ReloadEvent[] = [];
  let persistFailures = 0;
  const sync = new RecordSync(source, store, {
    log: silentLogger(),
    debounceMs: 20,
    onReload: (e) => reloads.push(e),
    onPersistFailure: () => persistFailures++,
    ...options,
  });
  return { store, sync, reloads, persistFailures: () => persistFailures };
}

const record = (name: string, type: string, value: string[], ttl?: number): RecordInput => ({
  name,
  type,
  value,
  ...(ttl === undefined ? {} : { ttl }),
});
const add = (input: RecordInput) => (view: RecordView) => ({
  added: [validateRecord(input, view.defaultTtl)],
});

function recordsOf(text: string): string[] {
  return parseSource(text, { source: 't', defaultTtl: 300 }).rrsets.map(
    (r) => `${r.name} ${r.type} ${r.values.join(',')}`,
  );
}

test('start loads the source into the store', async (t) => {
  const { store, sync } = setup(new MemorySource(TEXT));
  t.after(() => sync.close());
  assert.equal(sync.status().started, false);
  await sync.start();
  assert.equal(store.size, 3);
  assert.deepEqual(sync.status(), { started: true });
});

test('a reload applies only the differences, atomically, and says what it did', async (t) => {
  const source = new MemorySource(TEXT);
  const { store, sync } = setup(source);
  t.after(() => sync.close());
  await sync.start();
  const kept = store.getRRset(store.get('mail.example.com', 'A')[0]!.name, 'A');
  const events: unknown[] = [];
  store.onChange((e) => events.push(e));
  source.replace(
    TEXT.replace('192.0.2.1]', '192.0.2.2]').replace(/ {2}- name: example\.com\.\n.*\n.*\n/, '') +
      '  - { name: new.example.com., type: TXT, value: [hello] }\n',
  );
  const summary = await sync.reload('api');
  assert.deepEqual(
    { ...summary, durationMs: 0 },
    { added: 1, updated: 1, deleted: 1, version: 2, durationMs: 0 },
  );
  assert.ok(summary.durationMs >= 0);
  assert.equal(events.length, 1, 'one change set');
  assert.equal(store.get('mail.example.com', 'A')[0], kept, 'an unchanged RRset is not touched');
  assert.deepEqual(store.get('www.example.com', 'A')[0]?.values, ['192.0.2.2']);
  assert.equal(store.get('example.com', 'SOA').length, 0);
});

test('seeded with the cut of its text, the first read takes the records as seeded, and edits apply', async (t) => {
  const source = new MemorySource(TEXT);
  const { store, sync } = setup(source);
  t.after(() => sync.close());
  // The seed says something of mail the text does not: kept, it shows the text was not parsed.
  const seeded = parseSource(TEXT, { source: 't', defaultTtl: 300 }).rrsets.map((r) =>
    r.name === 'mail.example.com.' ? { ...r, ttl: 999 } : r,
  );
  sync.seed(TEXT, seeded, store.apply({ added: [...seeded] }).version, splitRecords(TEXT));
  await sync.start();
  assert.equal(store.get('mail.example.com', 'A')[0]?.ttl, 999);
  source.replace(TEXT.replace('192.0.2.1]', '192.0.2.7]'));
  const summary = await sync.reload('signal');
  assert.deepEqual([summary.added, summary.updated, summary.deleted], [0, 1, 0]);
  assert.deepEqual(store.get('www.example.com', 'A')[0]?.values, ['192.0.2.7']);
});

test('a seed whose cut is of another text is not trusted: the first read parses the text', async (t) => {
  const source = new MemorySource(TEXT);
  const { store, sync } = setup(source);
  t.after(() => sync.close());
  const seeded = parseSource(TEXT, { source: 't', defaultTtl: 300 }).rrsets.map((r) =>
    r.name === 'mail.example.com.' ? { ...r, ttl: 999 } : r,
  );
  const other = TEXT.replace('# the web server', '# the web server, elsewhere');
  sync.seed(TEXT, seeded, store.apply({ added: [...seeded] }).version, splitRecords(other));
  await sync.start();
  assert.equal(store.get('mail.example.com', 'A')[0]?.ttl, 300);
});

test('onAccepted tells whether a text differs from the one told before only inside records', async (t) => {
  const source = new MemorySource(TEXT);
  const { sync } = setup(source);
  t.after(() => sync.close());
  const told: boolean[] = [];
  sync.onAccepted((_text, recordsOnly) => told.push(recordsOnly));
  const edit = (from: string, to: string) => {
    assert.ok(source.text.includes(from));
    source.replace(source.text.replace(from, to));
    return sync.reload('watch');
  };
  await sync.start(); // the first text: all of it is news
  await edit('192.0.2.1]', '192.0.2.2]'); // an entry
  await edit('# records of example.com.', '# records'); // beside the entries
  await edit('192.0.2.25', '192.0.2.26'); // an entry again
  await sync.change(add(record('new.example.com', 'A', ['192.0.2.9']))); // written back
  await edit('192.0.2.26', '192.0.2.27'); // an entry, but the last text told was the written one
  await edit('192.0.2.27', '192.0.2.28');
  assert.deepEqual(told, [false, true, false, true, false, false, true]);
});

test('after writes, through the sync or around it, a reload makes the store hold what the text says', async (t) => {
  const source = new MemorySource(TEXT);
  const { store, sync } = setup(source);
  t.after(() => sync.close());
  await sync.start();
  await sync.change(add(record('new.example.com', 'A', ['192.0.2.9']))); // written back too
  const www = store.get('www.example.com', 'A')[0] as RRset;
  store.apply({ updated: [{ ...www, ttl: 61 }], added: [{ ...www, name: 'stray.example.com.' as Name }] });
  source.replace(source.text.replace('192.0.2.25', '192.0.2.26'));
  const summary = await sync.reload('signal');
  assert.deepEqual([summary.added, summary.updated, summary.deleted], [0, 2, 1]);
  const all = (rrsets: readonly RRset[]) =>
    rrsets.map((r) => `${r.name} ${r.type} ${r.ttl} ${r.values}`).sort();
  assert.deepEqual(all(store.all()), all(parseSource(source.text, { source: 't', defaultTtl: 300 }).rrsets));
});

test('reading an edited text never asks for its revision; a write-back does', async (t) => {
  // A file's revision is a hash of all of it: it is worth not computing.
  let asked = 0;
  class Counting extends MemorySource {
    override async read(): Promise<SourceSnapshot> {
      const snapshot = await super.read();
      return {
        text: snapshot.text,
        get revision() {
          asked++;
          return snapshot.revision;
        },
      };
    }
  }
  const source = new Counting(TEXT);
  const { store, sync } = setup(source);
  t.after(() => sync.close());
  await sync.start();
  source.replace(TEXT.replace('192.0.2.1]', '192.0.2.2]')); // seen by the watcher
  await waitFor(() => store.get('www.example.com', 'A')[0]?.values[0] === '192.0.2.2', {
    what: 'the watch reload',
  });
  source.replace(TEXT.replace('192.0.2.1]', '192.0.2.3]'));
  await sync.reload('signal');
  assert.deepEqual(store.get('www.example.com', 'A')[0]?.values, ['192.0.2.3']);
  assert.equal(asked, 0);
  await sync.change(add(record('new.example.com', 'A', ['192.0.2.9'])));
  assert.ok(asked > 0);
});

test('a refused text changes nothing, says why and where, and a good text recovers', async (t) => {
  const source = new MemorySource(TEXT);
  const { store, sync, reloads } = setup(source);
  t.after(() => sync.close());
  await sync.start();
  const before = store.version;
  source.replace(TEXT.replace('192.0.2.1]', '192.0.2.1, 300.1.1.1]').replace('192.0.2.25', '192.0.2.26'));
  await assert.rejects(sync.reload('signal'), (e: unknown) => {
    assert.ok(e instanceof SourceError);
    assert.equal(e.line, 7);
    assert.match(e.message, /^memory: line 7: records\[1\]: invalid value "300\.1\.1\.1"/);
    return true;
  });
  assert.equal(store.version, before);
  assert.deepEqual(store.get('mail.example.com', 'A')[0]?.values, ['192.0.2.25'], 'not even the good part');
  assert.equal(sync.status().error?.line, 7);
  assert.deepEqual(reloads.at(-1), { ...reloads.at(-1), trigger: 'signal', ok: false });

  source.replace(TEXT.replace('192.0.2.25', '192.0.2.26'));
  const summary = await sync.reload('signal');
  assert.equal(summary.updated, 1);
  assert.equal(sync.status().error, undefined);
  assert.deepEqual(store.get('mail.example.com', 'A')[0]?.values, ['192.0.2.26']);
});

test('the watcher reloads a changed source after the debounce, and a bad one marks the status', async (t) => {
  const source = new MemorySource(TEXT);
  const { store, sync } = setup(source);
  t.after(() => sync.close());
  await sync.start();
  source.replace(TEXT.replace('192.0.2.25', '192.0.2.99'));
  await waitFor(() => store.get('mail.example.com', 'A')[0]?.values[0] === '192.0.2.99', {
    what: 'the watch reload',
  });
  source.replace('records: [ {');
  await waitFor(() => sync.status().error !== undefined, { what: 'the refused text to show' });
  assert.equal(store.size, 3);
  source.replace(TEXT);
  await waitFor(() => sync.status().error === undefined, { what: 'the recovery' });
  assert.deepEqual(store.get('mail.example.com', 'A')[0]?.values, ['192.0.2.25']);
});

test('a formatting-only change reloads nothing', async (t) => {
  const source = new MemorySource(TEXT);
  const { store, sync } = setup(source);
  t.after(() => sync.close());
  await sync.start();
  const version = store.version;
  source.replace(TEXT.replace('# the web server', '# the web server, now with a longer comment'));
  const summary = await sync.reload('api');
  assert.equal(summary.added + summary.updated + summary.deleted, 0);
  assert.equal(store.version, version);
});

test('a write is persisted first and applied second', async (t) => {
  // A source whose write we hold open: while it is pending the store must not have the record.
  const inner = new MemorySource(TEXT);
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const source: Source = {
    description: 'gated',
    read: () => inner.read(),
    watch: () => () => {},
    write: async (text, expected): Promise<SourceSnapshot> => {
      await gate;
      return inner.write(text, expected);
    },
  };
  const { store, sync } = setup(source);
  t.after(() => sync.close());
  await sync.start();
  const done = sync.change(add(record('new.example.com', 'A', ['192.0.2.7'])));
  await new Promise((r) => setTimeout(r, 30));
  assert.deepEqual(store.get('new.example.com'), [], 'applied before it was persisted');
  release();
  const result = await done;
  assert.equal(result.added[0]?.name, 'new.example.com.');
  assert.equal(store.get('new.example.com').length, 1);
  assert.ok(recordsOf(inner.text).includes('new.example.com. A 192.0.2.7'));
  assert.match(inner.text, /# the web server/);
});

test('a change the store refuses is neither written nor applied', async (t) => {
  const source = new MemorySource(TEXT);
  const { store, sync } = setup(source);
  t.after(() => sync.close());
  await sync.start();
  const version = store.version;
  await assert.rejects(
    sync.change(add(record('www.example.com', 'A', ['192.0.2.9']))),
    (e: unknown) => e instanceof RecordError && e.code === 'RECORD_EXISTS',
  );
  await assert.rejects(
    sync.change(add(record('www.example.com', 'CNAME', ['example.com.']))),
    (e: unknown) => e instanceof RecordError && e.code === 'INVALID_VALUE',
  );
  await assert.rejects(
    sync.change(add(record('x.example.com', 'A', ['not-an-address']))),
    (e: unknown) => e instanceof RecordError && e.code === 'INVALID_VALUE',
  );
  assert.equal(source.text, TEXT);
  assert.equal(store.version, version);
});

test('a write that cannot be persisted is not applied and reports PersistError', async (t) => {
  const inner = new MemorySource(TEXT);
  let full = true;
  const source: Source = {
    description: 'file /nowhere/config.yaml',
    read: () => inner.read(),
    watch: () => () => {},
    write: async (text, expected) => {
      if (full) throw new PersistError('file /nowhere/config.yaml: cannot write: no space left on device');
      return inner.write(text, expected);
    },
  };
  const { store, sync, persistFailures } = setup(source);
  t.after(() => sync.close());
  await sync.start();
  await assert.rejects(sync.change(add(record('new.example.com', 'A', ['192.0.2.7']))), /no space left/);
  assert.deepEqual(store.get('new.example.com'), []);
  assert.equal(inner.text, TEXT);
  assert.equal(persistFailures(), 1);
  // Space again: the next write does not carry the failed change along.
  full = false;
  await sync.change(add(record('other.example.com', 'A', ['192.0.2.8'])));
  const inFile = recordsOf(inner.text);
  assert.ok(inFile.includes('other.example.com. A 192.0.2.8'));
  assert.ok(!inFile.some((r) => r.startsWith('new.example.com.')), 'the failed change was written after all');
  assert.deepEqual(store.get('new.example.com'), []);
});

test('a write after an edit behind its back re-reads first: both edits survive', async (t) => {
  const source = new MemorySource(TEXT);
  // No watcher round trip: the edit below is seen only through the write's revision check.
  const { store, sync, reloads } = setup(source, { debounceMs: 60_000 });
  t.after(() => sync.close());
  await sync.start();
  source.replace(`${TEXT}  - { name: edited.example.com., type: TXT, value: [by hand] }\n`);
  await sync.change(add(record('api.example.com', 'A', ['192.0.2.50'])));
  const inFile = recordsOf(source.text);
  assert.ok(inFile.includes('edited.example.com. TXT by hand'));
  assert.ok(inFile.includes('api.example.com. A 192.0.2.50'));
  assert.equal(store.get('edited.example.com').length, 1);
  assert.equal(store.get('api.example.com').length, 1);
  assert.ok(reloads.some((r) => r.trigger === 'conflict' && r.ok));
});

test('a write onto a refused source fails rather than overwrite it', async (t) => {
  const source = new MemorySource(TEXT);
  const { store, sync } = setup(source, { debounceMs: 60_000 });
  t.after(() => sync.close());
  await sync.start();
  source.replace('records: [ {');
  await assert.rejects(sync.change(add(record('api.example.com', 'A', ['192.0.2.50']))), (e: unknown) => {
    assert.ok(e instanceof PersistError);
    assert.match(e.message, /source is refused .*fix it first/);
    return true;
  });
  assert.equal(source.text, 'records: [ {');
  assert.equal(store.get('api.example.com').length, 0);
});

test('100 concurrent writes all land in the source, committed together in a few write-backs', async (t) => {
  const inner = new MemorySource(TEXT);
  let writesBack = 0;
  const source: Source = {
    description: 'counted',
    read: () => inner.read(),
    watch: () => () => {},
    write: (text, expected) => {
      writesBack++;
      return inner.write(text, expected);
    },
  };
  const { store, sync } = setup(source);
  t.after(() => sync.close());
  await sync.start();
  const writes = Array.from({ length: 100 }, (_, i) =>
    sync.change(add(record(`host${i}.example.com`, 'A', [`10.0.0.${i}`]))),
  );
  const results = await Promise.all(writes);
  const inFile = recordsOf(inner.text);
  for (let i = 0; i < 100; i++) {
    assert.ok(inFile.includes(`host${i}.example.com. A 10.0.0.${i}`), `host${i}`);
    assert.equal(results[i]?.added[0]?.name, `host${i}.example.com.`);
  }
  assert.equal(store.size, 103);
  assert.ok(writesBack < 100, `${writesBack} write-backs for 100 writes: no group commit`);
  assert.equal(new Set(results.map((r) => r.version)).size, writesBack, 'one store version per write-back');
});

test('writes committed together are planned in order, each seeing the ones before it', async (t) => {
  const source = new MemorySource(TEXT);
  const { store, sync } = setup(source);
  t.after(() => sync.close());
  await sync.start();
  const del = (name: string) => (view: RecordView) => ({
    deleted: view.rrsetsAt(`${name}.` as Name).map((r) => ({ name: r.name, type: r.type })),
  });
  const [first, twice, temp, gone, broken, after] = await Promise.allSettled([
    sync.change(add(record('dup.example.com', 'A', ['192.0.2.1']))),
    sync.change(add(record('dup.example.com', 'A', ['192.0.2.2']))),
    sync.change(add(record('temp.example.com', 'TXT', ['short-lived']))),
    sync.change(del('temp.example.com')),
    sync.change(() => {
      throw new RecordError('INVALID_VALUE', 'this plan refuses');
    }),
    sync.change(add(record('after.example.com', 'A', ['192.0.2.3']))),
  ]);
  assert.equal(first.status, 'fulfilled');
  assert.ok(twice.status === 'rejected' && (twice.reason as RecordError).code === 'RECORD_EXISTS');
  assert.equal(temp.status, 'fulfilled');
  assert.ok(gone.status === 'fulfilled' && gone.value.deleted[0]?.name === 'temp.example.com.');
  assert.ok(broken.status === 'rejected' && /this plan refuses/.test(String(broken.reason)));
  assert.equal(after.status, 'fulfilled');
  assert.deepEqual(store.get('dup.example.com')[0]?.values, ['192.0.2.1']);
  assert.deepEqual(store.get('temp.example.com'), []);
  const inFile = recordsOf(source.text);
  assert.ok(inFile.includes('dup.example.com. A 192.0.2.1'));
  assert.ok(inFile.includes('after.example.com. A 192.0.2.3'));
  assert.ok(!inFile.some((r) => r.startsWith('temp.example.com.')));
});

test('with a real file, our own write-back echoes through the watcher without a reload', async (t) => {
  const path = join(mkdtempSync(join(tmpdir(), 'jw238dns-sync-')), 'config.yaml');
  writeFileSync(path, TEXT);
  const { store, sync, reloads } = setup(new FileSource(path, { pollMs: 60_000 }));
  t.after(() => sync.close());
  await sync.start();
  reloads.length = 0;
  await sync.change(add(record('api.example.com', 'A', ['192.0.2.50'])));
  assert.match(readFileSync(path, 'utf8'), /# the web server[\s\S]*name: api\.example\.com\./);
  // Let the watcher see the rename and settle (debounce 20 ms) before the outside edit, so that
  // the two are not folded into one reload.
  await new Promise((r) => setTimeout(r, 300));

  // An outside edit after that is picked up, which shows the watcher was listening all along.
  const edited = readFileSync(path, 'utf8').replace('192.0.2.25', '192.0.2.26');
  writeFileSync(`${path}.new`, edited);
  renameSync(`${path}.new`, path);
  await waitFor(() => store.get('mail.example.com', 'A')[0]?.values[0] === '192.0.2.26', {
    what: 'the outside edit',
  });
  assert.deepEqual(
    reloads.map((r) => r.trigger),
    ['watch'],
    'one reload, for the outside edit; none for the echo of our own write',
  );
});

test('close waits for queued writes', async () => {
  const source = new MemorySource(TEXT);
  const { sync } = setup(source);
  await sync.start();
  const pending = sync.change(add(record('late.example.com', 'A', ['192.0.2.77'])));
  await sync.close();
  assert.ok(recordsOf(source.text).includes('late.example.com. A 192.0.2.77'));
  await pending;
});
