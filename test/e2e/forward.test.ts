// Upstream forwarding over real sockets (behavior.md §4): a second jw238dns and scripted fake
// upstreams on loopback, dig as the client.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { Rcode, RRType } from '../../src/dns/constants.ts';
import type { RRsetOut } from '../../src/dns/message.ts';
import { query } from '../helpers/client.ts';
import { dig } from '../helpers/dig.ts';
import { closedPort, startFakeUpstream } from '../helpers/fake-upstream.ts';
import { startServer } from '../helpers/server.ts';

const run = promisify(execFile);

const LOCAL = `
records:
  - { name: example.com., type: SOA, value: ["ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300"] }
  - { name: www.example.com., type: A, value: [192.0.2.10] }
  - { name: ext.example.com., type: CNAME, value: [www.other.test.] }
`;
const UPSTREAM_ZONE = `
records:
  - { name: other.test., type: SOA, value: ["ns1.other.test. hostmaster.other.test. 7 7200 3600 1209600 120"] }
  - { name: other.test., type: NS, value: [ns1.other.test.] }
  - { name: ns1.other.test., type: A, value: [192.0.2.53] }
  - { name: www.other.test., type: A, value: [192.0.2.80, 192.0.2.81] }
  - { name: txt.other.test., type: TXT, value: ["${'y'.repeat(300)}"] }
`;

function forwarding(servers: string[], extra = ''): string {
  return `backend:\n  upstream:\n    enabled: true\n    timeout: 400ms\n    servers: [${servers.map((s) => `"${s}"`).join(', ')}]\n${extra}${LOCAL}`;
}

const A =
  (address: string) =>
  (name: string): RRsetOut[] => [{ name, type: RRType.A, ttl: 300, data: [address] }];

describe('forwarding to a real upstream (a second jw238dns)', () => {
  test('relays the whole answer with the client ID and question case; EDNS rebuilt for the client', async (t) => {
    const upstream = await startServer(t, UPSTREAM_ZONE);
    const { port } = await startServer(t, forwarding([`127.0.0.1:${upstream.port}`]));
    const r = await query(port, 'WwW.Other.TEST.', 'A', { id: 4321, rd: true, edns: { udpSize: 4096 } });
    assert.equal(r.header.id, 4321);
    assert.equal(r.question[0]?.name, 'WwW.Other.TEST.');
    assert.equal(r.rcode, Rcode.NOERROR);
    assert.equal(r.header.aa, false, 'a relayed answer is not authoritative');
    assert.deepEqual(r.answer.map((rr) => rr.data).sort(), ['192.0.2.80', '192.0.2.81']);
    assert.equal(r.edns?.udpSize, 1232);
    const nx = await dig(port, 'nope.other.test', 'A');
    assert.equal(nx.status, 'NXDOMAIN');
    assert.deepEqual(nx.authority, [
      'other.test. 120 IN SOA ns1.other.test. hostmaster.other.test. 7 7200 3600 1209600 120',
    ]);
  });

  test('local data is still answered locally; RD=0 and clients outside allow get REFUSED', async (t) => {
    const upstream = await startServer(t, UPSTREAM_ZONE);
    const { port } = await startServer(
      t,
      forwarding([`127.0.0.1:${upstream.port}`], '    allow: [127.0.0.1/32]\n'),
    );
    assert.deepEqual((await dig(port, 'www.example.com', 'A')).answer, [
      'www.example.com. 300 IN A 192.0.2.10',
    ]);
    assert.equal((await dig(port, 'www.other.test', 'A', '+norec')).status, 'REFUSED');
    const { stdout } = await run('dig', [
      '-b',
      '127.0.0.2',
      '@127.0.0.1',
      '-p',
      String(port),
      'www.other.test',
      'A',
      '+time=2',
      '+tries=1',
    ]);
    assert.match(stdout, /status: REFUSED/);
    assert.equal((await dig(port, 'www.other.test', 'A')).status, 'NOERROR');
  });

  test('a CNAME chain that leaves local data is completed upstream for a recursive query', async (t) => {
    const upstream = await startServer(t, UPSTREAM_ZONE);
    const { port } = await startServer(t, forwarding([`127.0.0.1:${upstream.port}`]));
    const r = await dig(port, 'ext.example.com', 'A');
    assert.equal(r.status, 'NOERROR');
    assert.deepEqual(r.answer.sort(), [
      'ext.example.com. 300 IN CNAME www.other.test.',
      'www.other.test. 300 IN A 192.0.2.80',
      'www.other.test. 300 IN A 192.0.2.81',
    ]);
    const partial = await dig(port, 'ext.example.com', 'A', '+norec');
    assert.deepEqual(
      partial.answer,
      ['ext.example.com. 300 IN CNAME www.other.test.'],
      'RD=0: the partial chain',
    );
  });

  test('a relayed answer too big for UDP is truncated, and whole over TCP', async (t) => {
    const upstream = await startServer(t, UPSTREAM_ZONE);
    const { port } = await startServer(t, forwarding([`127.0.0.1:${upstream.port}`]));
    const txt = await dig(port, 'txt.other.test', 'TXT', '+tcp');
    assert.equal(txt.answer.length, 1);
    assert.match(txt.answer[0] ?? '', /"y{255}" "y{45}"/, 'character-string boundaries relayed as received');
  });
});

describe('fallback and final answers', () => {
  test('a server that never answers: the next one answers; the dead one is then passed over', async (t) => {
    const silent = await startFakeUpstream(t, { kind: 'silent' });
    const good = await startFakeUpstream(t, { kind: 'answer', records: A('192.0.2.1') });
    const { port } = await startServer(t, forwarding([`127.0.0.1:${silent.port}`, `127.0.0.1:${good.port}`]));
    const first = await dig(port, 'a.example.net', 'A');
    assert.deepEqual(first.answer, ['a.example.net. 300 IN A 192.0.2.1']);
    assert.equal(silent.counts.udp, 1, 'the first server was asked first');
    const second = await dig(port, 'b.example.net', 'A');
    assert.deepEqual(second.answer, ['b.example.net. 300 IN A 192.0.2.1']);
    assert.equal(silent.counts.udp, 1, 'a server that just timed out is tried after the healthy ones');
    assert.equal(good.counts.udp, 2);
  });

  test('a closed port (connection refused) moves on to the next server', async (t) => {
    const good = await startFakeUpstream(t, { kind: 'answer', records: A('192.0.2.2') });
    const { port } = await startServer(
      t,
      forwarding([`127.0.0.1:${await closedPort()}`, `127.0.0.1:${good.port}`]),
    );
    assert.deepEqual((await dig(port, 'c.example.net', 'A')).answer, ['c.example.net. 300 IN A 192.0.2.2']);
  });

  for (const [what, rcode] of [
    ['SERVFAIL', Rcode.SERVFAIL],
    ['NXDOMAIN', Rcode.NXDOMAIN],
  ] as const) {
    test(`${what} from the first server is final: relayed, the next server never asked`, async (t) => {
      const first = await startFakeUpstream(t, { kind: 'rcode', rcode });
      const second = await startFakeUpstream(t, { kind: 'answer', records: A('192.0.2.3') });
      const { port } = await startServer(
        t,
        forwarding([`127.0.0.1:${first.port}`, `127.0.0.1:${second.port}`]),
      );
      assert.equal((await dig(port, 'd.example.net', 'A')).status, what);
      assert.equal(first.counts.udp, 1);
      assert.equal(second.counts.udp + second.counts.tcp, 0);
    });
  }

  test('REFUSED from an upstream moves on to the next server', async (t) => {
    const first = await startFakeUpstream(t, { kind: 'rcode', rcode: Rcode.REFUSED });
    const second = await startFakeUpstream(t, { kind: 'answer', records: A('192.0.2.4') });
    const { port } = await startServer(
      t,
      forwarding([`127.0.0.1:${first.port}`, `127.0.0.1:${second.port}`]),
    );
    assert.deepEqual((await dig(port, 'e.example.net', 'A')).answer, ['e.example.net. 300 IN A 192.0.2.4']);
  });

  test('every server failing gives SERVFAIL, never NXDOMAIN', async (t) => {
    const a = await startFakeUpstream(t, { kind: 'silent' });
    const b = await startFakeUpstream(t, { kind: 'silent' });
    const { port } = await startServer(t, forwarding([`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`]));
    assert.equal((await dig(port, 'f.example.net', 'A')).status, 'SERVFAIL');
    assert.equal(a.counts.udp, 1);
    assert.equal(b.counts.udp, 1);
  });

  test('a truncated UDP answer is asked again over TCP from the same server', async (t) => {
    const tc = await startFakeUpstream(t, { kind: 'truncate-udp', records: A('192.0.2.5') });
    const { port } = await startServer(t, forwarding([`127.0.0.1:${tc.port}`]));
    assert.deepEqual((await dig(port, 'g.example.net', 'A')).answer, ['g.example.net. 300 IN A 192.0.2.5']);
    assert.deepEqual(tc.counts, { udp: 1, tcp: 1 });
  });

  for (const kind of ['wrong-id', 'wrong-question'] as const) {
    test(`a reply with the ${kind.replace('-', ' ')} is discarded; the next server answers`, async (t) => {
      const liar = await startFakeUpstream(t, { kind });
      const good = await startFakeUpstream(t, { kind: 'answer', records: A('192.0.2.6') });
      const { port } = await startServer(t, forwarding([`127.0.0.1:${liar.port}`, `127.0.0.1:${good.port}`]));
      const r = await dig(port, 'h.example.net', 'A');
      assert.deepEqual(r.answer, ['h.example.net. 300 IN A 192.0.2.6']);
      assert.equal(liar.counts.udp, 1);
    });
  }
});

describe('cache and concurrency', () => {
  test('a second query is answered from the cache, positive and negative', async (t) => {
    const soa: RRsetOut = {
      name: 'example.net.',
      type: RRType.SOA,
      ttl: 600,
      data: ['ns.example.net. h.example.net. 1 2 3 4 60'],
    };
    const up = await startFakeUpstream(t, { kind: 'answer', records: A('192.0.2.7') });
    const nx = await startFakeUpstream(t, { kind: 'rcode', rcode: Rcode.NXDOMAIN, authority: [soa] });
    const { port } = await startServer(t, forwarding([`127.0.0.1:${up.port}`]));
    await dig(port, 'i.example.net', 'A');
    const again = await dig(port, 'I.example.NET', 'A');
    assert.equal(up.counts.udp, 1, 'the second query did not reach the upstream');
    assert.equal(again.answer.length, 1);
    assert.match(again.answer[0] ?? '', /^I\.example\.NET\. (300|299) IN A 192\.0\.2\.7$/);

    const neg = await startServer(t, forwarding([`127.0.0.1:${nx.port}`]));
    const one = await dig(neg.port, 'missing.example.net', 'A');
    const two = await dig(neg.port, 'missing.example.net', 'A');
    assert.equal(one.status, 'NXDOMAIN');
    assert.equal(two.status, 'NXDOMAIN');
    assert.equal(nx.counts.udp, 1, 'NXDOMAIN with an SOA is cached (RFC 2308)');
    assert.match(
      two.authority[0] ?? '',
      /^example\.net\. (60|59) IN SOA/,
      'negative TTL is min(SOA TTL, MINIMUM)',
    );
  });

  test('identical questions in flight are sent upstream once', async (t) => {
    const slow = await startFakeUpstream(t, { kind: 'answer', records: A('192.0.2.8'), delayMs: 200 });
    const { port } = await startServer(t, forwarding([`127.0.0.1:${slow.port}`]));
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => query(port, 'j.example.net.', 'A', { id: i, rd: true })),
    );
    for (const a of answers) assert.equal(a.answer[0]?.data, '192.0.2.8');
    assert.equal(slow.counts.udp, 1);
  });
});

describe('forwarding metrics', () => {
  test('/metrics counts upstream exchanges by server and outcome, cache hits and total failures', async (t) => {
    const silent = await startFakeUpstream(t, { kind: 'silent' });
    const good = await startFakeUpstream(t, { kind: 'answer', records: A('192.0.2.9') });
    const dead = await startFakeUpstream(t, { kind: 'silent' });
    const { port, url } = await startServer(
      t,
      forwarding([`127.0.0.1:${silent.port}`, `127.0.0.1:${good.port}`]),
      undefined,
      { http: true },
    );
    await dig(port, 'k.example.net', 'A');
    await dig(port, 'k.example.net', 'A');
    const text = await (await fetch(`${url}/metrics`)).text();
    const sample = (re: RegExp) => Number(re.exec(text)?.[1] ?? Number.NaN);
    assert.equal(
      sample(
        new RegExp(
          `jw238dns_resolve_upstream_exchanges_total\\{server="127.0.0.1:${silent.port}",outcome="timeout"\\} (\\d+)`,
        ),
      ),
      1,
    );
    assert.equal(
      sample(
        new RegExp(
          `jw238dns_resolve_upstream_exchanges_total\\{server="127.0.0.1:${good.port}",outcome="answer"\\} (\\d+)`,
        ),
      ),
      1,
    );
    assert.equal(sample(/jw238dns_resolve_cache_lookups_total\{result="hit"\} (\d+)/), 1);
    assert.equal(sample(/jw238dns_resolve_cache_lookups_total\{result="miss"\} (\d+)/), 1);
    assert.equal(sample(/jw238dns_resolve_upstream_failures_total (\d+)/), 0);

    const failing = await startServer(t, forwarding([`127.0.0.1:${dead.port}`]), undefined, { http: true });
    await dig(failing.port, 'l.example.net', 'A');
    const after = await (await fetch(`${failing.url}/metrics`)).text();
    assert.match(after, /jw238dns_resolve_upstream_failures_total 1/);
  });
});
