import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Name } from '../dns/name.ts';
import { type RRset, validateRecord } from '../store/record.ts';
import { Store } from '../store/store.ts';
import { Overlay } from './overlay.ts';

const n = (s: string) => s as Name;
const rr = (name: string, type: string, value: string[], ttl?: number): RRset =>
  validateRecord({ name, type, value, ...(ttl === undefined ? {} : { ttl }) }, 300);

function base(): Store {
  const store = new Store({ defaultTtl: 300 });
  store.hotReload([
    { name: 'a.example.', type: 'A', value: ['192.0.2.1'] },
    { name: 'a.example.', type: 'MX', value: ['10 mx.example.'] },
    { name: 'b.example.', type: 'TXT', value: ['b'] },
  ]);
  return store;
}

test('reads see the changes laid over the store, which itself does not change', () => {
  const store = base();
  const view = new Overlay(store);
  view.apply({
    added: [rr('a.example.', 'TXT', ['t']), rr('c.example.', 'A', ['192.0.2.3'])],
    updated: [rr('a.example.', 'A', ['192.0.2.9'])],
    deleted: [{ name: n('a.example.'), type: 'MX' }],
  });
  assert.deepEqual(view.getRRset(n('a.example.'), 'A')?.values, ['192.0.2.9']);
  assert.equal(view.getRRset(n('a.example.'), 'MX'), undefined);
  assert.deepEqual(
    view.rrsetsAt(n('a.example.')).map((r) => r.type),
    ['A', 'TXT'],
  );
  assert.deepEqual(
    view.rrsetsAt(n('c.example.')).map((r) => r.type),
    ['A'],
  );
  assert.equal(
    view.rrsetsAt(n('b.example.')),
    store.rrsetsAt(n('b.example.')),
    'untouched names read through',
  );
  assert.equal(view.defaultTtl, 300);
  assert.equal(store.version, 1);
  assert.deepEqual(store.get('a.example.', 'A')[0]?.values, ['192.0.2.1']);
});

test('net is the one change set from the store to the view; touched-and-restored keys drop out', () => {
  const store = base();
  const view = new Overlay(store);
  view.apply({ added: [rr('tmp.example.', 'A', ['192.0.2.7'])] });
  view.apply({ deleted: [{ name: n('tmp.example.'), type: 'A' }] });
  view.apply({ deleted: [{ name: n('b.example.'), type: 'TXT' }] });
  view.apply({ added: [rr('b.example.', 'TXT', ['b'])] }); // back as it was
  view.apply({ updated: [rr('a.example.', 'A', ['192.0.2.1'], 600)] });
  view.apply({ added: [rr('new.example.', 'TXT', ['n'])] });
  const net = view.net();
  assert.deepEqual(net, {
    added: [rr('new.example.', 'TXT', ['n'])],
    updated: [rr('a.example.', 'A', ['192.0.2.1'], 600)],
    deleted: [],
  });
  store.apply(net);
  assert.equal(store.get('a.example.', 'A')[0]?.ttl, 600);
});
