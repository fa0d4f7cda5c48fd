// The client seam: credentials and namespace from a kubeconfig, the refusal when there are none,
// the deadline every request gets, and one-line error messages.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FakeKube } from '../../test/helpers/fake-kube.ts';
import { connectKube, describeKubeError } from './kube.ts';

test('a kubeconfig gives the server, the token and the context namespace; an explicit namespace wins', async (t) => {
  const fake = await FakeKube.start();
  t.after(() => fake.close());
  const client = await connectKube({ kubeconfig: fake.kubeconfig('from-context'), namespace: '' });
  assert.equal(client.namespace, 'from-context');
  assert.equal(client.kc.getCurrentCluster()?.server, fake.url);
  fake.create('from-context', 'x', { a: 'b' });
  const cm = await client.api.readNamespacedConfigMap(
    { name: 'x', namespace: client.namespace },
    client.requestOptions,
  );
  assert.equal(cm.data?.a, 'b');
  assert.equal(
    (await connectKube({ kubeconfig: fake.kubeconfig('from-context'), namespace: 'dns' })).namespace,
    'dns',
  );
});

test('no kubeconfig and no service account: refused with what is missing (never http://localhost:8080)', async (t) => {
  if (existsSync('/var/run/secrets/kubernetes.io/serviceaccount/token')) {
    t.skip('running in a pod: the service account is there');
    return;
  }
  const saved = { HOME: process.env.HOME, KUBECONFIG: process.env.KUBECONFIG };
  process.env.HOME = mkdtempSync(join(tmpdir(), 'jw238dns-nohome-'));
  delete process.env.KUBECONFIG;
  t.after(() => {
    process.env.HOME = saved.HOME;
    if (saved.KUBECONFIG !== undefined) process.env.KUBECONFIG = saved.KUBECONFIG;
  });
  await assert.rejects(
    connectKube({ namespace: '' }),
    /no Kubernetes credentials: not in a pod with a service account token, and no kubeconfig/,
  );
});

test('every request has a deadline: an API server that never answers is an error, not a hang', {
  timeout: 10_000,
}, async (t) => {
  const silent = createServer(() => undefined).listen(0, '127.0.0.1');
  await new Promise((r) => silent.once('listening', r));
  t.after(() => {
    silent.closeAllConnections();
    silent.close();
  });
  const { port } = silent.address() as { port: number };
  const fake = await FakeKube.start();
  t.after(() => fake.close());
  const kubeconfig = fake.kubeconfig().replace(fake.url, `http://127.0.0.1:${port}`);
  const client = await connectKube({ kubeconfig, namespace: 'dns', requestTimeoutMs: 100 });
  await assert.rejects(
    client.api.readNamespacedConfigMap({ name: 'x', namespace: 'dns' }, client.requestOptions),
    (e: unknown) => describeKubeError(e) === 'the API server did not answer in time',
  );
});

test('describeKubeError: Status message, 401, timeouts and network codes', () => {
  const status = {
    code: 403,
    body: JSON.stringify({ kind: 'Status', message: 'configmaps "x" is forbidden' }),
  };
  assert.equal(describeKubeError(status), 'the API server answered 403: configmaps "x" is forbidden');
  assert.equal(describeKubeError({ code: 401 }), 'the API server refused the credentials (401 Unauthorized)');
  assert.equal(
    describeKubeError(Object.assign(new Error('x'), { name: 'AbortError' })),
    'the API server did not answer in time',
  );
  assert.equal(
    describeKubeError(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' })),
    'cannot reach the API server: ECONNREFUSED',
  );
  assert.equal(
    describeKubeError(Object.assign(new Error('watch'), { statusCode: 500 })),
    'the API server answered 500 watch',
  );
});
