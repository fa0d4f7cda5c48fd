// The Forwarder on its own, against fake upstreams on loopback.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startFakeUpstream } from '../../test/helpers/fake-upstream.ts';
import { Rcode, RRType } from '../dns/constants.ts';
import type { Name } from '../dns/name.ts';
import { silentLogger } from '../log.ts';
import { AnswerCache } from './cache.ts';
import { Forwarder, type Outcome } from './forward.ts';

const q = (name: string) => ({ name: name as Name, type: RRType.A, class: 1, cd: false, do: false });
const A = (name: string) => [{ name, type: RRType.A, ttl: 60, data: ['192.0.2.1'] }];

test('query IDs come from the randomId seam, and the upstream query has RD=1 and EDNS', async (t) => {
  const up = await startFakeUpstream(t, { kind: 'answer', records: A });
  const ids = [1111, 2222];
  const f = new Forwarder({
    servers: [{ host: '127.0.0.1', port: up.port }],
    timeoutMs: 1000,
    log: silentLogger(),
    randomId: () => ids.shift() ?? 0,
  });
  await f.resolve(q('a.example.'));
  await f.resolve(q('b.example.'));
  assert.deepEqual(
    up.received.map((m) => m.header.id),
    [1111, 2222],
  );
  assert.ok(up.received.every((m) => m.header.rd && m.edns?.udpSize === 1232));
});

test('past maxOutstanding, a new question gets SERVFAIL at once', async (t) => {
  const slow = await startFakeUpstream(t, { kind: 'answer', records: A, delayMs: 300 });
  const f = new Forwarder({
    servers: [{ host: '127.0.0.1', port: slow.port }],
    timeoutMs: 2000,
    log: silentLogger(),
    maxOutstanding: 1,
  });
  const first = f.resolve(q('slow.example.'));
  const second = await f.resolve(q('other.example.'));
  assert.equal(second.rcode, Rcode.SERVFAIL);
  assert.equal((await first).rcode, Rcode.NOERROR);
  assert.equal(slow.counts.udp, 1);
});

test('the observer sees each exchange and cache hits', async (t) => {
  const silent = await startFakeUpstream(t, { kind: 'silent' });
  const up = await startFakeUpstream(t, { kind: 'answer', records: A });
  const seen: [string, Outcome][] = [];
  const hits: boolean[] = [];
  const f = new Forwarder({
    servers: [
      { host: '127.0.0.1', port: silent.port },
      { host: '127.0.0.1', port: up.port },
    ],
    timeoutMs: 200,
    log: silentLogger(),
    cache: new AnswerCache(100),
    observer: { exchange: (server, outcome) => seen.push([server, outcome]), cache: (hit) => hits.push(hit) },
  });
  await f.resolve(q('c.example.'));
  await f.resolve(q('c.example.'));
  assert.deepEqual(seen, [
    [`127.0.0.1:${silent.port}`, 'timeout'],
    [`127.0.0.1:${up.port}`, 'answer'],
  ]);
  assert.deepEqual(hits, [false, true]);
});
