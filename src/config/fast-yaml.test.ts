import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { parseYamlFast } from './fast-yaml.ts';

test('plain configs parse to the same data as the yaml library', () => {
  const texts = [
    'dns_port: 1053\nrecords:\n  - name: "*.apps.example.com."\n    type: A\n    value: [192.0.2.1]\n',
    'records:\n- {name: a., type: TXT, value: ["2026-01-01", "yes", "0x1F", "~", "1e3"]}\n',
    'records:\n  - name: a.\n    type: TXT\n    value: |\n      multi\n      line\n',
    'ttl_like: 0o17\nhex: 0x1f\nnull_value: ~\nbool: true\nstr: yes\n',
    '',
  ];
  for (const text of texts) {
    const fast = parseYamlFast(text);
    assert.ok(fast !== undefined, text);
    assert.deepEqual(fast.value, parse(text) ?? {}, text);
  }
});

test('a date-like value stays a string (YAML 1.2 core schema, no timestamps)', () => {
  assert.deepEqual(parseYamlFast('v: 2026-11-29')?.value, { v: '2026-11-29' });
});

for (const [what, text] of [
  ['an alias', 'a: &x 1\nb: *x\n'],
  ['an anchor in a sequence', 'records:\n  - &r {name: a., type: A, value: [192.0.2.1]}\n'],
  ['a merge key with an alias', 'base: &b {ttl: 60}\nrec: {<<: *b}\n'],
  ['a duplicate key', 'a: 1\na: 2\n'],
  ['a syntax error', 'a: [1\n'],
  ['several documents', 'a: 1\n---\nb: 2\n'],
]) {
  test(`${what}: left to the yaml library`, () => assert.equal(parseYamlFast(text as string), undefined));
}
