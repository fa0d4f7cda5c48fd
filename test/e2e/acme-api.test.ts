// The ACME API over real sockets (behavior.md §7): DNS-01 values through HTTP and seen by dig,
// HTTP-01 tokens served on the API port and on acme.http01_port, expiry with an injected clock,
// and a second replica on the same config file serving what the first one set.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { startAcmeServer } from '../helpers/acme.ts';
import { dig } from '../helpers/dig.ts';
import { waitFor } from '../helpers/wait.ts';

const T0 = Date.parse('2026-11-29T10:00:00Z');
const MINUTE = 60_000;
const CONFIG = `# the ACME e2e zone: this comment stays
records:
  - name: example.com.
    type: SOA
    value: ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300
  - name: _acme-challenge.example.com.
    type: TXT
    ttl: 300
    value: [v=set-by-hand]
acme:
  challenge_ttl: 10m
`;
const TOKEN = 'evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA';
const KEY_AUTHORIZATION = `${TOKEN}.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI`;

async function txt(port: number, name = '_acme-challenge.example.com'): Promise<string[]> {
  const answer = await dig(port, name, 'TXT', '+norec');
  return answer.answer.map((line) => JSON.parse(line.split(/\s+/).slice(4).join(' ')) as string).sort();
}

describe('ACME API over HTTP, answers over DNS', () => {
  test('DNS-01: add, add again, a second value, remove one, expiry; the value set by hand stays', async (t) => {
    const clock = { now: T0 };
    const s = await startAcmeServer(t, CONFIG, { now: () => clock.now });
    const add = (value: string, domain = 'example.com') =>
      s.api('POST', '/api/v1/acme/dns01', { domain, value });

    assert.equal((await add('first')).status, 201);
    assert.deepEqual(await txt(s.dnsPort), ['first', 'v=set-by-hand']);
    assert.equal((await add('first')).status, 200, 'idempotent');
    assert.deepEqual(await txt(s.dnsPort), ['first', 'v=set-by-hand'], 'no duplicate');

    clock.now += 5 * MINUTE;
    assert.equal((await add('second', '*.example.com')).status, 201);
    assert.deepEqual(await txt(s.dnsPort), ['first', 'second', 'v=set-by-hand']);
    const answer = await dig(s.dnsPort, '_acme-challenge.example.com', 'TXT', '+norec');
    assert.ok(answer.flags.includes('aa'));
    assert.match(answer.answer[0] as string, /\s300\s/, 'the TTL of the RRset set by hand is kept');

    const removed = await s.api('DELETE', '/api/v1/acme/dns01', { domain: 'example.com', value: 'second' });
    assert.equal(removed.status, 204);
    assert.deepEqual(await txt(s.dnsPort), ['first', 'v=set-by-hand']);

    // Present "second" again, then let "first" (older) expire: only it goes.
    await add('second');
    clock.now = T0 + 10 * MINUTE;
    assert.equal(await s.app.acme.challenges.expire(), 1);
    assert.deepEqual(await txt(s.dnsPort), ['second', 'v=set-by-hand']);
    clock.now = T0 + 20 * MINUTE;
    assert.equal(await s.app.acme.challenges.expire(), 1);
    assert.deepEqual(await txt(s.dnsPort), ['v=set-by-hand']);

    const file = readFileSync(s.configPath, 'utf8');
    assert.match(file, /^# the ACME e2e zone: this comment stays\n/);
    assert.deepEqual((parse(file) as { records: unknown[] }).records[1], {
      name: '_acme-challenge.example.com.',
      type: 'TXT',
      ttl: 300,
      value: ['v=set-by-hand'],
    });
    assert.doesNotMatch(file, /acme_challenges/);
  });

  test('DNS-01 at a name of its own: created with TTL 60, gone with its last value (NXDOMAIN)', async (t) => {
    const s = await startAcmeServer(t, CONFIG);
    assert.equal(
      (await s.api('POST', '/api/v1/acme/dns01', { domain: 'app.example.com', value: 'v1' })).status,
      201,
    );
    const answer = await dig(s.dnsPort, '_acme-challenge.app.example.com', 'TXT', '+norec');
    assert.deepEqual(answer.answer, ['_acme-challenge.app.example.com. 60 IN TXT "v1"']);
    await s.api('DELETE', '/api/v1/acme/dns01', { domain: 'app.example.com', value: 'v1' });
    assert.equal(
      (await dig(s.dnsPort, '_acme-challenge.app.example.com', 'TXT', '+norec')).status,
      'NXDOMAIN',
    );
    const missing = await s.api('DELETE', '/api/v1/acme/dns01', { domain: 'app.example.com', value: 'v1' });
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.json, {
      error: 'no DNS-01 value "v1" at _acme-challenge.app.example.com.',
      code: 'ACME_CHALLENGE_NOT_FOUND',
    });
  });

  test('HTTP-01: served on the API port and on acme.http01_port, 404 otherwise, until it expires', async (t) => {
    const clock = { now: T0 };
    const s = await startAcmeServer(t, CONFIG, { now: () => clock.now, http01Port: 0 });
    const path = `/.well-known/acme-challenge/${TOKEN}`;
    const responder = `http://127.0.0.1:${s.http01Port}`;
    assert.equal((await fetch(`${responder}${path}`)).status, 404);

    const put = await s.api('PUT', `/api/v1/acme/http01/${TOKEN}`, { keyAuthorization: KEY_AUTHORIZATION });
    assert.equal(put.status, 200);
    for (const base of [s.url, responder]) {
      const res = await fetch(`${base}${path}`);
      assert.equal(res.status, 200, base);
      assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
      assert.equal(await res.text(), KEY_AUTHORIZATION);
      const unknown = await fetch(`${base}/.well-known/acme-challenge/some-other-token`);
      assert.equal(unknown.status, 404, base);
      assert.equal(((await unknown.json()) as { code: string }).code, 'ACME_CHALLENGE_NOT_FOUND');
    }
    // The responder serves nothing else: not the API, not the probes.
    for (const other of ['/api/v1/records', '/health', '/', '/.well-known/acme-challenge/']) {
      assert.equal((await fetch(`${responder}${other}`)).status, 404, other);
    }
    const head = await fetch(`${responder}${path}`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(KEY_AUTHORIZATION.length));
    const post = await fetch(`${responder}${path}`, { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');

    clock.now = T0 + 10 * MINUTE;
    assert.equal((await fetch(`${responder}${path}`)).status, 404, 'expired');
    assert.equal((await fetch(`${s.url}${path}`)).status, 404, 'expired');
    assert.equal(await s.app.acme.challenges.expire(), 1);
    assert.doesNotMatch(readFileSync(s.configPath, 'utf8'), /acme_challenges/);
  });

  test('a second replica on the same config file serves the DNS-01 values and HTTP-01 tokens of the first', async (t) => {
    const a = await startAcmeServer(t, CONFIG);
    const b = await startAcmeServer(t, CONFIG, {}, { configPath: a.configPath });
    await a.api('POST', '/api/v1/acme/dns01', { domain: 'example.com', value: 'from-a' });
    await a.api('PUT', `/api/v1/acme/http01/${TOKEN}`, { keyAuthorization: KEY_AUTHORIZATION });
    await waitFor(async () => (await txt(b.dnsPort)).includes('from-a'), {
      what: 'B to serve the value A set',
    });
    const served = await fetch(`${b.url}/.well-known/acme-challenge/${TOKEN}`);
    assert.equal(await served.text(), KEY_AUTHORIZATION);

    // B cleans up what A presented: A follows.
    await b.api('DELETE', '/api/v1/acme/dns01', { domain: 'example.com', value: 'from-a' });
    assert.equal((await b.api('DELETE', `/api/v1/acme/http01/${TOKEN}`)).status, 204);
    await waitFor(async () => !(await txt(a.dnsPort)).includes('from-a'), { what: 'A to drop the value' });
    await waitFor(async () => (await fetch(`${a.url}/.well-known/acme-challenge/${TOKEN}`)).status === 404, {
      what: 'A to drop the token',
    });
    assert.deepEqual(await txt(a.dnsPort), ['v=set-by-hand']);
  });
});
