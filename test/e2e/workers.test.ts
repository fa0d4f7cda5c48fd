// `workers: 2`: two DNS processes on the shared sockets, fed by the primary. Every worker must see
// every change (issue 4), whichever answers a query.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rcode, RRType } from '../../src/dns/constants.ts';
import { decodeMessage, encodeQuery } from '../../src/dns/message.ts';
import { query, tcpExchange } from '../helpers/client.ts';
import { dig } from '../helpers/dig.ts';
import { startServer } from '../helpers/server.ts';

const ZONE = `
workers: 2
records:
  - { name: example.com., type: SOA, value: ["ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300"] }
  - { name: www.example.com., type: A, value: [192.0.2.1] }
`;

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
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
    await until(
      () => app.workers().every((w) => w.version === version),
      `every worker at version ${version}`,
    );
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
  await until(() => app.workers().every((w) => w.version === version), 'the deletion');
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
  for (let i = 0; i < 100; i++) {
    text = await (await fetch(`${url}/metrics`)).text();
    if (count(text, /jw238dns_server_queries_total\{[^}]*\} (\d+)/g) >= 40) break;
    await new Promise((r) => setTimeout(r, 50));
  }
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
