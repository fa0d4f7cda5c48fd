import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Name } from '../dns/name.ts';
import { Store } from './store.ts';
import { ZoneIndex } from './zones.ts';

const n = (s: string): Name => s as Name;
const soa = (ns: string): string => `${ns} hostmaster.example.com. 1 7200 3600 1209600 300`;

function store(): Store {
  return new Store({ defaultTtl: 300 });
}

// A zone index over a set of owner names, as the store keeps them.
function index(): { z: ZoneIndex; add: (name: string) => void; remove: (name: string) => void } {
  const owners = new Set<Name>();
  const z = new ZoneIndex((name) => owners.has(name));
  return {
    z,
    add: (name) => {
      owners.add(n(name));
      z.ownerAdded(n(name));
    },
    remove: (name) => {
      owners.delete(n(name));
      z.ownerRemoved(n(name));
    },
  };
}

test('ZoneIndex: node refcounts follow owners added and removed', () => {
  const { z, add, remove } = index();
  add('a.b.example.com.');
  add('c.b.example.com.');
  for (const name of [
    'a.b.example.com.',
    'c.b.example.com.',
    'b.example.com.',
    'example.com.',
    'com.',
    '.',
  ]) {
    assert.ok(z.hasNode(n(name)), name);
  }
  assert.ok(!z.hasNode(n('x.example.com.')));
  remove('a.b.example.com.');
  assert.ok(!z.hasNode(n('a.b.example.com.')));
  assert.ok(z.hasNode(n('b.example.com.')), 'still above c.b.example.com.');
  remove('c.b.example.com.');
  for (const name of ['b.example.com.', 'example.com.', 'com.', '.']) assert.ok(!z.hasNode(n(name)), name);
});

test('ZoneIndex: closestZone is the deepest apex at or above the name', () => {
  const { z } = index();
  assert.equal(z.closestZone(n('www.example.com.')), undefined);
  z.apexAdded(n('example.com.'));
  z.apexAdded(n('sub.example.com.'));
  assert.equal(z.closestZone(n('example.com.')), 'example.com.');
  assert.equal(z.closestZone(n('www.example.com.')), 'example.com.');
  assert.equal(z.closestZone(n('sub.example.com.')), 'sub.example.com.');
  assert.equal(z.closestZone(n('a.b.sub.example.com.')), 'sub.example.com.');
  assert.equal(z.closestZone(n('xsub.example.com.')), 'example.com.');
  assert.equal(z.closestZone(n('example.org.')), undefined);
  assert.equal(z.closestZone(n('com.')), undefined);
  assert.deepEqual(z.apexes(), ['example.com.', 'sub.example.com.']);
  assert.equal(z.size, 2);
  z.apexRemoved(n('sub.example.com.'));
  assert.equal(z.closestZone(n('a.b.sub.example.com.')), 'example.com.');
});

test('ZoneIndex: a root zone contains everything', () => {
  const { z } = index();
  z.apexAdded(n('.'));
  assert.equal(z.closestZone(n('anything.example.')), '.');
  assert.equal(z.closestZone(n('.')), '.');
});

test('store: the zone index follows SOA create, update, delete and reloads', () => {
  const s = store();
  s.create({ name: 'example.com', type: 'SOA', value: [soa('ns1.example.com.')] });
  s.create({ name: 'sub.example.com', type: 'SOA', value: [soa('ns1.sub.example.com.')] });
  s.create({ name: 'www.sub.example.com', type: 'A', value: ['192.0.2.1'] });
  assert.equal(s.zones.closestZone(n('www.sub.example.com.')), 'sub.example.com.');
  assert.equal(s.zones.closestZone(n('www.example.com.')), 'example.com.');
  assert.ok(s.zones.isApex(n('sub.example.com.')));

  // updating the SOA keeps the apex
  s.update({ name: 'sub.example.com', type: 'SOA', value: [soa('ns2.sub.example.com.')] });
  assert.equal(s.zones.closestZone(n('www.sub.example.com.')), 'sub.example.com.');

  // deleting the child SOA: its names fall back to the parent zone
  s.delete('sub.example.com', 'SOA');
  assert.ok(!s.zones.isApex(n('sub.example.com.')));
  assert.equal(s.zones.closestZone(n('www.sub.example.com.')), 'example.com.');

  // a partial reload brings it back, a hot reload without SOAs removes every zone
  s.partialReload({
    added: [{ name: 'sub.example.com', type: 'SOA', value: [soa('ns1.sub.example.com.')] }],
  });
  assert.equal(s.zones.closestZone(n('www.sub.example.com.')), 'sub.example.com.');
  s.hotReload([{ name: 'www.sub.example.com', type: 'A', value: ['192.0.2.1'] }]);
  assert.equal(s.zones.closestZone(n('www.sub.example.com.')), undefined);
  assert.equal(s.zones.size, 0);

  // delete of every type at a name removes the apex too
  s.create({ name: 'example.org', type: 'SOA', value: [soa('ns1.example.org.')] });
  s.create({ name: 'example.org', type: 'NS', value: ['ns1.example.org.'] });
  assert.equal(s.zones.closestZone(n('x.example.org.')), 'example.org.');
  s.delete('example.org');
  assert.equal(s.zones.closestZone(n('x.example.org.')), undefined);
});

test('store: empty non-terminals are nodes until their last descendant goes', () => {
  const s = store();
  s.create({ name: 'example.com', type: 'SOA', value: [soa('ns1.example.com.')] });
  s.create({ name: 'a.b.c.example.com', type: 'A', value: ['192.0.2.1'] });
  for (const name of ['a.b.c.example.com.', 'b.c.example.com.', 'c.example.com.', 'example.com.']) {
    assert.ok(s.zones.hasNode(n(name)), name);
  }
  // b.c.example.com. is an empty non-terminal: a node without RRsets
  assert.deepEqual(s.rrsetsAt(n('b.c.example.com.')), []);
  assert.ok(!s.zones.hasNode(n('x.c.example.com.')));

  s.create({ name: 'a.b.c.example.com', type: 'TXT', value: ['two types, one owner'] });
  s.create({ name: 'd.c.example.com', type: 'A', value: ['192.0.2.4'] });
  s.delete('a.b.c.example.com', 'A');
  assert.ok(s.zones.hasNode(n('b.c.example.com.')), 'the TXT still owns a.b.c');
  s.delete('a.b.c.example.com', 'TXT');
  assert.ok(!s.zones.hasNode(n('a.b.c.example.com.')));
  assert.ok(!s.zones.hasNode(n('b.c.example.com.')));
  assert.ok(s.zones.hasNode(n('c.example.com.')), 'd.c.example.com. is below it');
  s.delete('d.c.example.com');
  assert.ok(!s.zones.hasNode(n('c.example.com.')));
  assert.ok(s.zones.hasNode(n('example.com.')), 'the apex owns its SOA');
});

test('store: the node index stays right through a CNAME swap and hot reloads', () => {
  const s = store();
  s.create({ name: 'x.y.example.com', type: 'A', value: ['192.0.2.1'] });
  // delete A, add CNAME at the same name in one change set: the owner goes -1 then +1
  s.partialReload({
    deleted: [{ name: 'x.y.example.com', type: 'A' }],
    added: [{ name: 'x.y.example.com', type: 'CNAME', value: ['target.example.com.'] }],
  });
  assert.ok(s.zones.hasNode(n('y.example.com.')));
  s.hotReload([{ name: 'p.q.example.com', type: 'A', value: ['192.0.2.1'] }]);
  assert.ok(!s.zones.hasNode(n('y.example.com.')));
  assert.ok(s.zones.hasNode(n('q.example.com.')));
  s.hotReload([]);
  assert.ok(!s.zones.hasNode(n('.')));
});
