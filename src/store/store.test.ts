import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep, setImmediate as tick } from 'node:timers/promises';
import type { Name } from '../dns/name.ts';
import { type ChangeEvent, recordEvents } from './events.ts';
import { RecordError, type RecordErrorCode, type RecordInput, type RRset, validateRecord } from './record.ts';
import { Store } from './store.ts';
import { WatchOverflowError } from './watch.ts';

const n = (s: string): Name => s as Name;
const SOA = 'ns1.example.com. hostmaster.example.com. 2026112901 7200 3600 1209600 300';

function store(): Store {
  return new Store({ defaultTtl: 300 });
}

function recording(s: Store): ChangeEvent[] {
  const events: ChangeEvent[] = [];
  s.onChange((e) => events.push(e));
  return events;
}

function isRecordError(code: RecordErrorCode, message?: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof RecordError, `expected RecordError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (message !== undefined) assert.match(err.message, message);
    return true;
  };
}

function seeded(): Store {
  const s = store();
  s.hotReload([
    { name: 'example.com', type: 'SOA', value: [SOA] },
    { name: 'example.com', type: 'NS', value: ['ns1.example.com.'] },
    { name: 'www.example.com', type: 'A', value: ['192.0.2.1', '192.0.2.2'] },
    { name: 'www.example.com', type: 'AAAA', value: ['2001:db8::1'] },
    { name: 'mail.example.com', type: 'A', value: ['192.0.2.25'] },
    { name: 'example.com', type: 'MX', value: ['10 mail.example.com.'] },
    { name: 'example.org', type: 'A', value: ['192.0.2.80'] },
  ]);
  return s;
}

/** snapshot is everything a reader can see, to compare before and after a refused change. */
function snapshot(s: Store): unknown {
  return { version: s.version, size: s.size, records: s.list(), apexes: s.zones.apexes() };
}

// -----------------------------------------------------------------------------------------------
// construction

test('the constructor refuses a default TTL outside 60–86400', () => {
  for (const defaultTtl of [0, 59, 86401, 1.5]) assert.throws(() => new Store({ defaultTtl }), RangeError);
  assert.equal(new Store({ defaultTtl: 3600 }).defaultTtl, 3600);
});

test('a new store is empty at version 0', () => {
  const s = store();
  assert.equal(s.size, 0);
  assert.equal(s.version, 0);
  assert.deepEqual(s.list(), []);
  assert.equal(s.zones.size, 0);
});

// -----------------------------------------------------------------------------------------------
// create / update / delete / get / list

test('create stores the normalised record and returns the stored object', () => {
  const s = store();
  const created = s.create({ name: 'WWW.Example.com', type: 'a', value: ['192.0.2.1', '192.0.2.1'] });
  assert.deepEqual(created, { name: 'www.example.com.', type: 'A', ttl: 300, values: ['192.0.2.1'] });
  assert.equal(s.getRRset(n('www.example.com.'), 'A'), created, 'readers get the stored object, not a copy');
  assert.equal(s.get('www.EXAMPLE.com', 'A')[0], created);
  assert.ok(Object.isFrozen(created) && Object.isFrozen(created.values));
  assert.equal(s.size, 1);
  assert.equal(s.version, 1);
});

test('create refuses an existing (name, type) with RECORD_EXISTS and changes nothing', () => {
  const s = seeded();
  const before = snapshot(s);
  assert.throws(
    () => s.create({ name: 'www.example.com.', type: 'A', value: ['192.0.2.9'] }),
    isRecordError('RECORD_EXISTS', /^A record www\.example\.com\. already exists$/),
  );
  assert.deepEqual(snapshot(s), before);
});

test('create rejects an invalid record with its code', () => {
  const s = store();
  assert.throws(
    () => s.create({ name: 'a..b', type: 'A', value: ['192.0.2.1'] }),
    isRecordError('INVALID_NAME'),
  );
  assert.throws(
    () => s.create({ name: 'a.b', type: 'SPF', value: ['x'] }),
    isRecordError('INVALID_RECORD_TYPE'),
  );
  assert.throws(
    () => s.create({ name: 'a.b', type: 'A', ttl: 59, value: ['192.0.2.1'] }),
    isRecordError('INVALID_TTL'),
  );
  assert.throws(
    () => s.create({ name: 'a.b', type: 'A', value: ['300.1.1.1'] }),
    isRecordError('INVALID_VALUE', /^invalid value "300\.1\.1\.1" for A record a\.b\.: /),
  );
  assert.equal(s.version, 0);
});

test('update replaces the whole RRset; the old object is left as it was', () => {
  const s = seeded();
  const old = s.getRRset(n('www.example.com.'), 'A') as RRset;
  const updated = s.update({ name: 'www.example.com', type: 'A', ttl: 60, value: ['192.0.2.3'] });
  assert.deepEqual(updated, { name: 'www.example.com.', type: 'A', ttl: 60, values: ['192.0.2.3'] });
  assert.equal(s.getRRset(n('www.example.com.'), 'A'), updated);
  assert.deepEqual(old.values, ['192.0.2.1', '192.0.2.2'], 'writers replace, never mutate');
  // a missing TTL means the default, not the previous TTL
  assert.equal(s.update({ name: 'www.example.com', type: 'A', value: ['192.0.2.3'] }).ttl, 300);
});

test('update of an absent RRset is RECORD_NOT_FOUND', () => {
  const s = seeded();
  const before = snapshot(s);
  assert.throws(
    () => s.update({ name: 'nope.example.com', type: 'A', value: ['192.0.2.1'] }),
    isRecordError('RECORD_NOT_FOUND', /A record nope\.example\.com\. not found/),
  );
  assert.throws(
    () => s.update({ name: 'www.example.com', type: 'TXT', value: ['x'] }),
    isRecordError('RECORD_NOT_FOUND'),
  );
  assert.deepEqual(snapshot(s), before);
});

test('delete with a type removes that RRset and returns it', () => {
  const s = seeded();
  const aaaa = s.getRRset(n('www.example.com.'), 'AAAA');
  assert.deepEqual(s.delete('WWW.example.com', 'aaaa'), [aaaa]);
  assert.deepEqual(s.get('www.example.com', 'AAAA'), []);
  assert.equal(s.get('www.example.com').length, 1);
});

test('delete without a type removes every RRset at the name, in one version', () => {
  const s = seeded();
  const v = s.version;
  const removed = s.delete('example.com');
  assert.deepEqual(
    removed.map((r) => r.type),
    ['NS', 'SOA', 'MX'],
  );
  assert.deepEqual(s.get('example.com'), []);
  assert.equal(s.version, v + 1);
  assert.equal(s.size, 4);
});

test('delete of nothing is RECORD_NOT_FOUND', () => {
  const s = seeded();
  assert.throws(
    () => s.delete('nope.example.com'),
    isRecordError('RECORD_NOT_FOUND', /no records at nope\.example\.com\./),
  );
  assert.throws(
    () => s.delete('www.example.com', 'TXT'),
    isRecordError('RECORD_NOT_FOUND', /TXT record www\.example\.com\./),
  );
  assert.throws(() => s.delete('www.example.com', 'BOGUS'), isRecordError('INVALID_RECORD_TYPE'));
  assert.throws(() => s.delete('bad..name'), isRecordError('INVALID_NAME'));
});

test('get: unknown names give [], bad names and types throw', () => {
  const s = seeded();
  assert.deepEqual(s.get('unknown.example.com'), []);
  assert.deepEqual(s.get('unknown.example.com', 'A'), []);
  assert.deepEqual(
    s.get('www.example.com').map((r) => r.type),
    ['A', 'AAAA'],
  );
  assert.throws(() => s.get('bad..name'), isRecordError('INVALID_NAME'));
  assert.throws(() => s.get('www.example.com', 'ANY'), isRecordError('INVALID_RECORD_TYPE'));
  // get returns a fresh array: changing it does not touch the store
  s.get('www.example.com').pop();
  assert.equal(s.get('www.example.com').length, 2);
});

test('rrsetsAt returns the frozen RRsets of a name in type-number order (for ANY)', () => {
  const s = seeded();
  const at = s.rrsetsAt(n('example.com.'));
  assert.deepEqual(
    at.map((r) => r.type),
    ['NS', 'SOA', 'MX'],
  );
  assert.ok(Object.isFrozen(at));
  assert.equal(at[1], s.getRRset(n('example.com.'), 'SOA'));
  assert.deepEqual(s.rrsetsAt(n('nothing.example.com.')), []);
  assert.equal(s.getRRset(n('nothing.example.com.'), 'A'), undefined);
});

test('list is sorted canonically and filters by type and zone', () => {
  const s = seeded();
  assert.deepEqual(
    s.list().map((r) => `${r.name} ${r.type}`),
    [
      'example.com. NS',
      'example.com. SOA',
      'example.com. MX',
      'mail.example.com. A',
      'www.example.com. A',
      'www.example.com. AAAA',
      'example.org. A',
    ],
  );
  assert.deepEqual(
    s.list({ type: 'a' }).map((r) => r.name),
    ['mail.example.com.', 'www.example.com.', 'example.org.'],
  );
  assert.deepEqual(
    s.list({ zone: 'Example.ORG' }).map((r) => r.name),
    ['example.org.'],
  );
  assert.deepEqual(
    s.list({ zone: 'example.com.', type: 'AAAA' }).map((r) => r.name),
    ['www.example.com.'],
  );
  assert.equal(s.list({ zone: 'com' }).length, 6);
  assert.throws(() => s.list({ type: 'nope' }), isRecordError('INVALID_RECORD_TYPE'));
  assert.throws(() => s.list({ zone: 'a..b' }), isRecordError('INVALID_NAME'));
  assert.equal(s.all().length, s.size);
});

test('size and version follow every change; a refused change bumps neither', () => {
  const s = store();
  s.create({ name: 'a.example.com', type: 'A', value: ['192.0.2.1'] });
  s.create({ name: 'a.example.com', type: 'TXT', value: ['x'] });
  s.update({ name: 'a.example.com', type: 'TXT', value: ['y'] });
  assert.deepEqual([s.size, s.version], [2, 3]);
  assert.throws(() => s.create({ name: 'a.example.com', type: 'A', value: ['192.0.2.1'] }));
  assert.deepEqual([s.size, s.version], [2, 3]);
  s.delete('a.example.com');
  assert.deepEqual([s.size, s.version], [0, 4]);
});

// -----------------------------------------------------------------------------------------------
// CNAME exclusivity

test('CNAME: adding a CNAME beside another type is refused', () => {
  const s = seeded();
  assert.throws(
    () => s.create({ name: 'www.example.com', type: 'CNAME', value: ['example.com.'] }),
    isRecordError(
      'INVALID_VALUE',
      /CNAME record www\.example\.com\. cannot sit beside A, AAAA at www\.example\.com\./,
    ),
  );
  assert.deepEqual(s.get('www.example.com', 'CNAME'), []);
});

test('CNAME: adding another type beside a CNAME is refused', () => {
  const s = store();
  s.create({ name: 'alias.example.com', type: 'CNAME', value: ['www.example.com.'] });
  assert.throws(
    () => s.create({ name: 'alias.example.com', type: 'TXT', value: ['x'] }),
    isRecordError('INVALID_VALUE', /TXT record alias\.example\.com\. cannot sit beside the CNAME/),
  );
  assert.equal(s.size, 1);
});

test('CNAME: a CNAME and another type added in one change set are refused', () => {
  const s = store();
  assert.throws(
    () =>
      s.partialReload({
        added: [
          { name: 'x.example.com', type: 'A', value: ['192.0.2.1'] },
          { name: 'x.example.com', type: 'CNAME', value: ['y.example.com.'] },
        ],
      }),
    (err: unknown) =>
      err instanceof RecordError && err.code === 'INVALID_VALUE' && err.list === 'added' && err.index === 0,
  );
  assert.equal(s.size, 0);
});

test('CNAME: deleting the other types and adding a CNAME in one change set is fine, and back', () => {
  const s = seeded();
  const result = s.partialReload({
    deleted: [
      { name: 'www.example.com', type: 'A' },
      { name: 'www.example.com', type: 'AAAA' },
    ],
    added: [{ name: 'www.example.com', type: 'CNAME', value: ['example.com.'] }],
  });
  assert.equal(result.added.length, 1);
  assert.deepEqual(
    s.get('www.example.com').map((r) => r.type),
    ['CNAME'],
  );
  s.apply({
    deleted: [{ name: n('www.example.com.'), type: 'CNAME' }],
    added: [validateRecord({ name: 'www.example.com', type: 'A', value: ['192.0.2.1'] }, 300)],
  });
  assert.deepEqual(
    s.get('www.example.com').map((r) => r.type),
    ['A'],
  );
});

test('CNAME: deleting only one of two other types is not enough', () => {
  const s = seeded();
  assert.throws(
    () =>
      s.partialReload({
        deleted: [{ name: 'www.example.com', type: 'A' }],
        added: [{ name: 'www.example.com', type: 'CNAME', value: ['example.com.'] }],
      }),
    isRecordError('INVALID_VALUE', /^added\[0\]: CNAME record www\.example\.com\. cannot sit beside AAAA/),
  );
  assert.equal(s.get('www.example.com').length, 2);
});

test('CNAME: a hot reload holding a CNAME beside another type names the later entry', () => {
  const s = seeded();
  const before = snapshot(s);
  assert.throws(
    () =>
      s.hotReload([
        { name: 'a.example.com', type: 'CNAME', value: ['b.example.com.'] },
        { name: 'b.example.com', type: 'A', value: ['192.0.2.1'] },
        { name: 'a.example.com', type: 'TXT', value: ['x'] },
      ]),
    (err: unknown) =>
      err instanceof RecordError &&
      err.code === 'INVALID_VALUE' &&
      err.index === 2 &&
      /^records\[2\]: TXT record a\.example\.com\. cannot sit beside the CNAME record of records\[0\]/.test(
        err.message,
      ),
  );
  assert.deepEqual(snapshot(s), before);
});

test('CNAME: an RRset built by hand with two CNAME values is refused by apply', () => {
  const s = store();
  const bad = {
    name: n('x.example.com.'),
    type: 'CNAME' as const,
    ttl: 300,
    values: ['a.example.', 'b.example.'],
  };
  assert.throws(
    () => s.apply({ added: [bad] }),
    isRecordError('INVALID_VALUE', /^added\[0\]: CNAME .* exactly one/),
  );
});

// -----------------------------------------------------------------------------------------------
// partialReload and apply: all or nothing

function manyValid(count: number): RecordInput[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `host${i}.example.com`,
    type: 'A',
    value: [`192.0.2.${i}`],
  }));
}

test('partialReload: one bad record among many valid changes nothing and names the record', () => {
  const s = seeded();
  const events = recording(s);
  const before = snapshot(s);
  const added = manyValid(20);
  added.splice(7, 0, { name: 'bad.example.com', type: 'A', value: ['192.0.2.1', '300.1.1.1'] });
  assert.throws(
    () =>
      s.partialReload({
        added,
        updated: [{ name: 'www.example.com', type: 'A', value: ['198.51.100.1'] }],
        deleted: [{ name: 'mail.example.com', type: 'A' }],
      }),
    (err: unknown) => {
      assert.ok(err instanceof RecordError);
      assert.equal(err.code, 'INVALID_VALUE');
      assert.equal(err.list, 'added');
      assert.equal(err.index, 7);
      assert.equal(
        err.message,
        'added[7]: invalid value "300.1.1.1" for A record bad.example.com.: "300.1.1.1" is not an IPv4 address',
      );
      return true;
    },
  );
  assert.deepEqual(snapshot(s), before);
  assert.deepEqual(events, []);
});

test('partialReload: the store-state rules are checked before anything is applied', () => {
  const cases: [string, Parameters<Store['partialReload']>[0], RecordErrorCode, RegExp][] = [
    [
      'an added record that exists',
      { added: [...manyValid(5), { name: 'www.example.com', type: 'AAAA', value: ['2001:db8::2'] }] },
      'RECORD_EXISTS',
      /^added\[5\]: AAAA record www\.example\.com\. already exists$/,
    ],
    [
      'an updated record that does not exist',
      {
        added: manyValid(5),
        updated: [
          { name: 'www.example.com', type: 'A', value: ['192.0.2.7'] },
          { name: 'ghost.example.com', type: 'A', value: ['192.0.2.7'] },
        ],
      },
      'RECORD_NOT_FOUND',
      /^updated\[1\]: A record ghost\.example\.com\. not found$/,
    ],
    [
      'a deleted record that does not exist',
      { added: manyValid(5), deleted: [{ name: 'www.example.com', type: 'TXT' }] },
      'RECORD_NOT_FOUND',
      /^deleted\[0\]: TXT record www\.example\.com\. not found$/,
    ],
    [
      'a deleted key that is invalid',
      { added: manyValid(5), deleted: [{ name: 'www.example.com', type: 'WKS' }] },
      'INVALID_RECORD_TYPE',
      /^deleted\[0\]: invalid record type "WKS"/,
    ],
    [
      'an updated record with a bad TTL',
      {
        added: manyValid(5),
        updated: [{ name: 'www.example.com', type: 'A', ttl: 86401, value: ['192.0.2.1'] }],
      },
      'INVALID_TTL',
      /^updated\[0\]: invalid TTL 86401 for A record www\.example\.com\./,
    ],
    [
      'a key in two lists',
      {
        deleted: [{ name: 'www.example.com', type: 'A' }],
        added: [{ name: 'www.example.com', type: 'A', value: ['192.0.2.9'] }],
      },
      'RELOAD_FAILED',
      /^added\[0\]: A record www\.example\.com\. appears twice in one change set \(deleted\[0\] and added\[0\]\)$/,
    ],
    [
      'a key twice in one list',
      { added: [...manyValid(3), { name: 'HOST1.example.com.', type: 'a', value: ['192.0.2.9'] }] },
      'RELOAD_FAILED',
      /^added\[3\]: .*\(added\[1\] and added\[3\]\)/,
    ],
  ];
  for (const [what, changes, code, message] of cases) {
    const s = seeded();
    const events = recording(s);
    const before = snapshot(s);
    assert.throws(() => s.partialReload(changes), isRecordError(code, message), what);
    assert.deepEqual(snapshot(s), before, what);
    assert.equal(events.length, 0, what);
  }
});

test('partialReload: a valid change set is applied as one version and one event', () => {
  const s = seeded();
  const events = recording(s);
  const v = s.version;
  const oldWww = s.getRRset(n('www.example.com.'), 'A');
  const oldMail = s.getRRset(n('mail.example.com.'), 'A');
  const result = s.partialReload({
    added: manyValid(3),
    updated: [{ name: 'www.example.com', type: 'A', value: ['198.51.100.1'] }],
    deleted: [{ name: 'mail.example.com', type: 'A' }],
  });
  assert.equal(s.version, v + 1);
  assert.equal(events.length, 1);
  const [event] = events as [ChangeEvent];
  assert.equal(event, result);
  assert.equal(event.kind, 'reloaded');
  assert.equal(event.version, v + 1);
  assert.deepEqual(
    event.added.map((r) => r.name),
    ['host0.example.com.', 'host1.example.com.', 'host2.example.com.'],
  );
  assert.equal(event.updated.length, 1);
  assert.equal(event.updated[0]?.before, oldWww);
  assert.equal(event.updated[0]?.after, s.getRRset(n('www.example.com.'), 'A'));
  assert.deepEqual(event.deleted, [oldMail]);
  assert.ok(Object.isFrozen(event) && Object.isFrozen(event.added) && Object.isFrozen(event.updated[0]));
});

test('apply: an empty change set changes nothing, bumps no version and emits nothing', () => {
  const s = seeded();
  const events = recording(s);
  const v = s.version;
  assert.deepEqual(s.apply({}), { version: v, added: [], updated: [], deleted: [] });
  assert.equal(s.partialReload({}).version, v);
  assert.equal(s.version, v);
  assert.equal(events.length, 0);
});

test('apply: an RRset that is not frozen is stored as a frozen copy', () => {
  const s = store();
  const values = ['192.0.2.1'];
  const loose = { name: n('x.example.com.'), type: 'A' as const, ttl: 300, values };
  s.apply({ added: [loose] });
  values.push('192.0.2.2');
  const stored = s.getRRset(n('x.example.com.'), 'A') as RRset;
  assert.deepEqual(stored.values, ['192.0.2.1']);
  assert.ok(Object.isFrozen(stored) && Object.isFrozen(stored.values));
});

// -----------------------------------------------------------------------------------------------
// hotReload

test('hotReload: replaces everything via a diff and reports added, updated and deleted', () => {
  const s = seeded();
  const events = recording(s);
  const v = s.version;
  const keptSoa = s.getRRset(n('example.com.'), 'SOA');
  const result = s.hotReload([
    { name: 'example.com', type: 'SOA', value: [SOA] }, // unchanged
    { name: 'example.com', type: 'NS', value: ['ns1.example.com.'] }, // unchanged
    { name: 'www.example.com', type: 'A', value: ['192.0.2.2', '192.0.2.1'] }, // reordered: unchanged
    { name: 'www.example.com', type: 'AAAA', ttl: 600, value: ['2001:db8::1'] }, // TTL: updated
    { name: 'example.com', type: 'MX', value: ['20 mail.example.com.'] }, // updated
    { name: 'new.example.com', type: 'TXT', value: ['hello'] }, // added
    // mail.example.com. A and example.org. A: deleted
  ]);
  assert.deepEqual([result.added.length, result.updated.length, result.deleted.length], [1, 2, 2]);
  assert.equal(result.version, v + 1);
  assert.equal(s.size, 6);
  assert.equal(s.getRRset(n('example.com.'), 'SOA'), keptSoa, 'unchanged RRsets keep their objects');
  assert.deepEqual(
    result.deleted.map((r) => r.name),
    ['mail.example.com.', 'example.org.'],
  );
  assert.deepEqual(
    events.map((e) => [e.kind, e.version]),
    [['reloaded', v + 1]],
  );
});

test('hotReload: the same data again is an empty diff (no version, no event)', () => {
  const s = seeded();
  const events = recording(s);
  const v = s.version;
  const again = s.list().map((r) => ({ name: r.name, type: r.type, ttl: r.ttl, value: r.values }));
  const result = s.hotReload(again);
  assert.deepEqual(
    [result.added.length, result.updated.length, result.deleted.length, result.version],
    [0, 0, 0, v],
  );
  assert.equal(events.length, 0);
});

test('hotReload: one bad record changes nothing and names it', () => {
  const s = seeded();
  const before = snapshot(s);
  const inputs = manyValid(10);
  inputs[4] = { name: 'host4.example.com', type: 'MX', value: ['mail.example.com.'] };
  assert.throws(
    () => s.hotReload(inputs),
    isRecordError(
      'INVALID_VALUE',
      /^records\[4\]: invalid value "mail\.example\.com\." for MX record host4\.example\.com\./,
    ),
  );
  assert.deepEqual(snapshot(s), before);
});

test('hotReload: a (name, type) given twice is RELOAD_FAILED', () => {
  const s = seeded();
  const before = snapshot(s);
  assert.throws(
    () =>
      s.hotReload([
        { name: 'a.example.com', type: 'A', value: ['192.0.2.1'] },
        { name: 'a.example.com.', type: 'A', value: ['192.0.2.2'] },
      ]),
    isRecordError('RELOAD_FAILED', /^records\[1\]: A record a\.example\.com\. repeats records\[0\]/),
  );
  assert.deepEqual(snapshot(s), before);
});

// -----------------------------------------------------------------------------------------------
// events

test('events: create, update and delete each emit one event with its kind, version and content', () => {
  const s = store();
  const events = recording(s);
  const created = s.create({ name: 'a.example.com', type: 'A', value: ['192.0.2.1'] });
  const updated = s.update({ name: 'a.example.com', type: 'A', value: ['192.0.2.2'] });
  s.delete('a.example.com', 'A');
  assert.deepEqual(
    events.map((e) => [e.kind, e.version]),
    [
      ['added', 1],
      ['updated', 2],
      ['deleted', 3],
    ],
  );
  assert.deepEqual(events[0]?.added, [created]);
  assert.deepEqual(events[1]?.updated, [{ before: created, after: updated }]);
  assert.deepEqual(events[2]?.deleted, [updated]);
  assert.deepEqual(
    recordEvents(events[1] as ChangeEvent).map((e) => e.kind),
    ['updated'],
  );
});

test('events: apply is kind of its only change, reloaded when mixed or asked', () => {
  const s = seeded();
  const events = recording(s);
  const txt = validateRecord({ name: 't.example.com', type: 'TXT', value: ['x'] }, 300);
  s.apply({ added: [txt] });
  s.apply({
    deleted: [{ name: txt.name, type: 'TXT' }],
    added: [validateRecord({ name: 'u.example.com', type: 'TXT', value: ['y'] }, 300)],
  });
  s.apply({ deleted: [{ name: n('u.example.com.'), type: 'TXT' }] }, { reload: true });
  assert.deepEqual(
    events.map((e) => e.kind),
    ['added', 'reloaded', 'reloaded'],
  );
  assert.deepEqual(
    recordEvents(events[1] as ChangeEvent).map((e) => `${e.kind} ${e.rrset.name}`),
    ['deleted t.example.com.', 'added u.example.com.'],
  );
});

test('events: a listener sees the new state when it is called', () => {
  const s = store();
  const seen: number[] = [];
  s.onChange((e) => seen.push(s.get('a.example.com').length, s.version - e.version));
  s.create({ name: 'a.example.com', type: 'A', value: ['192.0.2.1'] });
  assert.deepEqual(seen, [1, 0]);
});

test('events: a listener that throws breaks neither the change nor the other listeners', () => {
  const reported: [unknown, number][] = [];
  const s = new Store({
    defaultTtl: 300,
    onListenerError: (error, event) => reported.push([error, event.version]),
  });
  const boom = new Error('listener bug');
  const before: number[] = [];
  const after: number[] = [];
  s.onChange((e) => before.push(e.version));
  s.onChange(() => {
    throw boom;
  });
  s.onChange((e) => after.push(e.version));
  const created = s.create({ name: 'a.example.com', type: 'A', value: ['192.0.2.1'] });
  assert.equal(s.getRRset(n('a.example.com.'), 'A'), created);
  s.create({ name: 'b.example.com', type: 'A', value: ['192.0.2.1'] });
  assert.deepEqual(before, [1, 2]);
  assert.deepEqual(after, [1, 2]);
  assert.deepEqual(reported, [
    [boom, 1],
    [boom, 2],
  ]);
});

test('events: by default a throwing listener becomes a process warning', async () => {
  const s = store();
  const warned = new Promise<Error>((resolve) => process.once('warning', resolve));
  s.onChange(() => {
    throw new Error('listener bug');
  });
  s.create({ name: 'a.example.com', type: 'A', value: ['192.0.2.1'] });
  const warning = await warned;
  assert.match(warning.message, /store change listener threw on version 1: Error: listener bug/);
});

test('events: a reporter that throws as well does not break apply', async () => {
  const s = new Store({
    defaultTtl: 300,
    onListenerError: () => {
      throw new Error('reporter bug');
    },
  });
  const warnings: string[] = [];
  const onWarning = (w: Error): void => {
    warnings.push(w.message);
  };
  process.on('warning', onWarning);
  s.onChange(() => {
    throw new Error('listener bug');
  });
  s.create({ name: 'a.example.com', type: 'A', value: ['192.0.2.1'] });
  await tick();
  await tick();
  process.off('warning', onWarning);
  assert.equal(s.size, 1);
  assert.ok(warnings.some((w) => w.includes('listener bug')));
  assert.ok(warnings.some((w) => w.includes('reporter bug')));
});

test('events: unsubscribe stops delivery, also from inside another listener', () => {
  const s = store();
  const got: string[] = [];
  let offB = (): void => {};
  const offA = s.onChange(() => {
    got.push('a');
    offB();
  });
  offB = s.onChange(() => got.push('b'));
  s.create({ name: 'a.example.com', type: 'A', value: ['192.0.2.1'] });
  offA();
  offA(); // idempotent
  s.create({ name: 'b.example.com', type: 'A', value: ['192.0.2.1'] });
  assert.deepEqual(got, ['a']);
});

test('events: a listener that writes to the store gets the events in version order', () => {
  const s = store();
  const first: number[] = [];
  const second: number[] = [];
  s.onChange((e) => {
    first.push(e.version);
    if (e.version === 1) s.create({ name: 'echo.example.com', type: 'TXT', value: ['from a listener'] });
  });
  s.onChange((e) => second.push(e.version));
  s.create({ name: 'a.example.com', type: 'A', value: ['192.0.2.1'] });
  assert.deepEqual(first, [1, 2]);
  assert.deepEqual(second, [1, 2]);
  assert.equal(s.size, 2);
});

// -----------------------------------------------------------------------------------------------
// watch

test('watch yields each applied change set and ends on abort', async () => {
  const s = store();
  const controller = new AbortController();
  const seen: [string, number][] = [];
  const done = (async () => {
    for await (const event of s.watch(controller.signal)) {
      seen.push([event.kind, event.version]);
      if (event.version === 3) controller.abort();
    }
  })();
  s.create({ name: 'a.example.com', type: 'A', value: ['192.0.2.1'] });
  s.update({ name: 'a.example.com', type: 'A', value: ['192.0.2.2'] });
  await tick();
  s.delete('a.example.com');
  await done;
  s.create({ name: 'b.example.com', type: 'A', value: ['192.0.2.1'] });
  assert.deepEqual(seen, [
    ['added', 1],
    ['updated', 2],
    ['deleted', 3],
  ]);
});

test('watch: breaking out of the loop unsubscribes', async () => {
  const s = store();
  const iterator = s.watch();
  s.create({ name: 'a.example.com', type: 'A', value: ['192.0.2.1'] });
  for await (const event of iterator) {
    assert.equal(event.version, 1);
    break;
  }
  s.create({ name: 'b.example.com', type: 'A', value: ['192.0.2.1'] });
  assert.deepEqual(await iterator.next(), { done: true, value: undefined });
});

test('watch: an abort while waiting ends the iteration; an aborted signal yields nothing', async () => {
  const s = store();
  const controller = new AbortController();
  const iterator = s.watch(controller.signal);
  const pending = iterator.next();
  setTimeout(() => controller.abort(), 5);
  assert.deepEqual(await pending, { done: true, value: undefined });
  const already = s.watch(AbortSignal.abort());
  s.create({ name: 'a.example.com', type: 'A', value: ['192.0.2.1'] });
  assert.deepEqual(await already.next(), { done: true, value: undefined });
});

test('watch: several pending next() calls are served in order', async () => {
  const s = store();
  const iterator = s.watch();
  const first = iterator.next();
  const second = iterator.next();
  s.create({ name: 'a.example.com', type: 'A', value: ['192.0.2.1'] });
  s.create({ name: 'b.example.com', type: 'A', value: ['192.0.2.1'] });
  assert.equal(((await first).value as ChangeEvent).version, 1);
  assert.equal(((await second).value as ChangeEvent).version, 2);
  await iterator.return?.();
});

test('watch: a consumer that falls behind the buffer gets what was buffered, then WatchOverflowError', async () => {
  const s = store();
  const iterator = s.watch(undefined, 3);
  for (let i = 0; i < 5; i++) s.create({ name: `h${i}.example.com`, type: 'A', value: ['192.0.2.1'] });
  const versions: number[] = [];
  await assert.rejects(async () => {
    for await (const event of iterator) versions.push(event.version);
  }, WatchOverflowError);
  assert.deepEqual(versions, [1, 2, 3]);
  assert.deepEqual(await iterator.next(), { done: true, value: undefined });
  assert.throws(() => s.watch(undefined, 0), RangeError);
});

// -----------------------------------------------------------------------------------------------
// readers during reloads

const NAMES = Array.from({ length: 40 }, (_, i) => `node${i}.example.com`);

function generation(g: number): RecordInput[] {
  return NAMES.flatMap((name) => [
    { name, type: 'TXT', value: [`generation ${g}`] },
    { name, type: 'A', value: [`10.0.${g >> 8}.${g & 0xff}`] },
  ]);
}

/** generationsSeen reads every RRset of the data set in one synchronous pass. */
function generationsSeen(s: Store): Set<number> {
  const seen = new Set<number>();
  for (const name of NAMES) {
    for (const rrset of s.rrsetsAt(n(`${name}.`))) {
      const value = rrset.values[0] as string;
      if (rrset.type === 'TXT') seen.add(Number(value.split(' ')[1]));
      else {
        const [, , hi, lo] = value.split('.').map(Number) as [number, number, number, number];
        seen.add(hi * 256 + lo);
      }
    }
  }
  return seen;
}

test('a reader running during reloads sees old or new, never a mix', async () => {
  const s = store();
  s.hotReload(generation(0));
  let current = 0;
  let stop = false;
  const reads = { immediate: 0, timer: 0, listener: 0 };

  const check = (where: keyof typeof reads): void => {
    const seen = generationsSeen(s);
    assert.equal(seen.size, 1, `${where} reader saw a mix of generations: ${[...seen].join(', ')}`);
    assert.equal(s.size, NAMES.length * 2);
    reads[where]++;
  };
  s.onChange(() => check('listener'));
  const immediateReader = (async () => {
    while (!stop) {
      check('immediate');
      await tick();
    }
  })();
  const timerReader = (async () => {
    while (!stop) {
      check('timer');
      await sleep(0);
    }
  })();

  for (let round = 1; round <= 300; round++) {
    const next = current + 1;
    if (round % 7 === 0) {
      // a change set whose last entry fails validation: nothing of it may show
      const bad = [...generation(next)];
      bad.push({ name: NAMES[3] as string, type: 'A', value: ['300.1.1.1'] });
      assert.throws(() => s.partialReload({ updated: bad }), isRecordError('INVALID_VALUE'));
    } else if (round % 11 === 0) {
      // one whose last entry fails the store-state rules (checked after validation)
      assert.throws(
        () =>
          s.partialReload({
            updated: [...generation(next), { name: 'ghost.example.com', type: 'A', value: ['192.0.2.1'] }],
          }),
        isRecordError('RECORD_NOT_FOUND'),
      );
    } else if (round % 5 === 0) {
      s.hotReload(generation(next));
      current = next;
    } else {
      s.partialReload({ updated: generation(next) });
      current = next;
    }
    assert.deepEqual([...generationsSeen(s)], [current]);
    if (round % 3 === 0) await sleep(0);
    else await tick();
  }
  stop = true;
  await Promise.all([immediateReader, timerReader]);
  assert.ok(reads.immediate > 100, `immediate reader ran ${reads.immediate} times`);
  assert.ok(reads.timer > 20, `timer reader ran ${reads.timer} times`);
  assert.ok(reads.listener > 200, `listener ran ${reads.listener} times`);
});

// The first load of an empty store takes its own path (#fill): it must hold, index and refuse
// exactly as the general path does.
test('a first load into an empty store equals the same RRsets added one by one', () => {
  const inputs: RecordInput[] = [
    { name: 'example.com', type: 'SOA', value: [SOA] },
    { name: 'a.b.c.example.com', type: 'A', value: ['192.0.2.1'] },
    { name: 'www.example.com', type: 'AAAA', value: ['2001:db8::1'] },
    { name: 'example.com', type: 'NS', value: ['ns1.example.com.'] },
    { name: 'www.example.com', type: 'A', value: ['192.0.2.2'] },
    { name: 'x.other.org', type: 'TXT', value: ['t'] },
    { name: 'alias.example.com', type: 'CNAME', value: ['www.example.com.'] },
  ];
  const rrsets = inputs.map((i) => validateRecord(i, 300));
  const bulk = store();
  const events = recording(bulk);
  const result = bulk.apply({ added: rrsets });
  const single = store();
  for (const rrset of rrsets) single.apply({ added: [rrset] });
  assert.equal(bulk.size, 7);
  assert.equal(result.version, 1);
  assert.equal(events[0]?.kind, 'added');
  assert.equal(events.length, 1);
  assert.deepEqual(events[0]?.added, rrsets);
  assert.deepEqual(bulk.all(), single.all());
  for (const name of [
    'example.com.',
    'b.c.example.com.',
    'c.example.com.',
    'com.',
    'org.',
    '.',
    'other.org.',
  ]) {
    assert.equal(bulk.zones.hasNode(n(name)), true, name);
  }
  assert.equal(bulk.zones.hasNode(n('b.example.com.')), false);
  assert.equal(bulk.zones.closestZone(n('a.b.c.example.com.')), 'example.com.');
  assert.deepEqual(
    bulk.get(n('www.example.com.')).map((r) => r.type),
    ['A', 'AAAA'],
  );
  // Counts are exact: deleting every owner under c.example.com leaves it and b out of the tree.
  bulk.delete(n('a.b.c.example.com.'), 'A');
  assert.equal(bulk.zones.hasNode(n('c.example.com.')), false);
  assert.equal(bulk.zones.hasNode(n('example.com.')), true);
});

for (const [what, inputs, message] of [
  [
    'the same name and type twice',
    [
      { name: 'a.example.com', type: 'A', value: ['192.0.2.1'] },
      { name: 'a.example.com', type: 'A', value: ['192.0.2.2'] },
    ],
    /appears twice in one change set \(added\[0\] and added\[1\]\)/,
  ],
  [
    'a CNAME beside another type',
    [
      { name: 'a.example.com', type: 'A', value: ['192.0.2.1'] },
      { name: 'a.example.com', type: 'CNAME', value: ['b.example.com.'] },
    ],
    /added\[0\]: A record a\.example\.com\. cannot sit beside the CNAME/,
  ],
] as const) {
  test(`a first load holding ${what} is refused as the general path refuses it, and nothing is kept`, () => {
    const s = store();
    const events = recording(s);
    assert.throws(
      () => s.apply({ added: inputs.map((i) => validateRecord(i, 300)) }, { reload: true }),
      isRecordError(/CNAME/.test(what) ? 'INVALID_VALUE' : 'RELOAD_FAILED', message),
    );
    assert.equal(s.size, 0);
    assert.equal(s.get(n('a.example.com.')).length, 0);
    assert.equal(s.zones.hasNode(n('example.com.')), false);
    assert.equal(events.length, 0);
  });
}
