// DNS-01 plans over a real Store: the values at _acme-challenge.<domain>. are a set, and nothing
// else at the name or elsewhere is touched (architecture.md §11).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Name } from '../dns/name.ts';
import { Store } from '../store/store.ts';
import { challengeName, dns01Value, fqdn, planCleanUp, planExpiry, planPresent } from './dns01.ts';
import { AcmeError } from './errors.ts';
import { type ChallengeState, EMPTY_STATE } from './state.ts';

const NAME = '_acme-challenge.example.com.' as Name;

function store(values?: string[]): Store {
  const s = new Store({ defaultTtl: 300 });
  s.create({ name: 'example.com.', type: 'A', value: ['192.0.2.1'] });
  if (values) s.create({ name: NAME, type: 'TXT', ttl: 120, value: values });
  return s;
}

test('challengeName: _acme-challenge before the domain; a wildcard shares its base name', () => {
  assert.equal(challengeName('example.com'), NAME);
  assert.equal(challengeName('*.example.com'), NAME);
  assert.equal(challengeName('Example.COM.'), NAME);
  assert.equal(challengeName(' sub.example.com '), '_acme-challenge.sub.example.com.');
  for (const bad of ['', '  ', 'a..b', 'exa mple.com', '*', 'a.*.b', 5, undefined]) {
    assert.throws(() => challengeName(bad), AcmeError, String(bad));
  }
  assert.throws(() => fqdn('a..b.'), /is not a domain name/);
});

test('dns01Value: 1–255 printable ASCII characters without spaces', () => {
  for (const good of ['123d==', 'LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0', 'x'.repeat(255), '"quoted"']) {
    assert.equal(dns01Value(good), good);
  }
  for (const bad of ['', 'a b', 'x'.repeat(256), 'tab\there', 'é', 7, null]) {
    assert.throws(
      () => dns01Value(bad),
      (e: unknown) => e instanceof AcmeError && e.code === 'INVALID_CHALLENGE',
    );
  }
});

test('planPresent creates the RRset with TTL 60, or adds to one and keeps its TTL and values', () => {
  const empty = planPresent(store(), EMPTY_STATE, NAME, 'v1', 1000);
  assert.equal(empty.created, true);
  assert.deepEqual(
    empty.changes.added?.map((r) => [r.ttl, [...r.values]]),
    [[60, ['v1']]],
  );
  assert.deepEqual(empty.state.dns01, [{ name: NAME, value: 'v1', expires: 1000 }]);

  const held = planPresent(store(['by-hand']), EMPTY_STATE, NAME, 'v1', 1000);
  assert.deepEqual(
    held.changes.updated?.map((r) => [r.ttl, [...r.values]]),
    [[120, ['by-hand', 'v1']]],
  );
  assert.equal(held.changes.added, undefined);

  const again = planPresent(store(['v1']), empty.state, NAME, 'v1', 2000);
  assert.equal(again.created, false);
  assert.deepEqual(again.changes, {});
  assert.deepEqual(again.state.dns01, [{ name: NAME, value: 'v1', expires: 2000 }], 'one entry, moved on');
});

test('planCleanUp removes only the value, the RRset with its last value, and says whether anything was there', () => {
  const state: ChallengeState = { dns01: [{ name: NAME, value: 'v1', expires: 1 }], http01: [] };
  const some = planCleanUp(store(['by-hand', 'v1']), state, NAME, 'v1');
  assert.equal(some.removed, true);
  assert.deepEqual(
    some.changes.updated?.map((r) => [...r.values]),
    [['by-hand']],
  );
  assert.deepEqual(some.state.dns01, []);

  const last = planCleanUp(store(['v1']), state, NAME, 'v1');
  assert.deepEqual(last.changes.deleted, [{ name: NAME, type: 'TXT' }]);

  const absent = planCleanUp(store(['by-hand']), EMPTY_STATE, NAME, 'v1');
  assert.equal(absent.removed, false);
  assert.deepEqual(absent.changes, {});

  const entryOnly = planCleanUp(store(), state, NAME, 'v1');
  assert.equal(entryOnly.removed, true, 'the value was removed by hand: the entry still goes');
  assert.deepEqual(entryOnly.changes, {});
  assert.deepEqual(entryOnly.state.dns01, []);
});

test('planExpiry removes what is due, several values at one name in one change', () => {
  const s = store(['a', 'b', 'c', 'by-hand']);
  s.create({ name: '_acme-challenge.other.example.com.', type: 'TXT', value: ['x'] });
  const other = '_acme-challenge.other.example.com.' as Name;
  const state: ChallengeState = {
    dns01: [
      { name: NAME, value: 'a', expires: 10 },
      { name: NAME, value: 'b', expires: 20 },
      { name: NAME, value: 'c', expires: 30 },
      { name: other, value: 'x', expires: 10 },
      { name: '_acme-challenge.gone.example.com.' as Name, value: 'y', expires: 10 },
    ],
    http01: [
      { token: 't1', keyAuthorization: 't1.k', expires: 20 },
      { token: 't2', keyAuthorization: 't2.k', expires: 21 },
    ],
  };
  const plan = planExpiry(s, state, 20);
  assert.equal(plan.expired, 5);
  assert.deepEqual(
    plan.changes.updated?.map((r) => [r.name, [...r.values]]),
    [[NAME, ['c', 'by-hand']]],
  );
  assert.deepEqual(plan.changes.deleted, [{ name: other, type: 'TXT' }]);
  assert.deepEqual(plan.changes.added, []);
  assert.deepEqual(
    plan.state.dns01.map((e) => e.value),
    ['c'],
  );
  assert.deepEqual(
    plan.state.http01.map((e) => e.token),
    ['t2'],
  );
  s.apply(plan.changes);
  assert.deepEqual(planExpiry(s, plan.state, 20).expired, 0);
});
