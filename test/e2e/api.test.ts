// The HTTP API and the file source over real sockets: HTTP on a real port with the bearer token,
// answers checked with dig, the config file checked on disk.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { silentLogger } from '../../src/log.ts';
import { dig } from '../helpers/dig.ts';
import { api, type Running, startServer } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';

const CONFIG = `# jw238dns test config: this comment must survive write-back
dns_port: 1053

records:
  # ---- example.com. ----
  - name: example.com.
    type: SOA
    value: ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300
  # the web server
  - name: www.example.com.
    type: A
    value: [192.0.2.1] # primary
  - name: mail.example.com.
    type: A
    value: [192.0.2.25]
`;

async function answers(s: Running, name: string, type = 'A'): Promise<string[]> {
  return (await dig(s.port, name, type, '+norec')).answer.map((a) => a.split(' ').slice(4).join(' ')).sort();
}

/** replaceFile writes text as editors do: to a new file, then renamed over the old one. */
function replaceFile(path: string, text: string): void {
  writeFileSync(`${path}.swp`, text);
  renameSync(`${path}.swp`, path);
}

const start = (t: Parameters<typeof startServer>[0], yaml = CONFIG) =>
  startServer(t, yaml, silentLogger(), { file: true, http: true });

describe('API over HTTP, answers over DNS, records in the file', () => {
  test('a record created by the API is answered by dig and written to the file, comments kept', async (t) => {
    const s = await start(t);
    const created = await api(s, 'POST', '/api/v1/records', {
      name: 'new.example.com',
      type: 'A',
      value: ['192.0.2.50', '192.0.2.51'],
    });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    assert.deepEqual(await answers(s, 'new.example.com'), ['192.0.2.50', '192.0.2.51']);
    const file = readFileSync(s.configPath!, 'utf8');
    assert.match(file, /^# jw238dns test config: this comment must survive write-back\n/);
    assert.match(file, /# ---- example\.com\. ----\n/);
    assert.match(
      file,
      /# the web server\n {2}- name: www\.example\.com\.\n {4}type: A\n {4}value: \[ 192\.0\.2\.1 \] # primary\n/,
    );
    assert.match(
      file,
      / {2}- name: new\.example\.com\.\n {4}type: A\n {4}ttl: 300\n {4}value:\n {6}- 192\.0\.2\.50\n {6}- 192\.0\.2\.51\n/,
    );
  });

  test('PUT and DELETE change the answers and the file', async (t) => {
    const s = await start(t);
    const put = await api(s, 'PUT', '/api/v1/records/www.example.com', {
      type: 'A',
      ttl: 600,
      value: ['192.0.2.9'],
    });
    assert.equal(put.status, 200);
    assert.deepEqual((await dig(s.port, 'www.example.com', 'A')).answer, [
      'www.example.com. 600 IN A 192.0.2.9',
    ]);
    assert.equal((await api(s, 'DELETE', '/api/v1/records/mail.example.com?type=A')).status, 204);
    assert.equal((await dig(s.port, 'mail.example.com', 'A')).status, 'NXDOMAIN');
    const file = readFileSync(s.configPath!, 'utf8');
    assert.match(file, /name: www\.example\.com\.\n {4}type: A\n {4}ttl: 600\n {4}value: \[ 192\.0\.2\.9 \]/);
    assert.doesNotMatch(file, /mail\.example\.com/);
    assert.match(file, /# the web server/);
  });

  test('an edit of the file by rename is picked up and answered', async (t) => {
    const s = await start(t);
    replaceFile(
      s.configPath!,
      `${CONFIG.replace('192.0.2.25', '192.0.2.26')}  - { name: added.example.com., type: TXT, value: [by hand] }\n`,
    );
    await waitFor(async () => (await answers(s, 'mail.example.com')).join() === '192.0.2.26', {
      what: 'the edit',
    });
    assert.deepEqual(await answers(s, 'added.example.com', 'TXT'), ['"by hand"']);
    // An API write after that keeps the hand edit.
    assert.equal(
      (await api(s, 'POST', '/api/v1/records', { name: 'api.example.com', type: 'A', value: ['192.0.2.77'] }))
        .status,
      201,
    );
    const file = readFileSync(s.configPath!, 'utf8');
    assert.match(file, /added\.example\.com\./);
    assert.match(file, /api\.example\.com\./);
  });

  test('a Kubernetes ConfigMap volume update (..data symlink swap) is picked up', async (t) => {
    const s = await start(t);
    const dir = dirname(s.configPath!);
    // Rebuild the directory as kubelet lays it out, then swap ..data to a new version.
    mkdirSync(join(dir, '..v1'));
    writeFileSync(join(dir, '..v1', 'config.yaml'), CONFIG);
    symlinkSync('..v1', join(dir, '..data'));
    const link = `${s.configPath!}.link`;
    symlinkSync(join('..data', 'config.yaml'), link);
    renameSync(link, s.configPath!);
    mkdirSync(join(dir, '..v2'));
    writeFileSync(join(dir, '..v2', 'config.yaml'), CONFIG.replace('192.0.2.25', '192.0.2.27'));
    symlinkSync('..v2', join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    await waitFor(async () => (await answers(s, 'mail.example.com')).join() === '192.0.2.27', {
      what: 'the swap',
    });
  });

  test('a broken file keeps the old records serving, /ready is 503 with the reason, a fixed file recovers', async (t) => {
    const s = await start(t);
    assert.equal((await fetch(`${s.url}/ready`)).status, 200);
    replaceFile(
      s.configPath!,
      CONFIG.replace('192.0.2.25]', '192.0.2.26, 999.0.0.1]').replace('192.0.2.1]', '192.0.2.2]'),
    );
    let ready: { ready: boolean; reasons: string[] } = { ready: true, reasons: [] };
    await waitFor(
      async () => {
        const res = await fetch(`${s.url}/ready`);
        ready = (await res.json()) as typeof ready;
        return res.status === 503;
      },
      { what: '/ready to turn 503' },
    );
    assert.equal(ready.ready, false);
    assert.match(ready.reasons.join(), /line 13: records\[2\]: invalid value "999\.0\.0\.1"/);
    assert.deepEqual(await answers(s, 'mail.example.com'), ['192.0.2.25']);
    assert.deepEqual(
      await answers(s, 'www.example.com'),
      ['192.0.2.1'],
      'the good part of a bad file is not applied either',
    );
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    assert.match(metrics, /^jw238dns_sources_source_ok 0$/m);
    assert.match(metrics, /^jw238dns_sources_reload_failures_total\{trigger="watch"\} 1$/m);
    // A write is refused rather than overwrite the broken file.
    const write = await api(s, 'POST', '/api/v1/records', {
      name: 'x.example.com',
      type: 'A',
      value: ['192.0.2.1'],
    });
    assert.equal(write.status, 503);
    assert.equal((write.json as { code: string }).code, 'PERSIST_FAILED');
    // POST /api/v1/reload says the same, with the line.
    const reload = await api(s, 'POST', '/api/v1/reload');
    assert.equal(reload.status, 422);
    assert.equal((reload.json as { line: number }).line, 13);

    replaceFile(s.configPath!, CONFIG.replace('192.0.2.25', '192.0.2.26'));
    await waitFor(async () => (await fetch(`${s.url}/ready`)).status === 200, { what: '/ready to recover' });
    assert.deepEqual(await answers(s, 'mail.example.com'), ['192.0.2.26']);
    assert.match(await (await fetch(`${s.url}/metrics`)).text(), /^jw238dns_sources_source_ok 1$/m);
  });

  test('a write that cannot be persisted is answered PERSIST_FAILED and never served', async (t) => {
    const s = await start(t);
    // Take the directory away under the server: the write-back has nowhere to go.
    rmSync(dirname(s.configPath!), { recursive: true });
    const res = await api(s, 'POST', '/api/v1/records', {
      name: 'lost.example.com',
      type: 'A',
      value: ['192.0.2.66'],
    });
    assert.equal(res.status, 503, JSON.stringify(res.json));
    assert.equal((res.json as { code: string }).code, 'PERSIST_FAILED');
    assert.match((res.json as { error: string }).error, /config\.yaml/);
    assert.equal((await dig(s.port, 'lost.example.com', 'A')).status, 'NXDOMAIN');
    assert.equal((await api(s, 'GET', '/api/v1/records/lost.example.com')).status, 404);
    assert.deepEqual(await answers(s, 'www.example.com'), ['192.0.2.1'], 'the old records keep serving');
  });

  test('100 concurrent API writes to different names all land in the file and are answered', async (t) => {
    const s = await start(t);
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        api(s, 'POST', '/api/v1/records', {
          name: `host${i}.example.com`,
          type: 'A',
          value: [`10.0.${i >> 8}.${i & 255}`],
        }),
      ),
    );
    assert.deepEqual(
      results.map((r) => r.status),
      Array(100).fill(201),
    );
    const file = readFileSync(s.configPath!, 'utf8');
    for (let i = 0; i < 100; i++)
      assert.match(
        file,
        new RegExp(
          `name: host${i}\\.example\\.com\\.\\n {4}type: A\\n {4}ttl: 300\\n {4}value:\\n {6}- 10\\.0\\.0\\.${i}\\n`,
        ),
      );
    assert.match(file, /# the web server/);
    for (const i of [0, 42, 99]) assert.deepEqual(await answers(s, `host${i}.example.com`), [`10.0.0.${i}`]);
    const list = await api(s, 'GET', '/api/v1/records?zone=example.com');
    assert.equal((list.json as unknown[]).length, 103);
  });

  test('/metrics counts the queries dig sent, by qtype and rcode', async (t) => {
    const s = await start(t);
    await dig(s.port, 'www.example.com', 'A');
    await dig(s.port, 'nope.example.com', 'AAAA', '+tcp');
    const text = await (await fetch(`${s.url}/metrics`)).text();
    assert.match(text, /^jw238dns_server_queries_total\{transport="udp",qtype="A",rcode="NOERROR"\} 1$/m);
    assert.match(text, /^jw238dns_server_queries_total\{transport="tcp",qtype="AAAA",rcode="NXDOMAIN"\} 1$/m);
    assert.match(text, /^jw238dns_server_query_duration_seconds_count\{transport="udp"\} 1$/m);
    assert.match(text, /^jw238dns_store_rrsets 3$/m);
  });

  test('the HTTP server listens on every listen address, as DNS does', async (t) => {
    const s = await startServer(t, `listen: ["127.0.0.1", "::1"]\n${CONFIG}`, silentLogger(), { http: true });
    for (const host of ['127.0.0.1', '[::1]']) {
      const res = await fetch(`http://${host}:${s.httpPort}/api/v1/records/www.example.com`, {
        headers: { authorization: `Bearer ${s.token}` },
      });
      assert.equal(res.status, 200, host);
    }
    // A request to the second address is served by the same app: counted in the same metrics.
    const text = await (await fetch(`http://[::1]:${s.httpPort}/metrics`)).text();
    assert.match(
      text,
      /jw238dns_api_requests_total\{method="GET",route="\/api\/v1\/records\/:name",status="200"\} 2/,
    );
  });

  test('/ready is 503 while shutting down', async (t) => {
    const s = await start(t);
    const stopping = s.app.stop();
    assert.deepEqual(s.app.readiness().reasons.includes('shutting down'), true);
    await stopping;
  });
});
