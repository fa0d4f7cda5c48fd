import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diff, isEmptyChangeSet } from './changes.ts';
import { RecordError, type RRset, validateRecord } from './record.ts';

const rr = (name: string, type: string, ttl: number, ...value: string[]): RRset =>
  validateRecord({ name, type, ttl, value }, 300);

test('diff: added, updated (content differs) and deleted', () => {
  const current = [
    rr('a.example.com', 'A', 300, '192.0.2.1'),
    rr('b.example.com', 'A', 300, '192.0.2.2'),
    rr('c.example.com', 'A', 300, '192.0.2.3'),
    rr('d.example.com', 'TXT', 300, 'same'),
  ];
  const desired = [
    rr('a.example.com', 'A', 300, '192.0.2.1'), // unchanged
    rr('b.example.com', 'A', 300, '192.0.2.22'), // value changed
    rr('d.example.com', 'TXT', 600, 'same'), // TTL changed
    rr('e.example.com', 'A', 300, '192.0.2.5'), // new
    rr('a.example.com', 'AAAA', 300, '2001:db8::1'), // new type at an existing name
  ];
  const changes = diff(current, desired);
  assert.deepEqual(
    changes.added.map((r) => `${r.name} ${r.type}`),
    ['e.example.com. A', 'a.example.com. AAAA'],
  );
  assert.deepEqual(
    changes.updated.map((r) => `${r.name} ${r.type} ${r.ttl}`),
    ['b.example.com. A 300', 'd.example.com. TXT 600'],
  );
  assert.deepEqual(changes.deleted, [{ name: 'c.example.com.', type: 'A' }]);
  // the updated entries are the desired objects
  assert.equal(changes.updated[0], desired[1]);
});

test('diff: reordered values are no change (an RRset is a set)', () => {
  const changes = diff(
    [rr('a.example.com', 'A', 300, '192.0.2.1', '192.0.2.2')],
    [rr('a.example.com', 'A', 300, '192.0.2.2', '192.0.2.1')],
  );
  assert.ok(isEmptyChangeSet(changes));
});

test('diff: empty sides', () => {
  const x = [rr('a.example.com', 'A', 300, '192.0.2.1')];
  assert.ok(isEmptyChangeSet(diff([], [])));
  assert.equal(diff([], x).added.length, 1);
  assert.deepEqual(diff(x, []).deleted, [{ name: 'a.example.com.', type: 'A' }]);
});

test('diff: a key repeated in desired is RELOAD_FAILED naming both entries', () => {
  assert.throws(
    () =>
      diff(
        [],
        [
          rr('a.example.com', 'A', 300, '192.0.2.1'),
          rr('b.example.com', 'A', 300, '192.0.2.1'),
          rr('A.example.com.', 'a', 300, '192.0.2.9'),
        ],
      ),
    (err: unknown) =>
      err instanceof RecordError &&
      err.code === 'RELOAD_FAILED' &&
      err.list === 'records' &&
      err.index === 2 &&
      /^records\[2\]: A record a\.example\.com\. repeats records\[0\]/.test(err.message),
  );
});

test('diff accepts any iterables', () => {
  function* gen(): Generator<RRset> {
    yield rr('a.example.com', 'A', 300, '192.0.2.1');
  }
  assert.equal(diff(new Set<RRset>(), gen()).added.length, 1);
});

test('isEmptyChangeSet treats missing lists as empty', () => {
  assert.ok(isEmptyChangeSet({}));
  assert.ok(!isEmptyChangeSet({ deleted: [1] }));
});
