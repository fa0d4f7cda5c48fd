import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_RECURSION_ALLOW, parseCidr } from '../config/schema.ts';
import { createRecursionPolicy } from './recursion.ts';

test('the default allow list is loopback and the private ranges only', () => {
  const may = createRecursionPolicy(DEFAULT_RECURSION_ALLOW.map(parseCidr));
  for (const ok of [
    '127.0.0.1',
    '127.1.2.3',
    '::1',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    'fd00::1',
    'fe80::1',
  ]) {
    assert.equal(may(ok), true, ok);
  }
  for (const no of ['8.8.8.8', '172.32.0.1', '192.0.2.1', '2001:db8::1', '1.1.1.1'])
    assert.equal(may(no), false, no);
});

test('a narrow list, and IPv4 clients seen as IPv4-mapped IPv6', () => {
  const may = createRecursionPolicy(['127.0.0.1/32'].map(parseCidr));
  assert.equal(may('127.0.0.1'), true);
  assert.equal(may('::ffff:127.0.0.1'), true);
  assert.equal(may('127.0.0.2'), false);
  assert.equal(may('::ffff:127.0.0.2'), false);
  assert.equal(may('::1'), false);
});

test('an empty list allows nobody', () => {
  assert.equal(createRecursionPolicy([])('127.0.0.1'), false);
});
