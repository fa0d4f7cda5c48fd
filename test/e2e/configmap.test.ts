// The ConfigMap as the source of truth, end to end (issue 7; behavior.md §5): a real app with
// `kubernetes.configmap` set, the real @kubernetes/client-node against the fake API server
// (test/helpers/fake-kube.ts), answers checked with dig and writes made through the HTTP API.
// The fake authorises every request with the rules of deploy/kubernetes/app/role.yaml, so these
// tests also prove the shipped Role is enough. The resync is an hour here: a change that is
// served was delivered by the watch.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { dig } from '../helpers/dig.ts';
import { FakeKube, type PolicyRule, startConfigMapServer } from '../helpers/fake-kube.ts';
import { api, type Running } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';

const NAME = 'jw238dns'; // the Role's resourceNames allow this name only
const ROLE = parse(
  readFileSync(new URL('../../deploy/kubernetes/app/role.yaml', import.meta.url), 'utf8'),
) as {
  rules: PolicyRule[];
};

const TEXT = `# records for the configmap e2e test: this comment must survive write-back
records:
  # ---- example.com. ----
  - name: example.com.
    type: SOA
    value: ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300
  - name: www.example.com.
    type: A
    value: [192.0.2.1] # primary
`;

let fake: FakeKube;
let namespaces = 0;

before(async () => {
  fake = await FakeKube.start({ rules: ROLE.rules });
});
after(() => fake.close());

/** setup creates a namespace of its own with the ConfigMap and starts a server on it. */
async function setup(
  t: Parameters<typeof startConfigMapServer>[0],
  text = TEXT,
  config = '',
): Promise<{ s: Running; ns: string }> {
  const ns = `test-${++namespaces}`;
  fake.create(ns, NAME, { 'config.yaml': text });
  const s = await startConfigMapServer(t, fake, { namespace: ns, name: NAME, config });
  return { s, ns };
}

/** ApiError is the body of an API error response (docs/errors.md). */
type ApiError = { code: string; error: string };

async function answers(s: Running, name: string, type = 'A'): Promise<string[]> {
  return (await dig(s.port, name, type, '+norec')).answer
    .map((a) => a.split(/\s+/).slice(4).join(' '))
    .sort();
}

const served = (s: Running, name: string, value: string) => async () =>
  (await answers(s, name)).includes(value);

function stored(ns: string): string {
  return fake.get(ns, NAME)?.data?.['config.yaml'] ?? '';
}

function editText(ns: string, change: (text: string) => string): void {
  fake.edit(ns, NAME, (d) => {
    d['config.yaml'] = change(d['config.yaml'] ?? '');
  });
}

const APPEND = (name: string, address: string) => (text: string) =>
  `${text}  - name: ${name}\n    type: A\n    value: [${address}]\n`;

function requests(ns: string) {
  return fake.requests.filter((r) => r.path.startsWith(`/api/v1/namespaces/${ns}/`));
}

describe('ConfigMap source', () => {
  test('initial load: the ConfigMap is served, not the records of the config file', async (t) => {
    const { s } = await setup(
      t,
      TEXT,
      'records:\n  - name: stale.example.com.\n    type: A\n    value: [192.0.2.99]\n',
    );
    assert.deepEqual(await answers(s, 'www.example.com'), ['192.0.2.1']);
    assert.equal((await dig(s.port, 'stale.example.com', 'A', '+norec')).status, 'NXDOMAIN');
    const ready = await fetch(`${s.url}/ready`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { ready: true, reasons: [] });
  });

  test('an out-of-band edit (kubectl edit) is served through the watch', async (t) => {
    const { s, ns } = await setup(t);
    const edited = performance.now();
    editText(ns, (text) => text.replace('192.0.2.1', '192.0.2.2'));
    await waitFor(served(s, 'www.example.com', '192.0.2.2'), { what: 'the edit to be served' });
    // Reported, not asserted (no wall-clock assertions): the watch plus the 20 ms test debounce.
    t.diagnostic(`served ${Math.round(performance.now() - edited)} ms after the edit`);
    assert.deepEqual(await answers(s, 'www.example.com'), ['192.0.2.2']);
  });

  test('an API write lands in the ConfigMap with a new resourceVersion, comments kept', async (t) => {
    const { s, ns } = await setup(t);
    const before = fake.get(ns, NAME)?.metadata.resourceVersion;
    const res = await api(s, 'POST', '/api/v1/records', {
      name: 'app.example.com',
      type: 'A',
      value: ['192.0.2.50'],
    });
    assert.equal(res.status, 201);
    const after = fake.get(ns, NAME)?.metadata.resourceVersion;
    assert.notEqual(after, before);
    const text = stored(ns);
    assert.match(
      text,
      /- name: app\.example\.com\.\n {4}type: A\n {4}ttl: 300\n {4}value:\n {6}- 192\.0\.2\.50/,
    );
    assert.match(text, /^# records for the configmap e2e test: this comment must survive write-back$/m);
    assert.match(text, /value: \[ ?192\.0\.2\.1 ?\] # primary/);
    assert.deepEqual(await answers(s, 'app.example.com'), ['192.0.2.50']); // acknowledged = served
    const puts = requests(ns).filter((r) => r.verb === 'update');
    assert.equal(puts.length, 1);
    assert.ok(
      puts.every((r) => r.unconditional === undefined),
      'written with the resourceVersion',
    );
    // The echo of our own write comes back through the watch and changes nothing.
    await waitFor(() => s.app.sync.status().started, { what: 'started' });
    const version = s.app.store.version;
    editText(ns, (t2) => t2.replace(/192\.0\.2\.1 ?\]/, '192.0.2.1, 192.0.2.3]'));
    await waitFor(served(s, 'www.example.com', '192.0.2.3'), { what: 'a later edit' });
    assert.equal(s.app.store.version, version + 1, 'only the later edit was applied, not our own echo');
  });

  test('a concurrent write: 409, re-read, re-applied, both changes kept', async (t) => {
    const { s, ns } = await setup(t);
    // Someone else's write lands between our read and our PUT.
    fake.beforeNextUpdate(() => editText(ns, APPEND('other.example.com.', '192.0.2.77')));
    const res = await api(s, 'POST', '/api/v1/records', {
      name: 'mine.example.com',
      type: 'A',
      value: ['192.0.2.66'],
    });
    assert.equal(res.status, 201);
    const puts = requests(ns).filter((r) => r.verb === 'update');
    assert.deepEqual(
      puts.map((r) => r.status),
      [409, 200],
    );
    const text = stored(ns);
    assert.match(text, /other\.example\.com\./);
    assert.match(text, /mine\.example\.com\./);
    assert.deepEqual(await answers(s, 'mine.example.com'), ['192.0.2.66']);
    assert.deepEqual(await answers(s, 'other.example.com'), ['192.0.2.77']);
  });

  test('compaction: the resumed watch gets 410, relists, and nothing is lost', async (t) => {
    const { s, ns } = await setup(t);
    await waitFor(() => requests(ns).some((r) => r.verb === 'watch'), { what: 'the watch' });
    fake.pauseWatches();
    fake.dropWatches();
    editText(ns, APPEND('missed.example.com.', '192.0.2.88'));
    fake.compact();
    fake.resumeWatches();
    await waitFor(served(s, 'missed.example.com', '192.0.2.88'), { what: 'the missed edit' });
    assert.ok(requests(ns).some((r) => r.verb === 'watch' && r.expired));
    assert.equal(requests(ns).filter((r) => r.verb === 'list').length, 2);
    assert.deepEqual(await answers(s, 'www.example.com'), ['192.0.2.1']);
  });

  test('all watches dropped: resumed, and the next edit is served', async (t) => {
    const { s, ns } = await setup(t);
    await waitFor(() => requests(ns).some((r) => r.verb === 'watch'), { what: 'the watch' });
    fake.dropWatches();
    await waitFor(() => requests(ns).filter((r) => r.verb === 'watch').length >= 2, {
      what: 'the resumed watch',
    });
    editText(ns, APPEND('after-drop.example.com.', '192.0.2.89'));
    await waitFor(served(s, 'after-drop.example.com', '192.0.2.89'), { what: 'the edit after the drop' });
  });

  test('API server refusing connections: DNS keeps answering, writes fail cleanly, sync resumes', async (t) => {
    const { s, ns } = await setup(t);
    await waitFor(() => requests(ns).some((r) => r.verb === 'watch'), { what: 'the watch' });
    await fake.down();
    try {
      for (let i = 0; i < 5; i++) assert.deepEqual(await answers(s, 'www.example.com'), ['192.0.2.1']);
      const res = await api(s, 'POST', '/api/v1/records', {
        name: 'lost.example.com',
        type: 'A',
        value: ['192.0.2.90'],
      });
      assert.equal(res.status, 503);
      assert.equal((res.json as ApiError).code, 'PERSIST_FAILED');
      assert.match((res.json as ApiError).error, /cannot reach the API server: ECONNREFUSED/);
      assert.equal((await dig(s.port, 'lost.example.com', 'A', '+norec')).status, 'NXDOMAIN', 'not applied');
      // Readiness stays: every replica shares the API server, and the records are still served.
      assert.equal((await fetch(`${s.url}/ready`)).status, 200);
      editText(ns, APPEND('during.example.com.', '192.0.2.91'));
    } finally {
      await fake.up();
    }
    await waitFor(served(s, 'during.example.com', '192.0.2.91'), { what: 'the edit made during the outage' });
    const res = await api(s, 'POST', '/api/v1/records', {
      name: 'later.example.com',
      type: 'A',
      value: ['192.0.2.92'],
    });
    assert.equal(res.status, 201);
    assert.match(stored(ns), /later\.example\.com\./);
    assert.doesNotMatch(stored(ns), /lost\.example\.com\./);
  });

  test('an invalid ConfigMap is refused: old records served, /ready says why, writes refused', async (t) => {
    const { s, ns } = await setup(t);
    editText(ns, (text) => text.replace('192.0.2.1]', '999.0.0.1]'));
    let ready = { ready: false, reasons: [] as string[] };
    await waitFor(
      async () => {
        ready = (await (await fetch(`${s.url}/ready`)).json()) as typeof ready;
        return ready.reasons.length > 0;
      },
      { what: '/ready to report the refusal' },
    );
    assert.equal(ready.ready, true, 'the records loaded before keep the replica in the Service');
    assert.match(
      ready.reasons.join(),
      /ConfigMap test-\d+\/jw238dns, key config\.yaml: line 7: records\[1\]: invalid value/,
    );
    assert.deepEqual(await answers(s, 'www.example.com'), ['192.0.2.1']);
    const res = await api(s, 'POST', '/api/v1/records', {
      name: 'x.example.com',
      type: 'A',
      value: ['192.0.2.5'],
    });
    assert.equal(res.status, 503);
    assert.equal((res.json as ApiError).code, 'PERSIST_FAILED');
    assert.match(stored(ns), /999\.0\.0\.1/, 'the broken text is not overwritten');
    editText(ns, (text) => text.replace('999.0.0.1]', '192.0.2.4]'));
    await waitFor(served(s, 'www.example.com', '192.0.2.4'), { what: 'the fixed text' });
    assert.deepEqual(await (await fetch(`${s.url}/ready`)).json(), { ready: true, reasons: [] });
  });

  test('a write that would take the ConfigMap over 1 MiB is refused with PERSIST_FAILED', async (t) => {
    const padding = `# ${'x'.repeat(1024 * 1024 - 2000)}\n`;
    const { s, ns } = await setup(t, padding + TEXT);
    const value = Array.from({ length: 20 }, (_, i) => `v=${i} ${'z'.repeat(200)}`);
    const res = await api(s, 'POST', '/api/v1/records', { name: 'big.example.com', type: 'TXT', value });
    assert.equal(res.status, 503);
    assert.equal((res.json as ApiError).code, 'PERSIST_FAILED');
    assert.match((res.json as ApiError).error, /over the 1048576 bytes \(1 MiB\) Kubernetes allows/);
    assert.equal(requests(ns).filter((r) => r.verb === 'update').length, 0);
    assert.equal((await dig(s.port, 'big.example.com', 'TXT', '+norec')).status, 'NXDOMAIN');
  });

  test('a deleted ConfigMap keeps the last records serving until it is back', async (t) => {
    const { s, ns } = await setup(t);
    await waitFor(() => requests(ns).some((r) => r.verb === 'watch'), { what: 'the watch' });
    fake.delete(ns, NAME);
    await waitFor(
      async () =>
        ((await (await fetch(`${s.url}/ready`)).json()) as { reasons: string[] }).reasons.length > 0,
      { what: 'the refusal' },
    );
    assert.deepEqual(await answers(s, 'www.example.com'), ['192.0.2.1']);
    fake.create(ns, NAME, { 'config.yaml': TEXT.replace('192.0.2.1', '192.0.2.9') });
    await waitFor(served(s, 'www.example.com', '192.0.2.9'), { what: 'the re-created ConfigMap' });
  });

  test('a server that never loaded its ConfigMap is not ready', async (t) => {
    const ns = `test-${++namespaces}`; // no ConfigMap there
    const s = await startConfigMapServer(t, fake, { namespace: ns, name: NAME });
    const res = await fetch(`${s.url}/ready`);
    assert.equal(res.status, 503);
    assert.match(
      ((await res.json()) as { reasons: string[] }).reasons.join(),
      /ConfigMap test-\d+\/jw238dns not found/,
    );
    fake.create(ns, NAME, { 'config.yaml': TEXT });
    await waitFor(async () => (await fetch(`${s.url}/ready`)).status === 200, { what: 'ready once created' });
    assert.deepEqual(await answers(s, 'www.example.com'), ['192.0.2.1']);
  });
});
