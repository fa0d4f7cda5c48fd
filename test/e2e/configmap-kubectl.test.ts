// The fake API server checked by the reference client, and the server driven as an operator would
// drive it: real kubectl (client-go) against the fake over HTTPS with a CA, the way a pod reaches
// its API server. `kubectl edit` is served by dig through the watch; `kubectl get --watch` sees the
// server's write-back; `kubectl replace` with a stale resourceVersion gets the 409 the server
// relies on. Skipped where kubectl is not installed (the other ConfigMap tests do not need it).
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { dig } from '../helpers/dig.ts';
import { FakeKube, startConfigMapServer } from '../helpers/fake-kube.ts';
import { makeCa } from '../helpers/tls.ts';
import { waitFor } from '../helpers/wait.ts';

const run = promisify(execFile);
const NS = 'ops';
const NAME = 'jw238dns';
const TEXT = `records:
  - name: example.com.
    type: SOA
    value: ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300
  - name: www.example.com.
    type: A
    value: [192.0.2.1]
`;

const hasKubectl = await run('kubectl', ['version', '--client']).then(
  () => true,
  () => false,
);

let fake: FakeKube;
let env: NodeJS.ProcessEnv;

before(async () => {
  if (!hasKubectl) return;
  const ca = makeCa();
  const cert = ca.issue('apiserver', { ip: ['127.0.0.1'] });
  fake = await FakeKube.start({ tls: { cert: cert.cert, key: cert.key, ca: ca.cert } });
  const dir = mkdtempSync(join(tmpdir(), 'jw238dns-kubectl-'));
  writeFileSync(join(dir, 'kubeconfig'), fake.kubeconfig(NS));
  // HOME keeps kubectl's discovery cache out of the user's; the editor is sed, as in a script.
  env = { ...process.env, KUBECONFIG: join(dir, 'kubeconfig'), HOME: dir };
});
after(() => (hasKubectl ? fake.close() : undefined));

async function kubectl(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  return run('kubectl', args, { env, timeout: 20_000 }).then(
    ({ stdout, stderr }) => ({ stdout, stderr, code: 0 }),
    (e: { stdout?: string; stderr?: string; code?: number }) => ({
      stdout: e.stdout ?? '',
      stderr: e.stderr ?? '',
      code: e.code ?? 1,
    }),
  );
}

describe('kubectl against the fake API server', {
  skip: hasKubectl ? false : 'kubectl is not installed',
}, () => {
  test('kubectl edit is served by dig; kubectl get --watch sees the write-back; a stale replace is a 409', async (t) => {
    fake.create(NS, NAME, { 'config.yaml': TEXT });
    // The server reaches the fake over HTTPS, verifying it with the CA, as in a pod.
    const s = await startConfigMapServer(t, fake, { namespace: NS, name: NAME });
    const answers = async (name: string) =>
      (await dig(s.port, name, 'A', '+norec')).answer.map((a) => a.split(/\s+/).slice(4).join(' '));
    assert.deepEqual(await answers('www.example.com'), ['192.0.2.1']);

    const edit = await run('kubectl', ['-n', NS, 'edit', 'configmap', NAME, '--validate=false'], {
      env: { ...env, KUBE_EDITOR: 'sed -i -e s/192.0.2.1/192.0.2.2/' },
      timeout: 20_000,
    });
    assert.match(edit.stdout, /configmap\/jw238dns edited/);
    await waitFor(async () => (await answers('www.example.com')).includes('192.0.2.2'), {
      what: 'the kubectl edit',
    });

    // client-go's watch on the fake: our API write shows up as a MODIFIED event.
    const watcher = spawn(
      'kubectl',
      [
        '-n',
        NS,
        'get',
        'configmap',
        NAME,
        '--watch',
        '--output-watch-events',
        '-o',
        'jsonpath={.type}{"\\n"}',
      ],
      { env },
    );
    t.after(() => watcher.kill());
    let events = '';
    watcher.stdout.on('data', (d) => {
      events += d;
    });
    await waitFor(() => events.includes('ADDED'), { what: 'kubectl to list' });
    const res = await fetch(`${s.url}/api/v1/records`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'app.example.com', type: 'A', value: ['192.0.2.50'] }),
    });
    assert.equal(res.status, 201);
    await waitFor(() => events.includes('MODIFIED'), { what: 'kubectl to see the write-back' });
    const shown = await kubectl('-n', NS, 'get', 'configmap', NAME, '-o', 'jsonpath={.data.config\\.yaml}');
    assert.match(shown.stdout, /name: app\.example\.com\./);

    // Optimistic concurrency as client-go sees it: a replace from an old resourceVersion is refused.
    const old = (await kubectl('-n', NS, 'get', 'configmap', NAME, '-o', 'json')).stdout;
    fake.edit(NS, NAME, (d) => {
      d.note = 'changed meanwhile';
    });
    const dir = mkdtempSync(join(tmpdir(), 'jw238dns-replace-'));
    writeFileSync(join(dir, 'cm.json'), old);
    const replace = await kubectl('replace', '-f', join(dir, 'cm.json'), '--validate=false');
    assert.notEqual(replace.code, 0);
    assert.match(
      replace.stderr,
      /the object has been modified; please apply your changes to the latest version/,
    );
  });
});
