import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rcode, RRType } from './dns/constants.ts';
import { encodeQuery } from './dns/message.ts';
import { silentLogger } from './log.ts';
import {
  createMetrics,
  instrumentHandler,
  QTYPE_LABELS,
  QUERY_BUCKETS,
  queryType,
  RCODE_LABELS,
  responseRcode,
} from './metrics.ts';
import { rcodeOnly } from './resolve/answer.ts';
import { createHandler } from './server/handle.ts';

function metrics(state = { rrsets: 7, ok: true }) {
  return createMetrics({ rrsets: () => state.rrsets, sourceOk: () => state.ok }, { processMetrics: false });
}

function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('queries are counted by transport, qtype and rcode', async () => {
  const m = metrics();
  m.observeQuery('udp', RRType.A, Rcode.NOERROR, 0.05 / 1000);
  m.observeQuery('udp', RRType.A, Rcode.NOERROR, 0.05 / 1000);
  m.observeQuery('tcp', RRType.AAAA, Rcode.NXDOMAIN, 0.05 / 1000);
  m.observeQuery('udp', RRType.HINFO, Rcode.NOERROR, 0.05 / 1000); // not in the label set: OTHER
  m.observeQuery('udp', 4242, Rcode.REFUSED, 0.05 / 1000);
  m.observeQuery('udp', RRType.A, Rcode.BADVERS, 0.05 / 1000);
  m.observeQuery('udp', RRType.A, 23, 0.05 / 1000); // BADCOOKIE: not in the label set
  const text = await m.text();
  const q = (labels: string) => value(text, `jw238dns_server_queries_total{${labels}}`);
  assert.equal(q('transport="udp",qtype="A",rcode="NOERROR"'), 2);
  assert.equal(q('transport="tcp",qtype="AAAA",rcode="NXDOMAIN"'), 1);
  assert.equal(q('transport="udp",qtype="OTHER",rcode="NOERROR"'), 1);
  assert.equal(q('transport="udp",qtype="OTHER",rcode="REFUSED"'), 1);
  assert.equal(q('transport="udp",qtype="A",rcode="BADVERS"'), 1);
  assert.equal(q('transport="udp",qtype="A",rcode="OTHER"'), 1);
  assert.match(text, /# TYPE jw238dns_server_queries_total counter/);
});

test('the label sets are bounded whatever the queries are', async () => {
  const m = metrics();
  for (let qtype = 0; qtype < 0x10000; qtype += 7) m.observeQuery('udp', qtype, qtype & 0xfff, 0.1 / 1000);
  const text = await m.text();
  const series = text.split('\n').filter((l) => l.startsWith('jw238dns_server_queries_total{'));
  assert.ok(series.length <= 2 * QTYPE_LABELS.length * RCODE_LABELS.length);
  for (const line of series) {
    const qtype = /qtype="([^"]+)"/.exec(line)![1]!;
    const rcode = /rcode="([^"]+)"/.exec(line)![1]!;
    assert.ok((QTYPE_LABELS as readonly string[]).includes(qtype), qtype);
    assert.ok((RCODE_LABELS as readonly string[]).includes(rcode), rcode);
  }
});

test('query latency is a cumulative histogram in seconds, per transport', async () => {
  const m = metrics();
  for (const ms of [0.05, 0.2, 0.2, 3, 7000]) m.observeQuery('udp', RRType.A, 0, ms / 1000);
  m.observeQuery('tcp', RRType.A, 0, 1 / 1000);
  const text = await m.text();
  const bucket = (transport: string, le: string) =>
    value(text, `jw238dns_server_query_duration_seconds_bucket{transport="${transport}",le="${le}"}`);
  assert.equal(bucket('udp', '0.0001'), 1);
  assert.equal(bucket('udp', '0.00025'), 3);
  assert.equal(bucket('udp', '0.0025'), 3);
  assert.equal(bucket('udp', '0.005'), 4);
  assert.equal(bucket('udp', String(QUERY_BUCKETS.at(-1))), 4);
  assert.equal(bucket('udp', '+Inf'), 5);
  assert.equal(bucket('tcp', '0.001'), 1);
  assert.equal(value(text, 'jw238dns_server_query_duration_seconds_count{transport="udp"}'), 5);
  assert.ok(
    Math.abs(value(text, 'jw238dns_server_query_duration_seconds_sum{transport="udp"}')! - 7.00345) < 1e-9,
  );
  assert.match(text, /# TYPE jw238dns_server_query_duration_seconds histogram/);
});

test('store size and source health are read when scraped', async () => {
  const state = { rrsets: 7, ok: true };
  const m = metrics(state);
  assert.equal(value(await m.text(), 'jw238dns_store_rrsets'), 7);
  assert.equal(value(await m.text(), 'jw238dns_sources_source_ok'), 1);
  state.rrsets = 9;
  state.ok = false;
  assert.equal(value(await m.text(), 'jw238dns_store_rrsets'), 9);
  assert.equal(value(await m.text(), 'jw238dns_sources_source_ok'), 0);
});

test('reloads, their failures and durations, persist failures and API requests are counted', async () => {
  const m = metrics();
  assert.equal(
    value(await m.text(), 'jw238dns_sources_persist_failures_total'),
    0,
    'present before the first',
  );
  m.observeReload('watch', true, 2);
  m.observeReload('watch', false, 1);
  m.observeReload('signal', true, 3);
  m.observePersistFailure();
  m.observeApiRequest('POST', '/api/v1/records', 201, 0.002);
  const text = await m.text();
  assert.equal(value(text, 'jw238dns_sources_reloads_total{trigger="watch"}'), 2);
  assert.equal(value(text, 'jw238dns_sources_reloads_total{trigger="signal"}'), 1);
  assert.equal(value(text, 'jw238dns_sources_reload_failures_total{trigger="watch"}'), 1);
  assert.equal(value(text, 'jw238dns_sources_reload_duration_seconds_count'), 3);
  assert.equal(value(text, 'jw238dns_sources_persist_failures_total'), 1);
  assert.equal(
    value(text, 'jw238dns_api_requests_total{method="POST",route="/api/v1/records",status="201"}'),
    1,
  );
  assert.equal(value(text, 'jw238dns_api_request_duration_seconds_count{route="/api/v1/records"}'), 1);
});

test('each app has its own registry; process metrics are there unless turned off', async () => {
  const a = createMetrics({ rrsets: () => 0, sourceOk: () => true });
  const b = metrics();
  a.observeQuery('udp', RRType.A, 0, 0.1 / 1000);
  assert.equal(
    value(await b.text(), 'jw238dns_server_queries_total{transport="udp",qtype="A",rcode="NOERROR"}'),
    undefined,
  );
  assert.match(await a.text(), /^process_cpu_user_seconds_total /m);
  assert.doesNotMatch(await b.text(), /process_cpu/);
});

// The real handler (server/handle.ts) answering with a fixed rcode: what instrumentHandler reads
// must be what the server sent.
const client = { address: '127.0.0.1', port: 5353, transport: 'udp' as const };
const answering = (rcode: number, later = false) =>
  createHandler({
    resolve: () => (later ? Promise.resolve(rcodeOnly(rcode)) : rcodeOnly(rcode)),
    log: silentLogger(),
  });

test('queryType reads the qtype after the name, without decoding it', () => {
  assert.equal(queryType(encodeQuery({ id: 1, name: 'www.example.com.', type: RRType.AAAA })), RRType.AAAA);
  assert.equal(
    queryType(encodeQuery({ id: 1, name: '.', type: RRType.NS, edns: { udpSize: 1232 } })),
    RRType.NS,
  );
  // A compression pointer in the question ends the name in two octets.
  const header = [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0];
  assert.equal(queryType(Uint8Array.from([...header, 0xc0, 0x0c, 0, 15, 0, 1])), RRType.MX);
  assert.equal(queryType(Uint8Array.from(header)), -1);
  assert.equal(queryType(Uint8Array.from([...header, 3, 97, 98])), -1);
  assert.equal(queryType(Uint8Array.from([1, 2, 3])), -1);
});

test('responseRcode reads the header, and the OPT record for an extended rcode', async () => {
  for (const rcode of [Rcode.NOERROR, Rcode.NXDOMAIN, Rcode.REFUSED, Rcode.SERVFAIL]) {
    const plain = (await answering(rcode)(
      encodeQuery({ id: 1, name: 'a.example.', type: 1 }),
      client,
    )) as Uint8Array;
    assert.equal(responseRcode(plain), rcode);
    const edns = encodeQuery({ id: 1, name: 'a.example.', type: 1, edns: { udpSize: 1232 } });
    assert.equal(responseRcode((await answering(rcode)(edns, client)) as Uint8Array), rcode);
  }
  // EDNS version 1 (the OPT TTL's second octet) → BADVERS = 16: 0 in the header, 1 in the OPT.
  const v1 = encodeQuery({ id: 1, name: 'a.example.', type: 1, edns: { udpSize: 1232 } });
  v1[v1.length - 5] = 1;
  const badvers = (await answering(0)(v1, client)) as Uint8Array;
  assert.equal(badvers[3]! & 0x0f, 0);
  assert.equal(responseRcode(badvers), Rcode.BADVERS);
});

test('instrumentHandler counts every answered query, synchronous or not, and no dropped one', async () => {
  const m = metrics();
  const now = instrumentHandler(answering(Rcode.NXDOMAIN), m);
  const later = instrumentHandler(answering(Rcode.NOERROR, true), m);
  await now(encodeQuery({ id: 1, name: 'a.example.', type: RRType.TXT }), client);
  await now(encodeQuery({ id: 2, name: 'a.example.', type: RRType.TXT }), { ...client, transport: 'tcp' });
  await later(encodeQuery({ id: 3, name: 'a.example.', type: RRType.SRV }), client);
  const response = Uint8Array.from([0, 1, 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1]); // QR=1: dropped
  assert.equal(await now(response, client), undefined);
  const garbage = Uint8Array.from([0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 200]); // FORMERR, qtype unreadable
  await now(garbage, client);
  const text = await m.text();
  const q = (labels: string) => value(text, `jw238dns_server_queries_total{${labels}}`);
  assert.equal(q('transport="udp",qtype="TXT",rcode="NXDOMAIN"'), 1);
  assert.equal(q('transport="tcp",qtype="TXT",rcode="NXDOMAIN"'), 1);
  assert.equal(q('transport="udp",qtype="SRV",rcode="NOERROR"'), 1);
  assert.equal(q('transport="udp",qtype="OTHER",rcode="FORMERR"'), 1);
  assert.equal(value(text, 'jw238dns_server_query_duration_seconds_count{transport="udp"}'), 3);
  assert.equal(value(text, 'jw238dns_server_query_duration_seconds_count{transport="tcp"}'), 1);
});

// What a DNS worker sends the main process (src/workers.ts) crosses the IPC channel as JSON.
const overIpc = <T>(delta: T): T => JSON.parse(JSON.stringify(delta)) as T;

test('take hands over what was counted since the last take; add sums it into the main process', async () => {
  const main = metrics();
  const one = metrics();
  const two = metrics();
  main.observeApiRequest('GET', '/metrics', 200, 0.001);
  for (let i = 0; i < 3; i++) one.observeQuery('udp', RRType.A, Rcode.NOERROR, 0.0002);
  one.forward.exchange?.('127.0.0.1:5300', 'answer', 2);
  one.forward.cache?.(false);
  one.forward.cache?.(true);
  two.observeQuery('tcp', RRType.AAAA, Rcode.SERVFAIL, 0.4);
  two.forward.exchange?.('127.0.0.1:5300', 'timeout', 400);
  two.forward.exchange?.('127.0.0.1:5301', 'answer', 7);
  two.forward.cache?.(false);
  two.forward.failed?.();
  main.add(overIpc(one.take()!));
  main.add(overIpc(two.take()!));

  let text = await main.text();
  const v = (series: string) => value(text, series);
  assert.equal(v('jw238dns_server_queries_total{transport="udp",qtype="A",rcode="NOERROR"}'), 3);
  assert.equal(v('jw238dns_server_queries_total{transport="tcp",qtype="AAAA",rcode="SERVFAIL"}'), 1);
  assert.equal(v('jw238dns_server_query_duration_seconds_bucket{transport="udp",le="0.00025"}'), 3);
  assert.equal(v('jw238dns_server_query_duration_seconds_bucket{transport="tcp",le="0.25"}'), 0);
  assert.equal(v('jw238dns_server_query_duration_seconds_bucket{transport="tcp",le="0.5"}'), 1);
  assert.equal(v('jw238dns_server_query_duration_seconds_count{transport="tcp"}'), 1);
  assert.ok(Math.abs(v('jw238dns_server_query_duration_seconds_sum{transport="udp"}')! - 0.0006) < 1e-12);
  const exchanges = (server: string, outcome: string) =>
    v(`jw238dns_resolve_upstream_exchanges_total{server="${server}",outcome="${outcome}"}`);
  assert.equal(exchanges('127.0.0.1:5300', 'answer'), 1);
  assert.equal(exchanges('127.0.0.1:5300', 'timeout'), 1);
  assert.equal(exchanges('127.0.0.1:5301', 'answer'), 1);
  assert.equal(v('jw238dns_resolve_upstream_duration_seconds_count{server="127.0.0.1:5300"}'), 2);
  assert.equal(v('jw238dns_resolve_upstream_duration_seconds_bucket{server="127.0.0.1:5300",le="0.005"}'), 1);
  assert.equal(v('jw238dns_resolve_upstream_duration_seconds_bucket{server="127.0.0.1:5300",le="0.5"}'), 2);
  assert.ok(
    Math.abs(v('jw238dns_resolve_upstream_duration_seconds_sum{server="127.0.0.1:5300"}')! - 0.402) < 1e-12,
  );
  assert.equal(v('jw238dns_resolve_cache_lookups_total{result="miss"}'), 2);
  assert.equal(v('jw238dns_resolve_cache_lookups_total{result="hit"}'), 1);
  assert.equal(v('jw238dns_resolve_upstream_failures_total'), 1);
  assert.equal(
    v('jw238dns_api_requests_total{method="GET",route="/metrics",status="200"}'),
    1,
    'its own kept',
  );

  // A take zeroes what it took: the next one carries only what came after, never a count twice.
  assert.equal(one.take(), undefined, 'nothing since the last take');
  one.forward.cache?.(true);
  const next = one.take()!;
  assert.deepEqual(next, {
    counters: { jw238dns_resolve_cache_lookups_total: [[['hit'], 1]] },
    histograms: {},
  });
  main.add(overIpc(next));
  text = await main.text();
  assert.equal(v('jw238dns_resolve_cache_lookups_total{result="hit"}'), 2);
  assert.equal(v('jw238dns_resolve_cache_lookups_total{result="miss"}'), 2);
  assert.equal(v('jw238dns_server_queries_total{transport="udp",qtype="A",rcode="NOERROR"}'), 3);
});

test('what a take carries is bounded by the label sets, not by the number of queries', () => {
  const series = (n: number) => {
    const m = metrics();
    for (let i = 0; i < n; i++) {
      m.observeQuery(i % 3 === 0 ? 'tcp' : 'udp', i % 300, i % 24, (i % 5000) / 1000);
      m.forward.exchange?.(`127.0.0.1:${5300 + (i % 2)}`, i % 7 === 0 ? 'timeout' : 'answer', i % 3000);
      m.forward.cache?.(i % 2 === 0);
    }
    const delta = m.take()!;
    return [...Object.values(delta.counters), ...Object.values(delta.histograms)].map((s) => s.length);
  };
  assert.deepEqual(series(200_000), series(20_000));
});

test('add leaves out what it cannot place rather than misfile it', async () => {
  const m = metrics();
  const before = await m.text();
  m.add({
    counters: {
      jw238dns_no_such_total: [[['x'], 5]],
      jw238dns_server_queries_total: [
        [['udp', 'NOTATYPE', 'NOERROR'], 5],
        [['udp', 'A'], 5],
      ],
      jw238dns_resolve_cache_lookups_total: [[['hit', 'extra'], 5]],
    },
    histograms: {
      jw238dns_resolve_upstream_duration_seconds: [[['127.0.0.1:53'], [1, 2, 3], 1]],
    },
  });
  assert.equal(await m.text(), before);
});
