// The real process with its HTTP API: the generated token, SIGHUP as a reload, API writes in
// flight at SIGTERM, and write-back to a file the process may not write.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, type TestContext, test } from 'node:test';
import { dig } from '../helpers/dig.ts';
import { type Listening, logged, startJw238dns } from '../helpers/process.ts';

const NOBODY = 65534;

const CONFIG = `# served by the api-process test
records:
  - name: example.com.
    type: SOA
    value: ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300
  - name: www.example.com.
    type: A
    value: [192.0.2.10]
`;

interface Proc extends Listening {
  path: string;
}

async function startProcess(
  t: TestContext,
  text: string,
  options: { uid?: number; token?: string } = {},
): Promise<Proc> {
  const dir = mkdtempSync(join(tmpdir(), 'jw238dns-proc-'));
  chmodSync(dir, 0o755);
  const path = join(dir, 'config.yaml');
  writeFileSync(path, text);
  const p = await startJw238dns(t, path, {
    env: { JW238DNS_API_TOKEN: options.token ?? '' },
    ...(options.uid === undefined ? {} : { uid: options.uid }),
  });
  return { ...p, path };
}

function post(p: Proc, token: string, body: unknown): Promise<Response> {
  return fetch(`${p.url}/api/v1/records`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

describe('the process with its API', () => {
  test('with no token configured one is generated and logged once, and only it opens the API', async (t) => {
    const p = await startProcess(t, CONFIG);
    const tokens = p.lines().filter((l) => typeof l.token === 'string');
    assert.equal(tokens.length, 1);
    assert.match(String(tokens[0]?.msg), /generated/);
    const token = tokens[0]?.token as string;
    assert.ok(token.length >= 40, token);
    assert.equal((await fetch(`${p.url}/api/v1/records`)).status, 401);
    assert.equal(
      (await fetch(`${p.url}/api/v1/records`, { headers: { authorization: 'Bearer guess' } })).status,
      401,
    );
    const ok = await fetch(`${p.url}/api/v1/records`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(ok.status, 200);
    assert.equal(((await ok.json()) as unknown[]).length, 2);
    assert.equal((await fetch(`${p.url}/ready`)).status, 200);
  });

  test('JW238DNS_API_TOKEN sets the token, and nothing is generated or logged', async (t) => {
    const p = await startProcess(t, CONFIG, { token: 'from-the-environment' });
    assert.equal(p.lines().filter((l) => 'token' in l).length, 0);
    const res = await fetch(`${p.url}/api/v1/records`, {
      headers: { authorization: 'Bearer from-the-environment' },
    });
    assert.equal(res.status, 200);
  });

  test('kill -HUP reloads the file and logs what changed; a broken file is refused with its line', async (t) => {
    const p = await startProcess(t, CONFIG, { token: 't' });
    writeFileSync(p.path, `${CONFIG}  - { name: bad.example.com., type: A, value: [1.2.3] }\n`);
    p.child.kill('SIGHUP');
    const failed = await p.waitForLog(
      logged('reload on SIGHUP failed; serving the previous records'),
      'the refused reload',
    );
    assert.equal(failed.line, 9);
    assert.match(String(failed.error), /records\[2\]: invalid value "1\.2\.3"/);

    writeFileSync(p.path, CONFIG.replace('192.0.2.10', '192.0.2.20'));
    p.child.kill('SIGHUP');
    const done = await p.waitForLog(logged('reloaded records on SIGHUP'), 'the reload');
    for (const key of ['added', 'updated', 'deleted', 'version', 'durationMs'])
      assert.equal(typeof done[key], 'number', key);
    assert.deepEqual((await dig(p.dns, 'www.example.com', 'A')).answer, [
      'www.example.com. 300 IN A 192.0.2.20',
    ]);
  });

  test('SIGTERM lets API writes in flight finish: every write acknowledged is in the file', async (t) => {
    const p = await startProcess(t, CONFIG, { token: 't' });
    // SIGTERM goes out as soon as the first write is acknowledged, while the others are queued
    // behind it (each is persisted in turn): those must still be persisted and answered.
    let first: () => void = () => {};
    const acknowledged = new Promise<void>((r) => {
      first = r;
    });
    const writes = Array.from({ length: 100 }, (_, i) =>
      post(p, 't', { name: `w${i}.example.com`, type: 'A', value: [`10.9.0.${i}`] }).then(
        (r) => {
          if (r.status === 201) first();
          return r.status;
        },
        () => 0, // refused: the server had stopped accepting
      ),
    );
    await acknowledged;
    p.child.kill('SIGTERM');
    const statuses = await Promise.all(writes);
    const { code } = await p.exit();
    assert.equal(code, 0, p.output());
    const file = readFileSync(p.path, 'utf8');
    const count = (n: number) => statuses.filter((s) => s === n).length;
    t.diagnostic(
      `after SIGTERM: ${count(201)} written, ${count(503)} refused while closing, ${count(0)} not connected`,
    );
    assert.ok(count(201) > 1, 'no write was in flight at SIGTERM');
    statuses.forEach((status, i) => {
      assert.ok([0, 201, 503].includes(status), `write ${i}: ${status}`);
      if (status === 201)
        assert.match(
          file,
          new RegExp(`name: w${i}\\.example\\.com\\.`),
          `write ${i} was acknowledged but is not in the file`,
        );
    });
    assert.match(file, /^# served by the api-process test\n/);
  });

  test('a config file the process may not write: PERSIST_FAILED, nothing served, the file untouched', async (t) => {
    // As root every file is writable, so run the server as nobody when the tests run as root.
    const root = process.getuid?.() === 0;
    const p = await startProcess(t, CONFIG, { token: 't', ...(root ? { uid: NOBODY } : {}) });
    chmodSync(p.path, 0o444);
    const res = await post(p, 't', { name: 'new.example.com', type: 'A', value: ['192.0.2.99'] });
    const body = (await res.json()) as { code: string; error: string };
    assert.equal(res.status, 503, JSON.stringify(body));
    assert.equal(body.code, 'PERSIST_FAILED');
    assert.match(body.error, /config\.yaml: not writable: permission denied/);
    assert.equal((await dig(p.dns, 'new.example.com', 'A')).status, 'NXDOMAIN');
    assert.equal(readFileSync(p.path, 'utf8'), CONFIG);
    const metrics = await (await fetch(`${p.url}/metrics`)).text();
    assert.match(metrics, /^jw238dns_sources_persist_failures_total 1$/m);
  });
});
