// Two jw238dns processes on one (fake) API server converge (issue 7, behavior.md §5): each is the
// real `jw238dns --config FILE` with `kubernetes.configmap` in the file and credentials from
// $KUBECONFIG, as a replica of deploy/kubernetes would run (there with the service account). A
// write through either replica is served by both; concurrent writes through both are both kept.
// The fake enforces the shipped Role, and the processes keep the default one-minute resync, so
// what converges here converged through the watch.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, type TestContext, test } from 'node:test';
import { parse } from 'yaml';
import { dig } from '../helpers/dig.ts';
import { FakeKube, type PolicyRule } from '../helpers/fake-kube.ts';
import { type Listening, startJw238dns } from '../helpers/process.ts';
import { waitFor } from '../helpers/wait.ts';

const NS = 'replicas';
const NAME = 'jw238dns';
const TOKEN = 'replica-test-token';
const ROLE = parse(
  readFileSync(new URL('../../deploy/kubernetes/app/role.yaml', import.meta.url), 'utf8'),
) as {
  rules: PolicyRule[];
};

const CONFIG = `# the ConfigMap's config.yaml, also mounted as the config file
kubernetes:
  configmap:
    name: ${NAME}
records:
  - name: example.com.
    type: SOA
    value: ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300
  - name: www.example.com.
    type: A
    value: [192.0.2.1]
`;

let fake: FakeKube;
let dir: string;

// Bounded waits, not timing assertions: generous, for a loaded CI machine running two processes.
const WAIT_MS = 30_000;

async function startReplica(t: TestContext): Promise<Listening> {
  const replica = await startJw238dns(t, join(dir, 'config.yaml'), {
    env: { KUBECONFIG: join(dir, 'kubeconfig'), JW238DNS_API_TOKEN: TOKEN },
  });
  await waitFor(async () => (await fetch(`${replica.url}/ready`).catch(() => undefined))?.status === 200, {
    what: () => `the replica to be ready\n${replica.output()}`,
    timeoutMs: WAIT_MS,
  });
  return replica;
}

async function post(r: Listening, name: string, address: string): Promise<number> {
  const res = await fetch(`${r.url}/api/v1/records`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name, type: 'A', value: [address] }),
  });
  await res.text();
  return res.status;
}

async function answers(r: Listening, name: string): Promise<string[]> {
  return (await dig(r.dns, name, 'A', '+norec')).answer.map((a) => a.split(/\s+/).slice(4).join(' ')).sort();
}

before(async () => {
  fake = await FakeKube.start({ rules: ROLE.rules });
  fake.create(NS, NAME, { 'config.yaml': CONFIG });
  dir = mkdtempSync(join(tmpdir(), 'jw238dns-replicas-'));
  writeFileSync(join(dir, 'config.yaml'), CONFIG);
  writeFileSync(join(dir, 'kubeconfig'), fake.kubeconfig(NS)); // the context's namespace: no namespace in the config
});

after(() => fake.close());

test('two replicas on one ConfigMap converge: writes through either are served by both', async (t) => {
  const [a, b] = await Promise.all([startReplica(t), startReplica(t)]);
  assert.ok(a !== undefined && b !== undefined);
  assert.deepEqual(await answers(b, 'www.example.com'), ['192.0.2.1']);

  // Created through A, answered by B.
  assert.equal(await post(a, 'app.example.com', '192.0.2.50'), 201);
  const acknowledged = performance.now();
  await waitFor(async () => (await answers(b, 'app.example.com')).includes('192.0.2.50'), {
    what: 'B to serve A’s write',
    timeoutMs: WAIT_MS,
  });
  // Reported, not asserted: the watch delivery plus B's 150 ms debounce (and dig's own start).
  t.diagnostic(
    `B served A's write ${Math.round(performance.now() - acknowledged)} ms after A acknowledged it`,
  );

  // Changed through B, answered by A.
  const put = await fetch(`${b.url}/api/v1/records/app.example.com`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'A', value: ['192.0.2.51'] }),
  });
  assert.equal(put.status, 200);
  await waitFor(async () => (await answers(a, 'app.example.com')).includes('192.0.2.51'), {
    what: 'A to serve B’s write',
    timeoutMs: WAIT_MS,
  });

  // Concurrent writes through both: one of them meets a 409, re-reads and retries; both are kept.
  const names = Array.from({ length: 6 }, (_, i) => `c${i}.example.com`);
  const statuses = await Promise.all(names.map((n, i) => post(i % 2 === 0 ? a : b, n, `192.0.2.${100 + i}`)));
  assert.deepEqual(statuses, [201, 201, 201, 201, 201, 201]);
  const text = fake.get(NS, NAME)?.data?.['config.yaml'] ?? '';
  for (const n of names) assert.match(text, new RegExp(`name: ${n.replaceAll('.', '\\.')}\\.`));
  for (const r of [a, b]) {
    for (const [i, n] of names.entries()) {
      await waitFor(async () => (await answers(r, n)).includes(`192.0.2.${100 + i}`), {
        what: `${n} on every replica`,
        timeoutMs: WAIT_MS,
      });
    }
  }
  const puts = fake.requests.filter((q) => q.verb === 'update');
  assert.ok(
    puts.every((q) => q.unconditional === undefined),
    'every write carried its resourceVersion',
  );

  // Deleted through B: A stops answering it.
  const del = await fetch(`${b.url}/api/v1/records/app.example.com?type=A`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  assert.equal(del.status, 204);
  await waitFor(async () => (await dig(a.dns, 'app.example.com', 'A', '+norec')).status === 'NXDOMAIN', {
    what: 'A to drop the deleted record',
    timeoutMs: WAIT_MS,
  });

  // Both stop cleanly.
  const exits = await Promise.all([a, b].map((r) => r.stop()));
  assert.deepEqual(
    exits.map((e) => e.code),
    [0, 0],
    `${a.output()}\n${b.output()}`,
  );
});
