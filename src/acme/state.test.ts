// The challenge state in the source document: read from a text cheaply (the block cut out) or
// whole, written back touching nothing else, and removed when empty.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDocument } from 'yaml';
import type { Name } from '../dns/name.ts';
import { EMPTY_STATE, readState, STATE_KEY, stateFromText, writeState } from './state.ts';

const EXPIRES = '2026-11-29T11:00:00.000Z';
const BLOCK = `acme_challenges:
  # a comment inside
  dns01:
    - name: _acme-challenge.Example.com
      value: v1
      expires: "${EXPIRES}"

  http01:
    - token: tok
      key_authorization: tok.thumb
      expires: ${EXPIRES}
`;
const STATE = {
  dns01: [{ name: '_acme-challenge.example.com.' as Name, value: 'v1', expires: Date.parse(EXPIRES) }],
  http01: [{ token: 'tok', keyAuthorization: 'tok.thumb', expires: Date.parse(EXPIRES) }],
};

test('stateFromText reads the block wherever it is, and the same as a whole parse', () => {
  const records = 'records:\n  - name: a.example.com.\n    type: A\n    value: [192.0.2.1]\n';
  for (const text of [
    `${BLOCK}${records}`,
    `${records}${BLOCK}`,
    `dns_port: 53\n${BLOCK}# end\nlog_level: info\n`,
  ]) {
    assert.deepEqual(stateFromText(text), STATE, text);
    assert.deepEqual(readState(parseDocument(text)), STATE, text);
  }
});

test('stateFromText: no key, an empty key, flow style and aliases', () => {
  assert.deepEqual(stateFromText('records: []\n'), EMPTY_STATE);
  assert.deepEqual(stateFromText('acme_challenges:\nrecords: []\n'), EMPTY_STATE);
  assert.deepEqual(
    stateFromText(`{${STATE_KEY}: {http01: [{token: t, key_authorization: t.k, expires: "${EXPIRES}"}]}}`),
    {
      dns01: [],
      http01: [{ token: 't', keyAuthorization: 't.k', expires: Date.parse(EXPIRES) }],
    },
  );
  // An alias to an anchor outside the block: the whole text decides.
  const aliased = `when: &when "${EXPIRES}"\nacme_challenges:\n  http01:\n    - token: t\n      key_authorization: t.k\n      expires: *when\n`;
  assert.deepEqual(stateFromText(aliased).http01[0]?.expires, Date.parse(EXPIRES));
});

test('entries that do not read are reported and skipped', () => {
  const problems: string[] = [];
  const state = stateFromText(
    `acme_challenges:\n  dns01:\n    - {name: "a..b", value: v, expires: "${EXPIRES}"}\n    - {name: ok.example., value: v, expires: soon}\n  http01:\n    - {token: t, key_authorization: t.k, expires: never}\n`,
    (p) => problems.push(p),
  );
  assert.deepEqual(state, EMPTY_STATE);
  assert.equal(problems.length, 3);
  assert.match(problems[0] as string, /^acme_challenges\.dns01\[0\]: invalid name/);
  assert.match(problems[1] as string, /^acme_challenges\.dns01\[1\]: expires "soon" is not a time/);
  assert.match(problems[2] as string, /^acme_challenges\.http01\[0\]: expires "never" is not a time/);
});

test('writeState replaces the key in place, keeps the rest, and removes the key when empty', () => {
  const text = `# top comment\ndns_port: 53\n${BLOCK}records: [] # kept\n`;
  const doc = parseDocument(text);
  const next = {
    dns01: [],
    http01: [{ token: 't2', keyAuthorization: 't2.k', expires: Date.parse(EXPIRES) }],
  };
  writeState(doc, next);
  const written = doc.toString();
  assert.match(written, /^# top comment\ndns_port: 53\n# Written by jw238dns/);
  assert.match(written, /records: \[\] # kept\n$/);
  assert.deepEqual(stateFromText(written), next);
  assert.doesNotMatch(written, /dns01/, 'an empty list is left out');

  writeState(doc, EMPTY_STATE);
  assert.equal(doc.toString(), '# top comment\ndns_port: 53\nrecords: [] # kept\n');

  const fresh = parseDocument('records: []\n');
  writeState(fresh, STATE);
  assert.deepEqual(stateFromText(fresh.toString()), STATE);
  assert.deepEqual(readState(fresh), STATE);
});
