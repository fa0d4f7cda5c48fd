// The ACME routes through inject() (behavior.md §7): DNS-01 values under /api/v1/acme/dns01,
// HTTP-01 tokens under /api/v1/acme/http01 and the public responder, with an injected clock for
// expiry.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ACME_ERROR_CODES, AcmeError } from '../acme/errors.ts';
import { type App, buildApp } from '../app.ts';
import { validateConfig } from '../config/load.ts';
import type { Name } from '../dns/name.ts';
import { silentLogger } from '../log.ts';
import { MemorySource } from '../sources/memory.ts';
import { API_ERRORS, errorBody } from './errors.ts';

const TOKEN = 'acme-test-token';
const codesSeen = new Set<string>();
const T0 = Date.parse('2026-11-29T10:00:00Z');
const TEXT = `records:
  - name: example.com.
    type: SOA
    value: ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300
  - name: _acme-challenge.example.com.
    type: TXT
    value: [by-hand]
`;
const KEY_AUTH = 'LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI';
const HTTP_TOKEN = 'LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0';

async function setup(t: { after: (fn: () => Promise<void>) => void }) {
  const clock = { now: T0 };
  const config = validateConfig({ api: { token: TOKEN }, acme: { challenge_ttl: '10m' } }, 'test');
  const source = new MemorySource(TEXT);
  const app: App = buildApp(config, silentLogger(), {
    source,
    processMetrics: false,
    acme: { now: () => clock.now },
  });
  await app.sync.start();
  t.after(async () => {
    await app.acme.stop();
    await app.sync.close();
  });
  const call = async (method: string, url: string, body?: unknown, auth = true) => {
    const res = await app.api.inject({
      method: method as 'GET',
      url,
      headers: {
        ...(auth ? { authorization: `Bearer ${TOKEN}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
    if (res.statusCode >= 400 && String(res.headers['content-type']).includes('json')) {
      codesSeen.add((res.json() as { code: string }).code);
    }
    return {
      status: res.statusCode,
      type: res.headers['content-type'],
      text: res.body,
      json: res.body === '' || !String(res.headers['content-type']).includes('json') ? undefined : res.json(),
    };
  };
  const txt = () =>
    [...(app.store.getRRset('_acme-challenge.example.com.' as Name, 'TXT')?.values ?? [])].sort();
  return { app, clock, call, txt, source };
}

test('DNS-01: present, present again, a second value, clean up one, clean up again', async (t) => {
  const s = await setup(t);
  const first = await s.call('POST', '/api/v1/acme/dns01', { domain: 'example.com', value: 'value-1' });
  assert.equal(first.status, 201);
  assert.deepEqual(first.json, {
    name: '_acme-challenge.example.com.',
    value: 'value-1',
    expires: '2026-11-29T10:10:00.000Z',
  });
  const again = await s.call('POST', '/api/v1/acme/dns01', { domain: 'Example.COM.', value: 'value-1' });
  assert.equal(again.status, 200, 'already present');
  const wildcard = await s.call('POST', '/api/v1/acme/dns01', { domain: '*.example.com', value: 'value-2' });
  assert.equal(wildcard.status, 201);
  assert.deepEqual(s.txt(), ['by-hand', 'value-1', 'value-2']);

  const removed = await s.call('DELETE', '/api/v1/acme/dns01', { domain: 'example.com', value: 'value-2' });
  assert.equal(removed.status, 204);
  assert.equal(removed.text, '');
  assert.deepEqual(s.txt(), ['by-hand', 'value-1']);
  const gone = await s.call('DELETE', '/api/v1/acme/dns01', { domain: 'example.com', value: 'value-2' });
  assert.equal(gone.status, 404);
  assert.equal((gone.json as { code: string }).code, 'ACME_CHALLENGE_NOT_FOUND');

  const listed = await s.call('GET', '/api/v1/acme/challenges');
  assert.deepEqual(listed.json, {
    dns01: [{ name: '_acme-challenge.example.com.', value: 'value-1', expires: '2026-11-29T10:10:00.000Z' }],
    http01: [],
  });
});

test('DNS-01: expiry removes the stale value, keeps the value set by hand', async (t) => {
  const s = await setup(t);
  await s.call('POST', '/api/v1/acme/dns01', { domain: 'example.com', value: 'stale' });
  s.clock.now += 5 * 60_000;
  await s.call('POST', '/api/v1/acme/dns01', { domain: 'example.com', value: 'fresh' });
  s.clock.now = T0 + 10 * 60_000;
  assert.equal(await s.app.acme.challenges.expire(), 1);
  assert.deepEqual(s.txt(), ['by-hand', 'fresh']);
  s.clock.now = T0 + 15 * 60_000;
  assert.equal(await s.app.acme.challenges.expire(), 1);
  assert.deepEqual(s.txt(), ['by-hand']);
  assert.doesNotMatch(s.source.text, /acme_challenges/);
});

test('DNS-01: bad requests are 400 with a code, and nothing changes', async (t) => {
  const s = await setup(t);
  const cases: [unknown, string][] = [
    [{ domain: 'exa mple.com', value: 'v' }, 'INVALID_CHALLENGE'],
    [{ domain: '', value: 'v' }, 'INVALID_CHALLENGE'],
    [{ domain: 'example.com', value: 'two words' }, 'INVALID_CHALLENGE'],
    [{ domain: 'example.com', value: '' }, 'INVALID_CHALLENGE'],
    [{ domain: 'example.com', value: 'x'.repeat(256) }, 'INVALID_CHALLENGE'],
    [{ domain: 'example.com' }, 'INVALID_REQUEST'],
    [{ domain: 'example.com', value: 'v', ttl: 60 }, 'INVALID_REQUEST'],
    [{ domain: 'example.com', value: 5 }, 'INVALID_REQUEST'],
  ];
  for (const [body, code] of cases) {
    for (const method of ['POST', 'DELETE']) {
      const res = await s.call(method, '/api/v1/acme/dns01', body);
      assert.equal(res.status, 400, `${method} ${JSON.stringify(body)}`);
      assert.equal((res.json as { code: string }).code, code, `${method} ${JSON.stringify(body)}`);
    }
  }
  assert.deepEqual(s.txt(), ['by-hand']);
  const text = await s.app.api.inject({
    method: 'POST',
    url: '/api/v1/acme/dns01',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    payload: '{"domain": ',
  });
  assert.equal(text.statusCode, 400);
});

test('the /api/v1/acme routes need the token; the responder does not', async (t) => {
  const s = await setup(t);
  for (const [method, url, body] of [
    ['POST', '/api/v1/acme/dns01', { domain: 'example.com', value: 'v' }],
    ['DELETE', '/api/v1/acme/dns01', { domain: 'example.com', value: 'v' }],
    ['PUT', `/api/v1/acme/http01/${HTTP_TOKEN}`, { keyAuthorization: KEY_AUTH }],
    ['DELETE', `/api/v1/acme/http01/${HTTP_TOKEN}`, undefined],
    ['GET', '/api/v1/acme/challenges', undefined],
  ] as const) {
    const res = await s.call(method, url, body, false);
    assert.equal(res.status, 401, `${method} ${url}`);
  }
  assert.equal(
    (await s.call('GET', `/.well-known/acme-challenge/${HTTP_TOKEN}`, undefined, false)).status,
    404,
  );
});

test('HTTP-01: a token is served as text/plain, unknown tokens are 404, removal and expiry end it', async (t) => {
  const s = await setup(t);
  const put = await s.call('PUT', `/api/v1/acme/http01/${HTTP_TOKEN}`, { keyAuthorization: KEY_AUTH });
  assert.equal(put.status, 200);
  assert.deepEqual(put.json, {
    token: HTTP_TOKEN,
    keyAuthorization: KEY_AUTH,
    expires: '2026-11-29T10:10:00.000Z',
  });
  const served = await s.call('GET', `/.well-known/acme-challenge/${HTTP_TOKEN}`, undefined, false);
  assert.equal(served.status, 200);
  assert.equal(served.type, 'text/plain; charset=utf-8');
  assert.equal(served.text, KEY_AUTH);
  const unknown = await s.call('GET', '/.well-known/acme-challenge/unknown-token', undefined, false);
  assert.equal(unknown.status, 404);
  assert.equal((unknown.json as { code: string }).code, 'ACME_CHALLENGE_NOT_FOUND');

  assert.equal((await s.call('DELETE', `/api/v1/acme/http01/${HTTP_TOKEN}`)).status, 204);
  assert.equal((await s.call('GET', `/.well-known/acme-challenge/${HTTP_TOKEN}`)).status, 404);
  const again = await s.call('DELETE', `/api/v1/acme/http01/${HTTP_TOKEN}`);
  assert.equal(again.status, 404);
  assert.equal((again.json as { code: string }).code, 'ACME_CHALLENGE_NOT_FOUND');

  await s.call('PUT', `/api/v1/acme/http01/${HTTP_TOKEN}`, { keyAuthorization: KEY_AUTH });
  s.clock.now = T0 + 10 * 60_000 - 1;
  assert.equal((await s.call('GET', `/.well-known/acme-challenge/${HTTP_TOKEN}`)).status, 200);
  s.clock.now = T0 + 10 * 60_000;
  assert.equal((await s.call('GET', `/.well-known/acme-challenge/${HTTP_TOKEN}`)).status, 404, 'expired');
  assert.equal(await s.app.acme.challenges.expire(), 1);
  assert.doesNotMatch(s.source.text, /acme_challenges/);
});

test('HTTP-01: a token outside base64url or a key authorisation of another token is refused', async (t) => {
  const s = await setup(t);
  for (const [token, keyAuthorization] of [
    ['a.b', 'a.b.thumb'],
    ['tok%20en', 'tok en.thumb'],
    [HTTP_TOKEN, 'other-token.thumb'],
    [HTTP_TOKEN, HTTP_TOKEN],
    [HTTP_TOKEN, `${HTTP_TOKEN}.`],
    [HTTP_TOKEN, `${HTTP_TOKEN}.thumb print`],
  ]) {
    const res = await s.call('PUT', `/api/v1/acme/http01/${token}`, { keyAuthorization });
    assert.equal(res.status, 400, `${token} ${keyAuthorization}`);
    assert.equal((res.json as { code: string }).code, 'INVALID_CHALLENGE');
  }
  assert.equal((await s.call('PUT', `/api/v1/acme/http01/${HTTP_TOKEN}`, {})).status, 400);
  assert.deepEqual(s.app.acme.challenges.state().http01, []);
});

test('every ACME error code is an API code with its status', () => {
  for (const code of ACME_ERROR_CODES) {
    const { status, body } = errorBody(new AcmeError(code, 'x'));
    assert.equal(body.code, code);
    assert.equal(API_ERRORS[code], status);
  }
});

test('the OpenAPI document lists the ACME routes', async (t) => {
  const s = await setup(t);
  const doc = (await s.call('GET', '/api/v1/openapi.json')).json as { paths: Record<string, unknown> };
  for (const path of [
    '/api/v1/acme/dns01',
    '/api/v1/acme/http01/{token}',
    '/api/v1/acme/challenges',
    '/.well-known/acme-challenge/{token}',
  ]) {
    assert.ok(path in doc.paths, path);
  }
});

test('the suite met every ACME error code over HTTP', () => {
  for (const code of ACME_ERROR_CODES) assert.ok(codesSeen.has(code), code);
});
