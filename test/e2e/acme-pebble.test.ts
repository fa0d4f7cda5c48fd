// End to end with a real ACME server: Pebble validates against jw238dns (its -dnsserver is our DNS
// port), and acme-client orders real certificates for names in the served zone:
// - DNS-01 through the API, for example.com and *.example.com in one order: both values are
//   published at _acme-challenge.example.com. at the same time (checked with dig) before Pebble
//   is asked to validate either;
// - HTTP-01 through our responder on acme.http01_port, which is Pebble's httpPort (Pebble finds
//   the address of www.example.com through our DNS);
// - DNS-01 through the cert-manager webhook, over HTTPS, as cert-manager would drive it.
// Each order ends with a certificate that chains to Pebble's root and names what was asked for,
// and leaves no challenge behind.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { describe, test } from 'node:test';
import acme from 'acme-client';
import { type AcmeServer, httpsRequest, startAcmeServer } from '../helpers/acme.ts';
import { dig } from '../helpers/dig.ts';
import { type Pebble, startPebble } from '../helpers/pebble.ts';
import { freePort } from '../helpers/ports.ts';
import { makeCa } from '../helpers/tls.ts';

const GROUP = 'acme.jw238dns.io';
const SOLVER = 'jw238dns';

const webhookCa = makeCa('webhook serving CA');
const webhookCert = webhookCa.issue('webhook', { ip: ['127.0.0.1'] });

const CONFIG = `records:
  - name: example.com.
    type: SOA
    value: ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300
  - name: example.com.
    type: NS
    value: [ns1.example.com.]
  - name: ns1.example.com.
    type: A
    value: [127.0.0.1]
  - name: www.example.com.
    type: A
    value: [127.0.0.1]
acme:
  webhook:
    enabled: true
    tls_cert_file: ${webhookCert.certFile}
    tls_key_file: ${webhookCert.keyFile}
`;

/** PEM blocks of a chain, leaf first. */
function certificates(pem: string): X509Certificate[] {
  return (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map(
    (block) => new X509Certificate(block),
  );
}

/** checkIssued asserts that chain holds a certificate for names, for key, chaining to Pebble's root. */
async function checkIssued(pebble: Pebble, chain: string, key: Buffer, names: string[]): Promise<void> {
  const [leaf, ...intermediates] = certificates(chain);
  assert.ok(leaf !== undefined, `no certificate in ${chain}`);
  const sans = (leaf.subjectAltName ?? '').split(', ').sort();
  assert.deepEqual(sans, names.map((n) => `DNS:${n}`).sort());
  assert.ok(leaf.checkPrivateKey((await import('node:crypto')).createPrivateKey(key)), 'issued for our key');
  const root = certificates(await pebble.root())[0] as X509Certificate;
  let child = leaf;
  for (const parent of intermediates) {
    assert.ok(child.verify(parent.publicKey), `${child.subject} is signed by ${parent.subject}`);
    child = parent;
  }
  assert.ok(child.verify(root.publicKey), `${child.subject} is signed by Pebble's root`);
}

async function txt(s: AcmeServer, name: string): Promise<string[]> {
  const answer = await dig(s.dnsPort, name, 'TXT', '+norec');
  return answer.answer.map((line) => JSON.parse(line.split(/\s+/).slice(4).join(' ')) as string).sort();
}

async function setup(t: Parameters<typeof startPebble>[0]) {
  const http01Port = await freePort();
  const server = await startAcmeServer(t, CONFIG, { webhookPort: 0, http01Port });
  const pebble = await startPebble(t, server.dnsPort, http01Port);
  acme.axios.defaults.httpsAgent = pebble.agent;
  acme.setLogger(() => undefined);
  const client = new acme.Client({
    directoryUrl: pebble.directoryUrl,
    accountKey: await acme.crypto.createPrivateEcdsaKey(),
    // acme-client polls an authorisation with a backoff starting at 5 s: start small here.
    backoffAttempts: 30,
    backoffMin: 50,
    backoffMax: 500,
  });
  await client.createAccount({ termsOfServiceAgreed: true });
  return { server, pebble, client };
}

describe('ACME orders against Pebble', () => {
  test('DNS-01 through the API: an apex and a wildcard, both values published at once', async (t) => {
    const { server, pebble, client } = await setup(t);
    const names = ['example.com', '*.example.com'];
    const [key, csr] = await acme.crypto.createCsr({ commonName: 'example.com', altNames: names }, undefined);
    const order = await client.createOrder({ identifiers: names.map((value) => ({ type: 'dns', value })) });
    const authorizations = await client.getAuthorizations(order);
    assert.equal(authorizations.length, 2);

    const presented: { challenge: acme.Authorization['challenges'][number]; value: string }[] = [];
    for (const authz of authorizations) {
      const challenge = authz.challenges.find((c) => c.type === 'dns-01');
      assert.ok(challenge !== undefined);
      const value = await client.getChallengeKeyAuthorization(challenge);
      const res = await server.api('POST', '/api/v1/acme/dns01', { domain: authz.identifier.value, value });
      assert.equal(res.status, 201, JSON.stringify(res.json));
      presented.push({ challenge, value });
    }
    assert.deepEqual(
      await txt(server, '_acme-challenge.example.com'),
      presented.map((p) => p.value).sort(),
      'both values at one name, at the same time',
    );

    await Promise.all(presented.map((p) => client.completeChallenge(p.challenge)));
    await Promise.all(presented.map((p) => client.waitForValidStatus(p.challenge)));
    for (const { value } of presented) {
      const res = await server.api('DELETE', '/api/v1/acme/dns01', { domain: 'example.com', value });
      assert.equal(res.status, 204);
    }
    const finalized = await client.finalizeOrder(order, csr);
    const chain = await client.getCertificate(finalized);
    await checkIssued(pebble, chain, key, names);
    assert.deepEqual(await txt(server, '_acme-challenge.example.com'), []);
    assert.deepEqual(server.app.acme.challenges.state(), { dns01: [], http01: [] });
  });

  test('Pebble really checks: a wrong DNS-01 value makes the authorisation invalid', async (t) => {
    const { server, client } = await setup(t);
    const order = await client.createOrder({ identifiers: [{ type: 'dns', value: 'wrong.example.com' }] });
    const [authz] = await client.getAuthorizations(order);
    const challenge = authz?.challenges.find((c) => c.type === 'dns-01');
    assert.ok(challenge !== undefined);
    const res = await server.api('POST', '/api/v1/acme/dns01', {
      domain: 'wrong.example.com',
      value: 'not-the-digest-of-the-key-authorisation',
    });
    assert.equal(res.status, 201);
    await client.completeChallenge(challenge);
    await assert.rejects(client.waitForValidStatus(challenge), /Correct value not found for DNS challenge/);
  });

  test('HTTP-01 through the responder on acme.http01_port', async (t) => {
    const { server, pebble, client } = await setup(t);
    const [key, csr] = await acme.crypto.createCsr({ commonName: 'www.example.com' }, undefined);
    const tokens: string[] = [];
    const chain = await client.auto({
      csr,
      termsOfServiceAgreed: true,
      challengePriority: ['http-01'],
      // acme-client's own pre-check would ask the system's resolver, which does not know our zone:
      // Pebble does the real check.
      skipChallengeVerification: true,
      challengeCreateFn: async (_authz, challenge, keyAuthorization) => {
        assert.equal(challenge.type, 'http-01');
        tokens.push(challenge.token);
        const res = await server.api('PUT', `/api/v1/acme/http01/${challenge.token}`, { keyAuthorization });
        assert.equal(res.status, 200, JSON.stringify(res.json));
        // What Pebble will fetch, as it will fetch it.
        const served = await fetch(
          `http://127.0.0.1:${server.http01Port}/.well-known/acme-challenge/${challenge.token}`,
        );
        assert.equal(await served.text(), keyAuthorization);
      },
      challengeRemoveFn: async (_authz, challenge) => {
        const res = await server.api('DELETE', `/api/v1/acme/http01/${challenge.token}`);
        assert.equal(res.status, 204);
      },
    });
    assert.equal(tokens.length, 1);
    await checkIssued(pebble, chain, key, ['www.example.com']);
    const after = await fetch(
      `http://127.0.0.1:${server.http01Port}/.well-known/acme-challenge/${tokens[0]}`,
    );
    assert.equal(after.status, 404);
  });

  test('DNS-01 through the cert-manager webhook', async (t) => {
    const { server, pebble, client } = await setup(t);
    const solve = async (action: 'Present' | 'CleanUp', dnsName: string, key: string) => {
      const reply = await httpsRequest(
        server.webhookPort as number,
        'POST',
        `/apis/${GROUP}/v1alpha1/${SOLVER}`,
        {
          ca: webhookCa.cert,
          body: JSON.stringify({
            apiVersion: 'webhook.acme.cert-manager.io/v1alpha1',
            kind: 'ChallengePayload',
            request: {
              uid: '',
              action,
              type: 'dns-01',
              dnsName,
              key,
              resourceNamespace: 'default',
              resolvedFQDN: `_acme-challenge.${dnsName.replace(/^\*\./, '')}.`,
              resolvedZone: 'example.com.',
              allowAmbientCredentials: false,
              config: {},
            },
          }),
        },
      );
      assert.deepEqual(
        (reply.json as { response: unknown }).response,
        { uid: '', success: true },
        reply.text,
      );
    };
    const names = ['hook.example.com', '*.hook.example.com'];
    const [key, csr] = await acme.crypto.createCsr({ commonName: names[0], altNames: names }, undefined);
    const chain = await client.auto({
      csr,
      termsOfServiceAgreed: true,
      challengePriority: ['dns-01'],
      skipChallengeVerification: true,
      challengeCreateFn: (authz, _challenge, value) =>
        solve('Present', `${authz.wildcard ? '*.' : ''}${authz.identifier.value}`, value),
      challengeRemoveFn: (authz, _challenge, value) => solve('CleanUp', authz.identifier.value, value),
    });
    await checkIssued(pebble, chain, key, names);
    assert.deepEqual(await txt(server, '_acme-challenge.hook.example.com'), []);
  });
});
