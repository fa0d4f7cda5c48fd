// Every route, status and error code of the API through inject() (no socket), auth included.
// The last test checks that the suite met every code of API_ERRORS.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { ACME_ERROR_CODES } from '../acme/errors.ts';
import { silentLogger } from '../log.ts';
import { createMetrics } from '../metrics.ts';
import { MemorySource } from '../sources/memory.ts';
import { PersistError, type Source } from '../sources/source.ts';
import { RecordSync } from '../sources/sync.ts';
import { Store } from '../store/store.ts';
import { type ApiDeps, buildApi } from './app.ts';
import { API_ERRORS } from './errors.ts';
import type { Readiness } from './public.ts';

const TOKEN = 'Xk3-secret_token.v1';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const SOA = 'ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300';
const TEXT = `# test records
records:
  - { name: example.com., type: SOA, value: ["${SOA}"] }
  - { name: www.example.com., type: A, value: [192.0.2.1, 192.0.2.2] }
  - { name: www.example.com., type: TXT, value: [hello] }
  - { name: alias.example.com., type: CNAME, value: [www.example.com.] }
  - { name: other.example.org., type: A, value: [198.51.100.1] }
`;

const codesSeen = new Set<string>();

interface Built {
  api: ReturnType<typeof buildApi>;
  store: Store;
  source: MemorySource;
  sync: RecordSync;
  ready: { value: Readiness };
}

async function build(
  options: { source?: Source; writer?: ApiDeps['writer']; bodyLimit?: number } = {},
): Promise<Built> {
  const store = new Store({ defaultTtl: 300 });
  const source = new MemorySource(TEXT);
  const sync = new RecordSync(options.source ?? source, store, { log: silentLogger(), debounceMs: 60_000 });
  await sync.start();
  const metrics = createMetrics(
    { rrsets: () => store.size, sourceOk: () => true },
    { processMetrics: false },
  );
  const ready = { value: { ready: true, reasons: [] } as Readiness };
  const api = buildApi({
    store,
    writer: options.writer ?? sync,
    token: TOKEN,
    log: silentLogger(),
    readiness: () => ready.value,
    metrics,
    ...(options.bodyLimit === undefined ? {} : { bodyLimit: options.bodyLimit }),
  });
  after(async () => {
    await api.close();
    await sync.close();
  });
  return { api, store, source, sync, ready };
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

async function call(
  b: Built,
  method: Method,
  url: string,
  body?: unknown,
  headers: Record<string, string> = AUTH,
): Promise<LightMyRequestResponse> {
  const res = await b.api.inject({
    method,
    url,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  if (res.statusCode >= 400 && res.headers['content-type']?.toString().startsWith('application/json')) {
    const { code } = res.json() as { code?: string };
    if (code !== undefined) codesSeen.add(code);
  }
  return res;
}

function isError(res: LightMyRequestResponse, status: number, code: string, message?: RegExp): void {
  assert.equal(res.statusCode, status, res.body);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  const body = res.json() as { error: string; code: string };
  assert.equal(body.code, code);
  assert.equal(
    API_ERRORS[code as keyof typeof API_ERRORS],
    status,
    `docs table says ${code} is not ${status}`,
  );
  assert.equal(typeof body.error, 'string');
  if (message !== undefined) assert.match(body.error, message);
}

describe('auth', () => {
  test('every /api/v1 route needs the bearer token; /health, /ready and /metrics do not', async () => {
    const b = await build();
    const routes: [Method, string, unknown?][] = [
      ['GET', '/api/v1/records'],
      ['GET', '/api/v1/records/www.example.com'],
      ['POST', '/api/v1/records', { name: 'x.example.com', type: 'A', value: ['192.0.2.9'] }],
      ['PUT', '/api/v1/records/www.example.com', { type: 'A', value: ['192.0.2.9'] }],
      ['DELETE', '/api/v1/records/www.example.com'],
      ['POST', '/api/v1/reload'],
      ['GET', '/api/v1/openapi.json'],
      ['GET', '/api/v1/no-such-route'],
    ];
    for (const [method, url, body] of routes) {
      const missing = await call(b, method, url, body, {});
      isError(missing, 401, 'UNAUTHORIZED', /missing bearer token/);
      assert.equal(missing.headers['www-authenticate'], 'Bearer realm="jw238dns"');
      const wrong = await call(b, method, url, body, { authorization: `Bearer ${TOKEN}x` });
      isError(wrong, 401, 'UNAUTHORIZED', /invalid bearer token/);
      assert.equal(wrong.headers['www-authenticate'], 'Bearer realm="jw238dns", error="invalid_token"');
    }
    for (const header of [
      TOKEN,
      `Basic ${TOKEN}`,
      `Bearer`,
      `Bearer ${TOKEN.slice(0, -1)}`,
      `Bearer ${TOKEN} extra`,
    ]) {
      isError(
        await call(b, 'GET', '/api/v1/records', undefined, { authorization: header }),
        401,
        'UNAUTHORIZED',
      );
    }
    assert.equal(b.store.get('x.example.com').length, 0, 'an unauthorised write went through');
    assert.equal(b.store.get('www.example.com').length, 2, 'an unauthorised delete went through');
    for (const url of ['/health', '/ready', '/metrics']) {
      assert.equal((await call(b, 'GET', url, undefined, {})).statusCode, 200, url);
    }
  });

  test('the right token is accepted, the scheme in any case', async () => {
    const b = await build();
    assert.equal((await call(b, 'GET', '/api/v1/records')).statusCode, 200);
    assert.equal(
      (await call(b, 'GET', '/api/v1/records', undefined, { authorization: `bearer ${TOKEN}` })).statusCode,
      200,
    );
  });
});

describe('GET /api/v1/records', () => {
  test('lists every RRset in canonical order', async () => {
    const b = await build();
    const res = await call(b, 'GET', '/api/v1/records');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), [
      { name: 'example.com.', type: 'SOA', ttl: 300, value: [SOA] },
      { name: 'alias.example.com.', type: 'CNAME', ttl: 300, value: ['www.example.com.'] },
      { name: 'www.example.com.', type: 'A', ttl: 300, value: ['192.0.2.1', '192.0.2.2'] },
      { name: 'www.example.com.', type: 'TXT', ttl: 300, value: ['hello'] },
      { name: 'other.example.org.', type: 'A', ttl: 300, value: ['198.51.100.1'] },
    ]);
  });

  test('?type= and ?zone= narrow the list', async () => {
    const b = await build();
    const names = async (q: string) =>
      ((await call(b, 'GET', `/api/v1/records${q}`)).json() as { name: string; type: string }[]).map(
        (r) => `${r.name} ${r.type}`,
      );
    assert.deepEqual(await names('?type=a'), ['www.example.com. A', 'other.example.org. A']);
    assert.deepEqual(await names('?zone=example.org'), ['other.example.org. A']);
    assert.deepEqual(await names('?zone=example.com.&type=TXT'), ['www.example.com. TXT']);
    assert.deepEqual(await names('?zone=nothing.example'), []);
  });

  test('a bad filter is a 400 with its code', async () => {
    const b = await build();
    isError(await call(b, 'GET', '/api/v1/records?type=BOGUS'), 400, 'INVALID_RECORD_TYPE', /BOGUS/);
    isError(await call(b, 'GET', '/api/v1/records?zone=bad..name'), 400, 'INVALID_NAME');
    isError(await call(b, 'GET', '/api/v1/records?typ=A'), 400, 'INVALID_REQUEST', /additional properties/);
  });
});

describe('GET /api/v1/records/:name', () => {
  test("returns the name's RRsets, or one type", async () => {
    const b = await build();
    const all = await call(b, 'GET', '/api/v1/records/WWW.Example.COM');
    assert.equal(all.statusCode, 200);
    assert.deepEqual(
      (all.json() as { type: string }[]).map((r) => r.type),
      ['A', 'TXT'],
    );
    const one = await call(b, 'GET', '/api/v1/records/www.example.com.?type=txt');
    assert.deepEqual(one.json(), [{ name: 'www.example.com.', type: 'TXT', ttl: 300, value: ['hello'] }]);
  });

  test('404 when there is nothing, 400 for a bad name or type', async () => {
    const b = await build();
    isError(
      await call(b, 'GET', '/api/v1/records/nope.example.com'),
      404,
      'RECORD_NOT_FOUND',
      /nope\.example\.com\./,
    );
    isError(
      await call(b, 'GET', '/api/v1/records/www.example.com?type=MX'),
      404,
      'RECORD_NOT_FOUND',
      /no MX record/,
    );
    isError(await call(b, 'GET', `/api/v1/records/${'a'.repeat(64)}.example`), 400, 'INVALID_NAME');
    isError(await call(b, 'GET', '/api/v1/records/www.example.com?type=NOPE'), 400, 'INVALID_RECORD_TYPE');
  });
});

describe('POST /api/v1/records', () => {
  test('creates the record, normalised, written back before the answer', async () => {
    const b = await build();
    const res = await call(b, 'POST', '/api/v1/records', {
      name: 'New.Example.com',
      type: 'aaaa',
      value: ['2001:DB8:0:0::1', '2001:db8::1'],
    });
    assert.equal(res.statusCode, 201, res.body);
    assert.deepEqual(res.json(), {
      name: 'new.example.com.',
      type: 'AAAA',
      ttl: 300,
      value: ['2001:db8::1'],
    });
    assert.equal(b.store.get('new.example.com', 'AAAA').length, 1);
    assert.match(
      b.source.text,
      /name: new\.example\.com\.\n {4}type: AAAA\n {4}ttl: 300\n {4}value:\n {6}- 2001:db8::1\n/,
    );
    assert.match(b.source.text, /^# test records\n/);
  });

  test('a single value may be a string, and a TTL may be given', async () => {
    const b = await build();
    const res = await call(b, 'POST', '/api/v1/records', {
      name: 'txt.example.com',
      type: 'TXT',
      ttl: 3600,
      value: 'v=spf1 -all',
    });
    assert.equal(res.statusCode, 201, res.body);
    assert.deepEqual(res.json(), {
      name: 'txt.example.com.',
      type: 'TXT',
      ttl: 3600,
      value: ['v=spf1 -all'],
    });
  });

  test('409 when the name already has the type', async () => {
    const b = await build();
    isError(
      await call(b, 'POST', '/api/v1/records', { name: 'www.example.com', type: 'A', value: ['192.0.2.9'] }),
      409,
      'RECORD_EXISTS',
      /A record www\.example\.com\. already exists/,
    );
    assert.deepEqual(b.store.get('www.example.com', 'A')[0]?.values, ['192.0.2.1', '192.0.2.2']);
  });

  test("the store's validation codes come back as 400s", async () => {
    const b = await build();
    const cases: [unknown, string, RegExp][] = [
      [{ name: 'bad..name', type: 'A', value: ['192.0.2.1'] }, 'INVALID_NAME', /bad\.\.name/],
      [{ name: 'x.example.com', type: 'BOGUS', value: ['1'] }, 'INVALID_RECORD_TYPE', /BOGUS/],
      [{ name: 'x.example.com', type: 'A', ttl: 5, value: ['192.0.2.1'] }, 'INVALID_TTL', /invalid TTL 5/],
      [{ name: 'x.example.com', type: 'A', ttl: 1.5, value: ['192.0.2.1'] }, 'INVALID_TTL', /1\.5/],
      [{ name: 'x.example.com', type: 'A', value: ['300.1.1.1'] }, 'INVALID_VALUE', /300\.1\.1\.1/],
      [{ name: 'x.example.com', type: 'A', value: [] }, 'INVALID_VALUE', /at least one value/],
      [
        { name: 'x.example.com', type: 'CNAME', value: ['a.example.', 'b.example.'] },
        'INVALID_VALUE',
        /exactly one/,
      ],
      [{ name: 'www.example.com', type: 'CNAME', value: ['a.example.'] }, 'INVALID_VALUE', /RFC 1034/],
      [{ name: 'alias.example.com', type: 'TXT', value: ['x'] }, 'INVALID_VALUE', /beside the CNAME/],
    ];
    for (const [body, code, message] of cases) {
      isError(await call(b, 'POST', '/api/v1/records', body), 400, code, message);
    }
    assert.equal(b.source.text, TEXT, 'a refused record reached the file');
  });

  test('bad JSON, wrong types, unknown keys: 400 INVALID_REQUEST, never 500', async () => {
    const b = await build();
    const cases: [unknown, RegExp][] = [
      ['{"name": "x.example.com", "type": "A", ', /not valid JSON/],
      ['{"__proto__": {"x": 1}, "name": "x.example.com", "type": "A", "value": ["192.0.2.1"]}', /./],
      ['[1, 2]', /body must be object/],
      ['"just a string"', /body must be object/],
      ['null', /body must be object/],
      ['', /body must be object/],
      [{ name: 'x.example.com', type: 'A' }, /must have required property 'value'/],
      [{ name: 'x.example.com', type: 'A', value: ['192.0.2.1'], values: ['x'] }, /additional properties/],
      [{ name: 'x.example.com', type: 'A', ttl: '300', value: ['192.0.2.1'] }, /ttl must be number/],
      [{ name: 42, type: 'A', value: ['192.0.2.1'] }, /name must be string/],
      [{ name: 'x.example.com', type: 'A', value: [1] }, /value/],
    ];
    for (const [body, message] of cases)
      isError(await call(b, 'POST', '/api/v1/records', body), 400, 'INVALID_REQUEST', message);
    assert.equal(b.store.get('x.example.com').length, 0);
  });

  test('an oversize body is 413, a body that is not JSON is 415', async () => {
    const b = await build({ bodyLimit: 1024 });
    const big = { name: 'x.example.com', type: 'TXT', value: ['x'.repeat(2000)] };
    isError(await call(b, 'POST', '/api/v1/records', big), 413, 'PAYLOAD_TOO_LARGE');
    const text = await b.api.inject({
      method: 'POST',
      url: '/api/v1/records',
      headers: { ...AUTH, 'content-type': 'text/plain' },
      payload: 'name=x',
    });
    codesSeen.add((text.json() as { code: string }).code);
    isError(text, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  test('a write that cannot be persisted is 503 PERSIST_FAILED and not applied', async () => {
    const inner = new MemorySource(TEXT);
    const failing: Source = {
      description: 'file /etc/jw238dns/config.yaml',
      read: () => inner.read(),
      watch: () => () => {},
      write: async () => {
        throw new PersistError('file /etc/jw238dns/config.yaml: not writable: read-only file system');
      },
    };
    const b = await build({ source: failing });
    isError(
      await call(b, 'POST', '/api/v1/records', { name: 'x.example.com', type: 'A', value: ['192.0.2.1'] }),
      503,
      'PERSIST_FAILED',
      /read-only file system/,
    );
    isError(await call(b, 'DELETE', '/api/v1/records/www.example.com'), 503, 'PERSIST_FAILED');
    assert.equal(b.store.get('x.example.com').length, 0);
    assert.equal(b.store.get('www.example.com').length, 2);
    assert.equal(inner.text, TEXT);
  });

  test('150 concurrent creates all succeed and all land in the source', async () => {
    const b = await build();
    const responses = await Promise.all(
      Array.from({ length: 150 }, (_, i) =>
        call(b, 'POST', '/api/v1/records', { name: `h${i}.example.com`, type: 'A', value: [`10.1.0.${i}`] }),
      ),
    );
    assert.deepEqual(
      responses.map((r) => r.statusCode),
      Array(150).fill(201),
    );
    for (let i = 0; i < 150; i++)
      assert.match(b.source.text, new RegExp(`name: h${i}\\.example\\.com\\.\\n`));
    assert.equal(b.store.size, 155);
  });
});

describe('PUT /api/v1/records/:name', () => {
  test('replaces the RRset of the body type whole', async () => {
    const b = await build();
    const res = await call(b, 'PUT', '/api/v1/records/www.example.com', {
      type: 'A',
      ttl: 600,
      value: ['192.0.2.7'],
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), { name: 'www.example.com.', type: 'A', ttl: 600, value: ['192.0.2.7'] });
    assert.deepEqual(b.store.get('www.example.com', 'A')[0], {
      name: 'www.example.com.',
      type: 'A',
      ttl: 600,
      values: ['192.0.2.7'],
    });
    assert.match(
      b.source.text,
      /\{ name: www\.example\.com\., type: A, ttl: 600, value: \[ 192\.0\.2\.7 \] \}/,
    );
    const same = await call(b, 'PUT', '/api/v1/records/www.example.com.', {
      name: 'WWW.example.com',
      type: 'A',
      ttl: 600,
      value: '192.0.2.7',
    });
    assert.equal(same.statusCode, 200, 'an unchanged PUT is fine');
  });

  test('404 for an RRset that does not exist, 400 for a body that names another owner', async () => {
    const b = await build();
    isError(
      await call(b, 'PUT', '/api/v1/records/www.example.com', { type: 'MX', value: ['10 mx.example.com.'] }),
      404,
      'RECORD_NOT_FOUND',
    );
    isError(
      await call(b, 'PUT', '/api/v1/records/nope.example.com', { type: 'A', value: ['192.0.2.1'] }),
      404,
      'RECORD_NOT_FOUND',
    );
    isError(
      await call(b, 'PUT', '/api/v1/records/www.example.com', {
        name: 'other.example.com',
        type: 'A',
        value: ['192.0.2.1'],
      }),
      400,
      'INVALID_REQUEST',
      /differs from the name in the path/,
    );
    isError(
      await call(b, 'PUT', '/api/v1/records/www.example.com', {
        type: 'A',
        ttl: 99999,
        value: ['192.0.2.1'],
      }),
      400,
      'INVALID_TTL',
    );
    isError(
      await call(b, 'PUT', '/api/v1/records/www.example.com', { value: ['192.0.2.1'] }),
      400,
      'INVALID_REQUEST',
    );
  });
});

describe('DELETE /api/v1/records/:name', () => {
  test('?type= deletes one RRset; without it every RRset at the name', async () => {
    const b = await build();
    const one = await call(b, 'DELETE', '/api/v1/records/www.example.com?type=TXT');
    assert.equal(one.statusCode, 204);
    assert.equal(one.body, '');
    assert.deepEqual(
      b.store.get('www.example.com').map((r) => r.type),
      ['A'],
    );
    assert.doesNotMatch(b.source.text, /hello/);
    assert.equal(
      (
        await call(b, 'POST', '/api/v1/records', {
          name: 'www.example.com',
          type: 'MX',
          value: ['10 mx.example.com.'],
        })
      ).statusCode,
      201,
    );
    assert.equal((await call(b, 'DELETE', '/api/v1/records/www.example.com')).statusCode, 204);
    assert.deepEqual(b.store.get('www.example.com'), []);
    assert.doesNotMatch(b.source.text, /www\.example\.com\., type/);
  });

  test('404 when there is nothing to delete, 400 for a bad type', async () => {
    const b = await build();
    isError(await call(b, 'DELETE', '/api/v1/records/nope.example.com'), 404, 'RECORD_NOT_FOUND');
    isError(await call(b, 'DELETE', '/api/v1/records/www.example.com?type=MX'), 404, 'RECORD_NOT_FOUND');
    isError(await call(b, 'DELETE', '/api/v1/records/www.example.com?type=WHAT'), 400, 'INVALID_RECORD_TYPE');
  });
});

describe('POST /api/v1/reload', () => {
  test('re-reads the source and says what changed', async () => {
    const b = await build();
    b.source.replace(TEXT.replace('[hello]', '[bye]').replace(/ {2}- \{ name: other.*\n/, ''));
    const res = await call(b, 'POST', '/api/v1/reload');
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json() as Record<string, number>;
    assert.deepEqual(
      { ...body, durationMs: 0 },
      { added: 0, updated: 1, deleted: 1, version: 2, durationMs: 0 },
    );
    assert.equal(typeof body.durationMs, 'number');
    // With an empty JSON body, as some clients send it.
    const empty = await b.api.inject({
      method: 'POST',
      url: '/api/v1/reload',
      headers: { ...AUTH, 'content-type': 'application/json' },
    });
    assert.equal(empty.statusCode, 200, empty.body);
  });

  test('a refused source is 422 RELOAD_FAILED with the line, and changes nothing', async () => {
    const b = await build();
    b.source.replace(`${TEXT}  - { name: bad.example.com., type: A, value: [999.1.1.1] }\n`);
    const res = await call(b, 'POST', '/api/v1/reload');
    isError(res, 422, 'RELOAD_FAILED', /999\.1\.1\.1/);
    const body = res.json() as { line: number; problems: string[] };
    assert.equal(body.line, 8);
    assert.match(body.problems[0]!, /^line 8: records\[5\]: invalid value/);
    assert.equal(b.store.get('bad.example.com').length, 0);
  });
});

describe('errors outside the routes', () => {
  test('an unknown route is 404 NOT_FOUND, with or without the /api/v1 prefix', async () => {
    const b = await build();
    isError(await call(b, 'GET', '/api/v1/nothing'), 404, 'NOT_FOUND', /no route GET \/api\/v1\/nothing/);
    isError(await call(b, 'PATCH' as Method, '/api/v1/records/www.example.com'), 404, 'NOT_FOUND');
    isError(await call(b, 'GET', '/nothing?x=1', undefined, {}), 404, 'NOT_FOUND', /no route GET \/nothing$/);
  });

  test('an unexpected failure is 500 INTERNAL_ERROR without its details', async () => {
    const b = await build({
      writer: {
        change: async () => {
          throw new Error('secret internal detail');
        },
        reload: async () => {
          throw new TypeError('boom');
        },
      },
    });
    const res = await call(b, 'POST', '/api/v1/records', {
      name: 'x.example.com',
      type: 'A',
      value: ['192.0.2.1'],
    });
    isError(res, 500, 'INTERNAL_ERROR');
    assert.doesNotMatch(res.body, /secret/);
    isError(await call(b, 'POST', '/api/v1/reload'), 500, 'INTERNAL_ERROR');
  });
});

describe('public routes', () => {
  test('/health is 200 while the process serves', async () => {
    const b = await build();
    const res = await call(b, 'GET', '/health', undefined, {});
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { status: 'ok' });
  });

  test('/ready is 200 when ready and 503 with the reasons when not', async () => {
    const b = await build();
    assert.deepEqual((await call(b, 'GET', '/ready', undefined, {})).json(), { ready: true, reasons: [] });
    b.ready.value = { ready: false, reasons: ['dns listeners are not bound'] };
    const res = await call(b, 'GET', '/ready', undefined, {});
    assert.equal(res.statusCode, 503);
    assert.deepEqual(res.json(), { ready: false, reasons: ['dns listeners are not bound'] });
  });

  test('/metrics is Prometheus text with API requests counted by route pattern, not URL', async () => {
    const b = await build();
    await call(b, 'GET', '/api/v1/records/www.example.com');
    await call(b, 'GET', '/api/v1/records/nope.example.com');
    await call(b, 'GET', '/api/v1/whatever-1');
    const res = await call(b, 'GET', '/metrics', undefined, {});
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    assert.match(
      res.body,
      /jw238dns_api_requests_total\{method="GET",route="\/api\/v1\/records\/:name",status="200"\} 1/,
    );
    assert.match(
      res.body,
      /jw238dns_api_requests_total\{method="GET",route="\/api\/v1\/records\/:name",status="404"\} 1/,
    );
    assert.match(res.body, /jw238dns_api_requests_total\{method="GET",route="unmatched",status="404"\} 1/);
    assert.match(res.body, /^jw238dns_store_rrsets 5$/m);
    assert.doesNotMatch(res.body, /www\.example\.com|whatever/);
  });
});

describe('OpenAPI', () => {
  test('/api/v1/openapi.json describes every route from its schema', async () => {
    const b = await build();
    const res = await call(b, 'GET', '/api/v1/openapi.json');
    assert.equal(res.statusCode, 200);
    const doc = res.json() as {
      openapi: string;
      paths: Record<string, Record<string, { responses: Record<string, unknown>; security?: unknown[] }>>;
      components: { securitySchemes: Record<string, unknown> };
    };
    assert.match(doc.openapi, /^3\./);
    assert.deepEqual(Object.keys(doc.paths).sort(), [
      '/api/v1/records',
      '/api/v1/records/{name}',
      '/api/v1/reload',
      '/health',
      '/metrics',
      '/ready',
    ]);
    assert.deepEqual(Object.keys(doc.paths['/api/v1/records']!).sort(), ['get', 'post']);
    assert.deepEqual(Object.keys(doc.paths['/api/v1/records/{name}']!).sort(), ['delete', 'get', 'put']);
    assert.deepEqual(Object.keys(doc.paths['/api/v1/records']!.post!.responses).sort(), [
      '201',
      '400',
      '401',
      '409',
      '503',
    ]);
    assert.deepEqual(doc.paths['/health']!.get!.security, []);
    assert.deepEqual(doc.components.securitySchemes, { bearer: { type: 'http', scheme: 'bearer' } });
  });
});

test('the suite met every error code the API has', () => {
  // The ACME codes need the ACME handlers: src/api/acme.test.ts meets them.
  const acme = new Set<string>(ACME_ERROR_CODES);
  assert.deepEqual(
    [...codesSeen].sort(),
    Object.keys(API_ERRORS)
      .filter((c) => !acme.has(c))
      .sort(),
  );
});
