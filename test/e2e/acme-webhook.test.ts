// The cert-manager webhook solver over real HTTPS with a test CA, checked with dig: cert-manager's
// conformance cases (test/acme/suite.go: present → seen in DNS; a second value → both; clean up
// one → the other stays; repeats are no error and add no duplicate), wrong bodies answered with a
// failed `response`, the discovery documents, the front-proxy client certificate, and a renewed
// serving certificate picked up without a restart.
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { type AcmeServer, type HttpsReply, httpsRequest, startAcmeServer } from '../helpers/acme.ts';
import { dig } from '../helpers/dig.ts';
import { makeCa, type TestCa } from '../helpers/tls.ts';
import { waitFor } from '../helpers/wait.ts';

const GROUP = 'acme.test.jw238dns.io';
const SOLVER = 'jw238dns-test';
const PATH = `/apis/${GROUP}/v1alpha1/${SOLVER}`;

const ca = makeCa('webhook serving CA');
const serving = ca.issue('webhook', { dns: ['localhost'], ip: ['127.0.0.1'] });
const frontProxyCa = makeCa('front-proxy CA');
const frontProxy = frontProxyCa.issue('front-proxy-client', { client: true });
const rogue = makeCa('some other CA').issue('front-proxy-client', { client: true });

function config(extra = ''): string {
  return `records:
  - name: example.com.
    type: SOA
    value: ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300
  - name: www.example.com.
    type: A
    value: [192.0.2.1]
acme:
  webhook:
    enabled: true
    tls_cert_file: ${serving.certFile}
    tls_key_file: ${serving.keyFile}
    client_ca_file: ${frontProxyCa.certFile}
    group_name: ${GROUP}
    solver_name: ${SOLVER}
${extra}`;
}

/** A ChallengePayload as cert-manager sends it (notes/cert-manager.md). */
function payload(action: string, key: string, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'webhook.acme.cert-manager.io/v1alpha1',
    kind: 'ChallengePayload',
    request: {
      uid: '',
      action,
      type: 'dns-01',
      dnsName: 'example.com',
      key,
      resourceNamespace: 'cert-manager',
      resolvedFQDN: '_acme-challenge.example.com.',
      resolvedZone: 'example.com.',
      allowAmbientCredentials: false,
      config: { any: 'thing' },
      ...extra,
    },
  };
}

async function post(s: AcmeServer, body: unknown, raw = false): Promise<HttpsReply> {
  return httpsRequest(s.webhookPort as number, 'POST', PATH, {
    ca: ca.cert,
    client: frontProxy,
    body: raw ? (body as string) : JSON.stringify(body),
  });
}

async function solve(s: AcmeServer, action: string, key: string): Promise<void> {
  const reply = await post(s, payload(action, key));
  assert.equal(reply.status, 200, reply.text);
  const response = (reply.json as { response: { success: boolean; status?: unknown } }).response;
  assert.deepEqual(response, { uid: '', success: true }, `${action} ${key}: ${reply.text}`);
}

/** txt is what dig gets for the challenge name: the TXT strings, sorted. */
async function txt(s: AcmeServer): Promise<string[]> {
  const answer = await dig(s.dnsPort, '_acme-challenge.example.com', 'TXT', '+norec');
  return answer.answer
    .map((line) => line.split(/\s+/).slice(4).join(' '))
    .map((v) => JSON.parse(v) as string)
    .sort();
}

describe('cert-manager webhook over HTTPS', () => {
  test("cert-manager's conformance cases, checked with dig", async (t) => {
    const s = await startAcmeServer(t, config(), { webhookPort: 0 });
    assert.deepEqual(await txt(s), []);
    await solve(s, 'Present', '123d==');
    assert.deepEqual(await txt(s), ['123d=='], 'present → dig sees it');

    await solve(s, 'Present', 'anothertestingkey');
    assert.deepEqual(await txt(s), ['123d==', 'anothertestingkey'], 'a second value → both');

    await solve(s, 'CleanUp', 'anothertestingkey');
    assert.deepEqual(await txt(s), ['123d=='], 'clean up one → the other stays');

    await solve(s, 'CleanUp', 'anothertestingkey');
    await solve(s, 'Present', '123d==');
    assert.deepEqual(await txt(s), ['123d=='], 'repeats: no error, no duplicate');

    await solve(s, 'CleanUp', '123d==');
    const gone = await dig(s.dnsPort, '_acme-challenge.example.com', 'TXT', '+norec');
    assert.equal(gone.status, 'NXDOMAIN');
    assert.deepEqual(gone.answer, []);
    assert.doesNotMatch(readFileSync(s.configPath, 'utf8'), /_acme-challenge|acme_challenges:/);
  });

  test('a wildcard and an apex order share the name; the webhook writes to the config file', async (t) => {
    const s = await startAcmeServer(t, config(), { webhookPort: 0 });
    const apex = await post(s, payload('Present', 'apex-key', { uid: 'u-1' }));
    const wildcard = await post(
      s,
      payload('Present', 'wildcard-key', { uid: 'u-2', dnsName: '*.example.com' }),
    );
    assert.deepEqual((apex.json as { response: unknown }).response, { uid: 'u-1', success: true });
    assert.deepEqual((wildcard.json as { response: unknown }).response, { uid: 'u-2', success: true });
    assert.deepEqual(await txt(s), ['apex-key', 'wildcard-key']);
    const file = readFileSync(s.configPath, 'utf8');
    assert.match(file, /name: _acme-challenge\.example\.com\.\n\s+type: TXT\n\s+ttl: 60\n/);
    assert.match(file, /acme_challenges:\n\s+dns01:\n/);
    // The payload is answered whole: the request comes back beside the response.
    const body = apex.json as { apiVersion: string; kind: string; request: { config: unknown } };
    assert.equal(body.apiVersion, 'webhook.acme.cert-manager.io/v1alpha1');
    assert.equal(body.kind, 'ChallengePayload');
    assert.deepEqual(body.request.config, { any: 'thing' });
  });

  test('without resolvedFQDN the name comes from dnsName; a CNAME at the name is a failed response', async (t) => {
    const s = await startAcmeServer(
      t,
      config().replace(
        'acme:',
        '  - name: _acme-challenge.alias.example.com.\n    type: CNAME\n    value: elsewhere.example.net.\nacme:',
      ),
      { webhookPort: 0 },
    );
    const reply = await post(
      s,
      payload('Present', 'k1', { resolvedFQDN: undefined, dnsName: '*.example.com' }),
    );
    assert.equal((reply.json as { response: { success: boolean } }).response.success, true);
    assert.deepEqual(await txt(s), ['k1']);
    const cname = await post(
      s,
      payload('Present', 'k2', { resolvedFQDN: '_acme-challenge.alias.example.com.' }),
    );
    const response = (cname.json as { response: { success: boolean; status: { message: string } } }).response;
    assert.equal(response.success, false);
    assert.match(response.status.message, /CNAME/);
  });

  test('a wrong body gets a failed response, never a crash', async (t) => {
    const s = await startAcmeServer(t, config(), { webhookPort: 0 });
    const cases: [string, unknown, boolean, RegExp][] = [
      ['not JSON', '{"request": ', true, /not a ChallengePayload/],
      ['empty', '', true, /not a ChallengePayload/],
      ['no request', { kind: 'ChallengePayload' }, false, /not a ChallengePayload/],
      ['request not an object', { request: 'Present' }, false, /not a ChallengePayload/],
      ['unknown action', payload('Delete', 'k', { uid: 'u-9' }), false, /unknown action "Delete"/],
      ['no action', payload('Present', 'k', { action: undefined }), false, /unknown action/],
      ['http-01', payload('Present', 'k', { type: 'http-01' }), false, /only dns-01/],
      ['a key with a space', payload('Present', 'two words'), false, /DNS-01 value/],
      ['no key', payload('Present', 'k', { key: undefined }), false, /DNS-01 value/],
      ['a bad resolvedFQDN', payload('Present', 'k', { resolvedFQDN: 'a..b.' }), false, /resolvedFQDN/],
    ];
    for (const [what, body, raw, message] of cases) {
      const reply = await post(s, body, raw);
      assert.equal(reply.status, 200, what);
      const json = reply.json as {
        kind: string;
        response: {
          uid: string;
          success: boolean;
          status: { status: string; message: string; code: number };
        };
      };
      assert.equal(json.kind, 'ChallengePayload', what);
      assert.equal(json.response.success, false, what);
      assert.equal(json.response.status.status, 'Failure', what);
      assert.equal(json.response.status.code, 400, what);
      assert.match(json.response.status.message, message, what);
    }
    // uid is echoed in a failure too.
    const failed = await post(s, payload('Delete', 'k', { uid: 'u-9' }));
    assert.equal((failed.json as { response: { uid: string } }).response.uid, 'u-9');
    assert.deepEqual(await txt(s), [], 'nothing was written');
    await solve(s, 'Present', 'still-works');
  });

  test('discovery: the API group, its version and the solver resource', async (t) => {
    const s = await startAcmeServer(t, config(), { webhookPort: 0 });
    const get = (path: string) =>
      httpsRequest(s.webhookPort as number, 'GET', path, { ca: ca.cert, client: frontProxy });
    const resources = await get(`/apis/${GROUP}/v1alpha1`);
    assert.equal(resources.status, 200);
    assert.deepEqual(resources.json, {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: `${GROUP}/v1alpha1`,
      resources: [
        {
          name: SOLVER,
          singularName: SOLVER,
          namespaced: false,
          kind: 'ChallengePayload',
          verbs: ['create'],
        },
      ],
    });
    const group = {
      name: GROUP,
      versions: [{ groupVersion: `${GROUP}/v1alpha1`, version: 'v1alpha1' }],
      preferredVersion: { groupVersion: `${GROUP}/v1alpha1`, version: 'v1alpha1' },
    };
    assert.deepEqual((await get('/apis')).json, { kind: 'APIGroupList', apiVersion: 'v1', groups: [group] });
    assert.deepEqual((await get(`/apis/${GROUP}`)).json, { kind: 'APIGroup', apiVersion: 'v1', ...group });
    for (const path of [
      '/apis/other.example.io',
      '/apis/other.example.io/v1alpha1',
      `/apis/${GROUP}/v1`,
      '/nope',
    ]) {
      const reply = await get(path);
      assert.equal(reply.status, 404, path);
      assert.equal((reply.json as { kind: string; code: number }).kind, 'Status', path);
    }
    const wrongSolver = await httpsRequest(s.webhookPort as number, 'POST', `/apis/${GROUP}/v1alpha1/other`, {
      ca: ca.cert,
      client: frontProxy,
      body: JSON.stringify(payload('Present', 'k')),
    });
    assert.equal(wrongSolver.status, 404);
    assert.equal((await get('/healthz')).text, 'ok');
  });

  test('the front-proxy client certificate is required, except for health checks', async (t) => {
    const s = await startAcmeServer(t, config(), { webhookPort: 0 });
    const port = s.webhookPort as number;
    const body = JSON.stringify(payload('Present', 'k'));
    for (const client of [undefined, rogue]) {
      const reply = await httpsRequest(port, 'POST', PATH, {
        ca: ca.cert,
        body,
        ...(client ? { client } : {}),
      });
      assert.equal(reply.status, 401, client ? 'a certificate of another CA' : 'no certificate');
      assert.equal((reply.json as { reason: string }).reason, 'Unauthorized');
      const discovery = await httpsRequest(port, 'GET', `/apis/${GROUP}/v1alpha1`, {
        ca: ca.cert,
        ...(client ? { client } : {}),
      });
      assert.equal(discovery.status, 401);
    }
    for (const path of ['/healthz', '/livez', '/readyz']) {
      const reply = await httpsRequest(port, 'GET', path, { ca: ca.cert });
      assert.deepEqual([reply.status, reply.text], [200, 'ok'], path);
    }
    assert.deepEqual(await txt(s), []);
    // Without client_ca_file no certificate is asked for.
    const open = await startAcmeServer(t, config().replace(/ {4}client_ca_file: .*\n/, ''), {
      webhookPort: 0,
    });
    const reply = await httpsRequest(open.webhookPort as number, 'POST', PATH, { ca: ca.cert, body });
    assert.equal((reply.json as { response: { success: boolean } }).response.success, true);
  });

  test('the serving certificate is checked against the CA, and a renewed one is served without a restart', async (t) => {
    const dir = makeCa('copy').dir;
    const certFile = join(dir, 'tls.crt');
    const keyFile = join(dir, 'tls.key');
    copyFileSync(serving.certFile, certFile);
    copyFileSync(serving.keyFile, keyFile);
    const s = await startAcmeServer(
      t,
      config().replace(serving.certFile, certFile).replace(serving.keyFile, keyFile),
      { webhookPort: 0, tlsCheckMs: 20 },
    );
    const port = s.webhookPort as number;
    const health = (trust: TestCa) => httpsRequest(port, 'GET', '/healthz', { ca: trust.cert });
    assert.equal((await health(ca)).status, 200);
    const renewedCa = makeCa('renewed CA');
    await assert.rejects(health(renewedCa), /self-signed|unable to verify|certificate/i);

    const renewed = renewedCa.issue('webhook', { ip: ['127.0.0.1'] });
    copyFileSync(renewed.keyFile, keyFile);
    copyFileSync(renewed.certFile, certFile);
    await waitFor(
      async () =>
        (await health(renewedCa).then(
          (r) => r.status,
          () => 0,
        )) === 200,
      { what: 'the renewed certificate to be served' },
    );
    await assert.rejects(health(ca), /self-signed|unable to verify|certificate/i);
  });

  test('a missing certificate file stops the start, naming the key', async (t) => {
    await assert.rejects(
      startAcmeServer(t, config().replace(serving.certFile, '/nonexistent/tls.crt'), { webhookPort: 0 }),
      /acme\.webhook\.tls_cert_file: cannot read \/nonexistent\/tls\.crt: no such file/,
    );
  });
});
