// checkChanges must say exactly what Store.apply would say, before anything is applied: every
// case runs through both and the verdicts (ok, or the error code) must agree.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Name } from '../dns/name.ts';
import { RecordError, type RRset, validateRecord } from '../store/record.ts';
import { type Changes, Store } from '../store/store.ts';
import { checkChanges } from './check.ts';

const rr = (name: string, type: string, value: string[]): RRset => validateRecord({ name, type, value }, 300);
const key = (name: string, type: string) => ({
  name: name as Name,
  type: rr(name, type, valueFor(type)).type,
});
function valueFor(type: string): string[] {
  return type === 'CNAME' ? ['target.example.'] : type === 'TXT' ? ['t'] : ['192.0.2.1'];
}

function seeded(): Store {
  const store = new Store({ defaultTtl: 300 });
  store.hotReload([
    { name: 'a.example.', type: 'A', value: ['192.0.2.1'] },
    { name: 'a.example.', type: 'TXT', value: ['t'] },
    { name: 'alias.example.', type: 'CNAME', value: ['a.example.'] },
  ]);
  return store;
}

function verdict(run: () => unknown): string {
  try {
    run();
    return 'ok';
  } catch (error) {
    if (error instanceof RecordError) return error.code;
    throw error;
  }
}

const cases: [string, Changes][] = [
  ['add a new name', { added: [rr('b.example.', 'A', ['192.0.2.2'])] }],
  ['add an existing RRset', { added: [rr('a.example.', 'A', ['192.0.2.2'])] }],
  ['update an existing RRset', { updated: [rr('a.example.', 'A', ['192.0.2.9'])] }],
  ['update a missing RRset', { updated: [rr('b.example.', 'A', ['192.0.2.9'])] }],
  ['delete an existing RRset', { deleted: [key('a.example.', 'TXT')] }],
  ['delete a missing RRset', { deleted: [key('b.example.', 'A')] }],
  [
    'the same key twice',
    { added: [rr('b.example.', 'A', ['192.0.2.2'])], deleted: [key('b.example.', 'A')] },
  ],
  [
    'updated and deleted together',
    { updated: [rr('a.example.', 'A', ['192.0.2.9'])], deleted: [key('a.example.', 'A')] },
  ],
  ['a CNAME beside other types', { added: [rr('a.example.', 'CNAME', ['x.example.'])] }],
  ['another type beside a CNAME', { added: [rr('alias.example.', 'TXT', ['t'])] }],
  [
    'a CNAME once the other types are deleted in the same set',
    {
      deleted: [key('a.example.', 'A'), key('a.example.', 'TXT')],
      added: [rr('a.example.', 'CNAME', ['x.example.'])],
    },
  ],
  [
    'a CNAME and an A added together at a new name',
    { added: [rr('c.example.', 'CNAME', ['x.example.']), rr('c.example.', 'A', ['192.0.2.3'])] },
  ],
  ['nothing', {}],
];

for (const [what, changes] of cases) {
  test(`checkChanges agrees with Store.apply: ${what}`, () => {
    const store = seeded();
    const before = store.version;
    const predicted = verdict(() => checkChanges(store, changes));
    assert.equal(store.version, before, 'checkChanges changed the store');
    assert.equal(
      verdict(() => store.apply(changes)),
      predicted,
    );
  });
}

test('the verdicts cover every rule', () => {
  const seen = new Set(cases.map(([, c]) => verdict(() => checkChanges(seeded(), c))));
  assert.deepEqual([...seen].sort(), [
    'INVALID_VALUE',
    'RECORD_EXISTS',
    'RECORD_NOT_FOUND',
    'RELOAD_FAILED',
    'ok',
  ]);
});
