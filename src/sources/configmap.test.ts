// ConfigMapSource with the real @kubernetes/client-node 1.4.0 against the fake API server
// (test/helpers/fake-kube.ts, the protocol of notes/kubernetes.md): read, optimistic write, and a
// watch that survives a 410, dropped streams, an API server that goes away and a stalled stream.
import assert from 'node:assert/strict';
import { after, before, describe, type TestContext, test } from 'node:test';
import { FakeKube } from '../../test/helpers/fake-kube.ts';
import { waitFor } from '../../test/helpers/wait.ts';
import { ConfigMapSource, type ConfigMapSourceOptions } from './configmap.ts';
import { PersistError, SourceConflictError } from './source.ts';

const NS = 'dns';
const TEXT = 'records: [] # the first text\n';
const HOUR = 3_600_000;

let fake: FakeKube;
let counter = 0;

before(async () => {
  fake = await FakeKube.start();
});
after(() => fake.close());

/** fresh creates a ConfigMap of its own for one test and a source on it. */
function fresh(options: ConfigMapSourceOptions = {}, data: Record<string, string> = { 'config.yaml': TEXT }) {
  const name = `cm-${++counter}`;
  fake.create(NS, name, data);
  const source = new ConfigMapSource(
    { namespace: NS, name, key: 'config.yaml' },
    { kubeconfig: fake.kubeconfig(), resyncMs: HOUR, backoff: { initialMs: 20, maxMs: 200 }, ...options },
  );
  return { name, source };
}

/** watched makes a fresh source, reads it once, watches it counting changes, and waits for its watch. */
async function watched(t: TestContext, options: ConfigMapSourceOptions = {}) {
  const { name, source } = fresh(options);
  const seen = { changes: 0 };
  await source.read();
  t.after(
    source.watch(
      () => seen.changes++,
      () => undefined,
    ),
  );
  await waitFor(() => requestsFor(name).some((r) => r.verb === 'watch'), { what: 'the watch' });
  return { name, source, seen };
}

/** requests returns the logged requests for one ConfigMap name (by path or field selector). */
function requestsFor(name: string) {
  return fake.requests.filter(
    (r) => r.path.endsWith(`/configmaps/${name}`) || r.query.fieldSelector === `metadata.name=${name}`,
  );
}

describe('read', () => {
  test('returns the key and the resourceVersion; names the ConfigMap in its description', async () => {
    const { name, source } = fresh();
    const snapshot = await source.read();
    assert.equal(snapshot.text, TEXT);
    assert.equal(snapshot.revision, fake.get(NS, name)?.metadata.resourceVersion);
    assert.equal(source.description, `ConfigMap ${NS}/${name}, key config.yaml`);
  });

  test('an empty namespace is the kubeconfig context namespace', async () => {
    const name = `cm-${++counter}`;
    fake.create('elsewhere', name, { 'config.yaml': TEXT });
    const source = new ConfigMapSource(
      { namespace: '', name, key: 'config.yaml' },
      { kubeconfig: fake.kubeconfig('elsewhere') },
    );
    assert.equal((await source.read()).text, TEXT);
    assert.equal(source.description, `ConfigMap elsewhere/${name}, key config.yaml`);
  });

  test('a missing ConfigMap, a missing key and a refused token say so', async () => {
    const missing = new ConfigMapSource(
      { namespace: NS, name: 'nope', key: 'config.yaml' },
      { kubeconfig: fake.kubeconfig() },
    );
    await assert.rejects(missing.read(), /ConfigMap dns\/nope not found/);
    const { source: noKey } = fresh({}, { other: 'x' });
    await assert.rejects(noKey.read(), /config\.yaml is not a key of ConfigMap dns\/cm-\d+/);
    const { name } = fresh();
    const badToken = new ConfigMapSource(
      { namespace: NS, name, key: 'config.yaml' },
      { kubeconfig: fake.kubeconfig().replace(fake.token, 'wrong') },
    );
    await assert.rejects(badToken.read(), /refused the credentials \(401 Unauthorized\)/);
  });
});

describe('write', () => {
  test('replaces only the key, carrying the resourceVersion read; the new one comes back', async () => {
    const { name, source } = fresh({}, { 'config.yaml': TEXT, other: 'kept' });
    const read = await source.read();
    const written = await source.write('records: [] # second\n', read.revision);
    const stored = fake.get(NS, name);
    assert.equal(stored?.data?.['config.yaml'], 'records: [] # second\n');
    assert.equal(stored?.data?.other, 'kept');
    assert.equal(written.revision, stored?.metadata.resourceVersion);
    assert.notEqual(written.revision, read.revision);
    const puts = requestsFor(name).filter((r) => r.verb === 'update');
    assert.equal(puts.length, 1);
    assert.equal(puts[0]?.unconditional, undefined, 'every PUT carries a resourceVersion');
  });

  test('a stale resourceVersion is a 409: SourceConflictError, nothing written', async () => {
    const { name, source } = fresh();
    const read = await source.read();
    fake.edit(NS, name, (d) => {
      d['config.yaml'] = 'records: [] # someone else\n';
    });
    await assert.rejects(source.write('records: [] # mine\n', read.revision), SourceConflictError);
    assert.equal(fake.get(NS, name)?.data?.['config.yaml'], 'records: [] # someone else\n');
    assert.ok(requestsFor(name).some((r) => r.verb === 'update' && r.status === 409));
  });

  test('a write based on an older read is checked against the server: conflict without a PUT', async () => {
    const { name, source } = fresh();
    const first = await source.read();
    fake.edit(NS, name, (d) => {
      d['config.yaml'] = 'records: [] # b\n';
    });
    await source.read(); // the source now holds the newer object
    await assert.rejects(source.write('records: [] # c\n', first.revision), SourceConflictError);
    assert.equal(requestsFor(name).filter((r) => r.verb === 'update').length, 0);
  });

  test('unchanged text is not sent', async () => {
    const { name, source } = fresh();
    const read = await source.read();
    assert.deepEqual(await source.write(TEXT, read.revision), read);
    assert.equal(requestsFor(name).filter((r) => r.verb === 'update').length, 0);
  });

  test('over 1 MiB is refused before sending, with the size in the message', async () => {
    const { name, source } = fresh({}, { 'config.yaml': TEXT, big: 'x'.repeat(1024 * 1024 - 200) });
    const read = await source.read();
    await assert.rejects(
      source.write(`records: [] # ${'y'.repeat(400)}\n`, read.revision),
      (e: unknown) =>
        e instanceof PersistError &&
        /would hold 1048\d{3} bytes, over the 1048576 bytes \(1 MiB\) Kubernetes allows/.test(e.message),
    );
    assert.equal(requestsFor(name).filter((r) => r.verb === 'update').length, 0);
  });

  test('any other failure is a PersistError naming the source and the reason', async () => {
    const { source } = fresh();
    const read = await source.read();
    fake.failNext('PUT', 500);
    await assert.rejects(
      source.write('records: [] # x\n', read.revision),
      (e: unknown) =>
        e instanceof PersistError &&
        /ConfigMap dns\/cm-\d+, key config\.yaml: not written back: the API server answered 500: injected failure 500/.test(
          e.message,
        ),
    );
  });
});

describe('watch', () => {
  test('an out-of-band edit calls onChange; our own write echoing back does not', async (t) => {
    const { name, source } = fresh();
    let changes = 0;
    const stop = source.watch(
      () => changes++,
      () => undefined,
    );
    t.after(stop);
    const read = await source.read();
    await waitFor(() => fake.openWatches > 0 && requestsFor(name).some((r) => r.verb === 'watch'), {
      what: 'the watch',
    });
    await source.write('records: [] # ours\n', read.revision);
    fake.edit(NS, name, (d) => {
      d['config.yaml'] = 'records: [] # theirs\n';
    });
    await waitFor(() => changes > 0, { what: 'the edit to be seen' });
    assert.equal(changes, 1, 'the echo of our own write is not a change');
  });

  test('410 Expired after a compaction: relists and sees what it missed', async (t) => {
    const { name, seen } = await watched(t);
    fake.pauseWatches(); // the resumed watch is held until the history is gone
    fake.dropWatches();
    fake.edit(NS, name, (d) => {
      d['config.yaml'] = 'records: [] # while away\n';
    });
    fake.compact();
    fake.resumeWatches();
    await waitFor(() => seen.changes > 0, { what: 'the missed edit' });
    const log = requestsFor(name);
    assert.ok(
      log.some((r) => r.verb === 'watch' && r.expired),
      'the watch from the old version got 410',
    );
    assert.equal(log.filter((r) => r.verb === 'list').length, 2, 'listed again after the 410');
  });

  test('a dropped stream is resumed from the last resourceVersion, without a relist', async (t) => {
    const { name, seen } = await watched(t);
    fake.dropWatches();
    await waitFor(() => requestsFor(name).filter((r) => r.verb === 'watch').length === 2, {
      what: 'the resumed watch',
    });
    fake.edit(NS, name, (d) => {
      d['config.yaml'] = 'records: [] # after the drop\n';
    });
    await waitFor(() => seen.changes > 0, { what: 'the edit' });
    assert.equal(requestsFor(name).filter((r) => r.verb === 'list').length, 1);
  });

  test('an API server that refuses connections: onError once, restarted with backoff, changes seen after', async (t) => {
    const { name, source } = fresh();
    let changes = 0;
    const errors: Error[] = [];
    await source.read();
    const stop = source.watch(
      () => changes++,
      (e) => errors.push(e),
    );
    t.after(stop);
    await waitFor(() => requestsFor(name).some((r) => r.verb === 'watch'), { what: 'the watch' });
    await fake.down();
    await waitFor(() => errors.length > 0, { what: 'the error' });
    // Several restarts fail while it is down (backoff 20–200 ms): still one onError.
    await new Promise((r) => setTimeout(r, 400));
    fake.edit(NS, name, (d) => {
      d['config.yaml'] = 'records: [] # during the outage\n';
    });
    await fake.up();
    await waitFor(() => changes > 0, { what: 'the change made during the outage' });
    assert.equal(errors.length, 1);
    assert.match(errors[0]?.message ?? '', /ConfigMap dns\/cm-\d+, key config\.yaml: watch stopped: /);
  });

  test('streams that keep ending at once: treated as an error and backed off, then resumed', async (t) => {
    const { name, source } = fresh();
    let changes = 0;
    const errors: Error[] = [];
    await source.read();
    fake.endWatchesAtOnce(true);
    t.after(() => fake.endWatchesAtOnce(false));
    const stop = source.watch(
      () => changes++,
      (e) => errors.push(e),
    );
    t.after(stop);
    await waitFor(() => errors.length > 0, { what: 'the error' });
    assert.match(
      errors[0]?.message ?? '',
      /watch stopped: the watch stream keeps ending as soon as it opens/,
    );
    fake.endWatchesAtOnce(false);
    await waitFor(() => fake.openWatches > 0 && requestsFor(name).length > 0, {
      what: 'a watch that stays open',
    });
    fake.edit(NS, name, (d) => {
      d['config.yaml'] = 'records: [] # after the storm\n';
    });
    await waitFor(() => changes > 0, { what: 'the edit' });
  });

  test('a stalled stream: the resync applies the change, then restarts the watch', async (t) => {
    const { name, seen } = await watched(t, { resyncMs: 100 });
    fake.stallWatches();
    fake.edit(NS, name, (d) => {
      d['config.yaml'] = 'records: [] # not delivered\n';
    });
    await waitFor(() => seen.changes > 0, { what: 'the resync to see the edit' });
    await waitFor(() => requestsFor(name).filter((r) => r.verb === 'list').length === 2, {
      what: 'the watch restart',
    });
  });

  test('a deleted ConfigMap is a change (the read then fails and the sync keeps the records)', async (t) => {
    const { name, source, seen } = await watched(t);
    fake.delete(NS, name);
    await waitFor(() => seen.changes > 0, { what: 'the deletion' });
    await assert.rejects(source.read(), /not found/);
  });

  test('a deletion between the first read and the watch is seen (the list comes back empty)', async (t) => {
    const { name, source } = fresh();
    let changes = 0;
    await source.read();
    fake.delete(NS, name);
    const stop = source.watch(
      () => changes++,
      () => undefined,
    );
    t.after(stop);
    await waitFor(() => changes > 0, { what: 'the deletion' });
  });

  test('stop closes the stream and no change is reported after', async () => {
    const { name, source } = fresh();
    let changes = 0;
    await source.read();
    const open = fake.openWatches;
    const stop = source.watch(
      () => changes++,
      () => undefined,
    );
    await waitFor(() => fake.openWatches === open + 1, { what: 'the watch' });
    stop();
    await waitFor(() => fake.openWatches === open, { what: 'the stream to close' });
    fake.edit(NS, name, (d) => {
      d['config.yaml'] = 'records: [] # after stop\n';
    });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(changes, 0);
  });
});
