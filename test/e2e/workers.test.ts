// `workers: 2`: two DNS processes on the shared sockets, fed by the primary. Every worker must see
// every change (issue 4), whichever answers a query, and what every worker counts is in the main
// process's /metrics.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Rcode, RRType } from '../../src/dns/constants.ts';
import { decodeMessage, encodeQuery } from '../../src/dns/message.ts';
import { query, tcpExchange } from '../helpers/client.ts';
import { dig } from '../helpers/dig.ts';
import { startFakeUpstream } from '../helpers/fake-upstream.ts';
import { startJw238dns } from '../helpers/process.ts';
import { startServer } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';

const ZONE = `
workers: 2
records:
  - { name: example.com., type: SOA, value: ["ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300"] }
  - { name: www.example.com., type: A, value: [192.0.2.1] }
`;

// The value of one series in Prometheus text; 0 for a series not there (yet).
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

test('two worker processes serve UDP and TCP, and each applies every change', async (t) => {
  const { app, port } = await startServer(t, ZONE);
  const workers = app.workers();
  assert.equal(workers.length, 2);
  assert.equal(new Set(workers.map((w) => w.pid)).size, 2);
  assert.ok(!workers.some((w) => w.pid === process.pid), 'the DNS is served by other processes');

  assert.deepEqual((await dig(port, 'www.example.com', 'A')).answer, ['www.example.com. 300 IN A 192.0.2.1']);
  assert.equal((await query(port, 'www.example.com.', 'A', { tcp: true })).answer[0]?.data, '192.0.2.1');

  for (let round = 2; round <= 6; round++) {
    app.store.update({ name: 'www.example.com.', type: 'A', value: [`192.0.2.${round}`] });
    app.store.create({ name: `new${round}.example.com.`, type: 'TXT', value: [`round ${round}`] });
    const version = app.store.version;
    await waitFor(() => app.workers().every((w) => w.version === version), {
      what: `every worker at version ${version}`,
    });
    // Many queries, each from a fresh socket, land on either worker: all see the new data.
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => query(port, 'www.example.com.', 'A', { id: i, tcp: i % 4 === 0 })),
    );
    assert.deepEqual(new Set(answers.map((a) => a.answer[0]?.data)), new Set([`192.0.2.${round}`]));
    const created = await query(port, `new${round}.example.com.`, 'TXT');
    assert.equal(created.rcode, Rcode.NOERROR);
    assert.equal(created.answer[0]?.data, `round ${round}`);
  }
  // A deletion reaches the workers too.
  app.store.delete('new6.example.com.');
  const version = app.store.version;
  await waitFor(() => app.workers().every((w) => w.version === version), { what: 'the deletion' });
  assert.equal((await query(port, 'new6.example.com.', 'TXT')).rcode, Rcode.NXDOMAIN);
});

test('pipelined TCP queries are answered by the workers; stop() ends them', async (t) => {
  const { app, port } = await startServer(t, ZONE);
  const replies = await tcpExchange(
    port,
    Array.from({ length: 50 }, (_, i) => encodeQuery({ id: i, name: 'www.example.com.', type: RRType.A })),
  );
  assert.equal(replies.length, 50);
  assert.ok(replies.every((r) => decodeMessage(r).answer[0]?.data === '192.0.2.1'));
  const pids = app.workers().map((w) => w.pid);
  await app.stop();
  assert.deepEqual(app.workers(), []);
  for (const pid of pids) {
    assert.throws(() => process.kill(pid, 0), /ESRCH/, `worker ${pid} has exited`);
  }
});

test('queries answered by the workers are counted in the main process /metrics', async (t) => {
  const { port, url } = await startServer(t, ZONE, undefined, { http: true });
  await Promise.all(Array.from({ length: 30 }, (_, i) => query(port, 'www.example.com.', 'A', { id: i })));
  await Promise.all(
    Array.from({ length: 10 }, (_, i) => query(port, 'nope.example.com.', 'A', { id: i, tcp: true })),
  );
  const count = (text: string, re: RegExp) =>
    [...text.matchAll(re)].reduce((sum, m) => sum + Number(m[1]), 0);
  let text = '';
  await waitFor(
    async () => {
      text = await (await fetch(`${url}/metrics`)).text();
      return count(text, /jw238dns_server_queries_total\{[^}]*\} (\d+)/g) >= 40;
    },
    { what: () => `40 queries in /metrics\n${text}` },
  );
  assert.equal(
    count(text, /jw238dns_server_queries_total\{transport="udp",qtype="A",rcode="NOERROR"\} (\d+)/g),
    30,
  );
  assert.equal(
    count(text, /jw238dns_server_queries_total\{transport="tcp",qtype="A",rcode="NXDOMAIN"\} (\d+)/g),
    10,
  );
  assert.match(text, /jw238dns_server_query_duration_seconds_count\{transport="udp"\} 30/);
});

test('forwarding counted by the workers is in the main process /metrics', async (t) => {
  // The first upstream refuses and the second answers: a refusal does not pause a server, so every
  // cache miss is one exchange with each, which the fakes count on their side.
  const refusing = await startFakeUpstream(t, { kind: 'rcode', rcode: Rcode.REFUSED });
  const answering = await startFakeUpstream(t, {
    kind: 'answer',
    records: (name) => [{ name, type: RRType.A, ttl: 300, data: ['192.0.2.7'] }],
  });
  const path = join(mkdtempSync(join(tmpdir(), 'jw238dns-workers-')), 'config.yaml');
  writeFileSync(
    path,
    `${ZONE}backend:\n  upstream:\n    enabled: true\n    timeout: 2s\n    servers: ["127.0.0.1:${refusing.port}", "127.0.0.1:${answering.port}"]\n`,
  );
  // The real process: with `workers: 2` the DNS, and so the forwarding, is all in its workers.
  const p = await startJw238dns(t, path);

  // Four names asked three times each, one query at a time (no two in flight to share an exchange),
  // each from a fresh socket: either worker answers, from its own cache or upstream.
  const names = ['a', 'b', 'c', 'd'].map((label) => `${label}.example.net.`);
  const asked = [...names, ...names, ...names];
  for (const [id, name] of asked.entries()) {
    const answer = await query(p.dns, name, 'A', { id, rd: true });
    assert.equal(answer.rcode, Rcode.NOERROR, name);
    assert.equal(answer.answer[0]?.data, '192.0.2.7', name);
  }

  const refused = `127.0.0.1:${refusing.port}`;
  const answered = `127.0.0.1:${answering.port}`;
  let text = '';
  const value = (series: string) => sample(text, series);
  const lookups = (result: string) => value(`jw238dns_resolve_cache_lookups_total{result="${result}"}`);
  const exchanges = (server: string, outcome: string) =>
    value(`jw238dns_resolve_upstream_exchanges_total{server="${server}",outcome="${outcome}"}`);
  const durations = (server: string) =>
    value(`jw238dns_resolve_upstream_duration_seconds_count{server="${server}"}`);
  // Each worker sends what it counted once a second: wait until every lookup and exchange is in.
  await waitFor(
    async () => {
      text = await (await fetch(`${p.url}/metrics`)).text();
      return (
        lookups('hit') + lookups('miss') >= asked.length &&
        exchanges(refused, 'refused') >= refusing.counts.udp &&
        exchanges(answered, 'answer') >= answering.counts.udp
      );
    },
    {
      what: () =>
        `the workers' forwarding in /metrics (the fakes saw ${refusing.counts.udp} and ${answering.counts.udp} queries)\n${text
          .split('\n')
          .filter((l) => l.startsWith('jw238dns_resolve_'))
          .join('\n')}`,
    },
  );

  const misses = lookups('miss');
  assert.equal(lookups('hit') + misses, asked.length, 'one cache lookup per query');
  // Each worker has its own cache: every name is missed once or twice.
  assert.ok(misses >= names.length && misses <= 2 * names.length, `misses: ${misses}`);
  assert.equal(refusing.counts.udp, misses);
  assert.equal(answering.counts.udp, misses);
  assert.equal(exchanges(refused, 'refused'), misses);
  assert.equal(exchanges(answered, 'answer'), misses);
  assert.equal(durations(refused), misses);
  assert.equal(durations(answered), misses);
  assert.equal(
    value(`jw238dns_resolve_upstream_duration_seconds_bucket{server="${answered}",le="+Inf"}`),
    misses,
  );
  assert.equal(value('jw238dns_resolve_upstream_failures_total'), 0);
  assert.equal(
    value('jw238dns_server_queries_total{transport="udp",qtype="A",rcode="NOERROR"}'),
    asked.length,
  );
});
