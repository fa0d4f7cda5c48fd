import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDuration, parseDuration } from './duration.ts';

const valid: [string, number][] = [
  ['0', 0],
  ['0s', 0],
  ['300ms', 300],
  ['5s', 5_000],
  ['1m30s', 90_000],
  ['1.5h', 5_400_000],
  ['2h45m', 9_900_000],
  ['1h2m3s4ms', 3_723_004],
  ['1.1s', 1_100], // exact, not 1100.0000000000002
  ['.5s', 500],
  ['5.s', 5_000],
  ['500us', 0.5],
  ['500µs', 0.5], // U+00B5 micro sign
  ['500μs', 0.5], // U+03BC Greek mu
  ['1500000ns', 1.5],
  ['10m10m', 1_200_000], // Go allows a unit twice
];
for (const [text, ms] of valid) {
  test(`parseDuration("${text}") is ${ms} ms`, () => assert.equal(parseDuration(text), ms));
}

const invalid: [string, RegExp][] = [
  ['', /empty/],
  ['5', /missing unit after "5"/],
  ['1h30', /missing unit after "30"/],
  ['5sec', /unknown unit "sec"/],
  ['5d', /unknown unit "d"/],
  ['5S', /expected a number followed by a unit/],
  ['5 s', /expected a number followed by a unit/],
  ['s', /expected a number followed by a unit/],
  ['.s', /expected a number followed by a unit/],
  ['soon', /expected a number followed by a unit/],
  ['-5s', /sign is not allowed/],
  ['+5s', /sign is not allowed/],
  ['1.2.3s', /expected a number followed by a unit/],
  [`${'9'.repeat(40)}h`, /too large/],
];
for (const [text, message] of invalid) {
  test(`parseDuration(${JSON.stringify(text)}) throws ${message}`, () => {
    assert.throws(
      () => parseDuration(text),
      (e: unknown) =>
        e instanceof Error &&
        e.message.startsWith(`invalid duration ${JSON.stringify(text)}: `) &&
        message.test(e.message),
    );
  });
}

test('formatDuration writes the shortest form', () => {
  assert.equal(formatDuration(0), '0s');
  assert.equal(formatDuration(300), '300ms');
  assert.equal(formatDuration(5_000), '5s');
  assert.equal(formatDuration(90_000), '1m30s');
  assert.equal(formatDuration(1_500), '1s500ms');
  assert.equal(formatDuration(3_600_000), '1h');
  assert.equal(formatDuration(0.5), '500us');
  assert.equal(formatDuration(-1_500), '-1s500ms');
  assert.throws(() => formatDuration(Number.NaN), RangeError);
});

test('formatDuration and parseDuration round-trip', () => {
  for (const ms of [1, 999, 1_000, 61_001, 3_723_004, 86_400_000, 0.001, 12.345678]) {
    assert.equal(parseDuration(formatDuration(ms)), ms);
  }
});
