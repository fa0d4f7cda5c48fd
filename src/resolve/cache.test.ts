import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rcode, RRType } from '../dns/constants.ts';
import type { RRsetOut } from '../dns/message.ts';
import type { Answer } from './answer.ts';
import { AnswerCache, cacheTtl, MAX_CACHE_TTL } from './cache.ts';

const a = (ttl: number): RRsetOut => ({ name: 'x.example.', type: RRType.A, ttl, data: ['192.0.2.1'] });
const soa = (ttl: number, minimum: number): RRsetOut => ({
  name: 'example.',
  type: RRType.SOA,
  ttl,
  data: [`ns.example. h.example. 1 2 3 4 ${minimum}`],
});
const answer = (rcode: number, ans: RRsetOut[], authority: RRsetOut[] = []): Answer => ({
  rcode,
  aa: false,
  answer: ans,
  authority,
  additional: [],
});

test('cacheTtl: least TTL of the answer; RFC 2308 negative TTL; SERVFAIL and SOA-less negatives are not cached', () => {
  assert.equal(cacheTtl(answer(Rcode.NOERROR, [a(300), a(60)])), 60);
  assert.equal(cacheTtl(answer(Rcode.NXDOMAIN, [], [soa(600, 30)])), 30);
  assert.equal(cacheTtl(answer(Rcode.NOERROR, [], [soa(20, 300)])), 20);
  assert.equal(cacheTtl(answer(Rcode.NXDOMAIN, [])), undefined);
  assert.equal(cacheTtl(answer(Rcode.SERVFAIL, [])), undefined);
  assert.equal(cacheTtl(answer(Rcode.REFUSED, [])), undefined);
});

test('answers come back with TTLs decremented, and expire', () => {
  let now = 1_000_000;
  const cache = new AnswerCache(10, () => now);
  assert.ok(cache.set('k', answer(Rcode.NOERROR, [a(100)])));
  assert.equal(cache.get('k')?.answer[0]?.ttl, 100);
  now += 30_500;
  assert.equal(cache.get('k')?.answer[0]?.ttl, 70);
  now += 69_500;
  assert.equal(cache.get('k'), undefined, 'expired at the TTL');
  assert.equal(cache.size, 0);
});

test('a cached negative answer counts its SOA down from the negative TTL', () => {
  let now = 0;
  const cache = new AnswerCache(10, () => now);
  cache.set('nx', answer(Rcode.NXDOMAIN, [], [soa(600, 60)]));
  now += 10_000;
  assert.equal(cache.get('nx')?.authority[0]?.ttl, 50);
});

test('the cache is bounded, least recently used out first', () => {
  const cache = new AnswerCache(2, () => 0);
  cache.set('a', answer(Rcode.NOERROR, [a(60)]));
  cache.set('b', answer(Rcode.NOERROR, [a(60)]));
  cache.get('a');
  cache.set('c', answer(Rcode.NOERROR, [a(60)]));
  assert.equal(cache.size, 2);
  assert.ok(cache.get('a') !== undefined);
  assert.equal(cache.get('b'), undefined);
  assert.ok(cache.get('c') !== undefined);
});

test('TTL 0 is not cached; huge TTLs are capped', () => {
  let now = 0;
  const cache = new AnswerCache(10, () => now);
  assert.equal(cache.set('zero', answer(Rcode.NOERROR, [a(0)])), false);
  cache.set('big', answer(Rcode.NOERROR, [a(10 * MAX_CACHE_TTL)]));
  now += MAX_CACHE_TTL * 1000;
  assert.equal(cache.get('big'), undefined);
});

test('a cache of size 0 caches nothing', () => {
  const cache = new AnswerCache(0);
  assert.equal(cache.set('a', answer(Rcode.NOERROR, [a(60)])), false);
});
