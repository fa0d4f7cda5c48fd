// ACME challenges with the ConfigMap as the source of truth (behavior.md §5, §7): a challenge set
// through one replica is written to the ConfigMap (through the fake API server, with the shipped
// Role) and served by another replica from its watch; cleaned up through the second, it is gone
// from the first.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { parse } from 'yaml';
import { dig } from '../helpers/dig.ts';
import { FakeKube, type PolicyRule, startConfigMapServer } from '../helpers/fake-kube.ts';
import { api, type Running } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';

const NS = 'acme';
const NAME = 'jw238dns';
const ROLE = parse(
  readFileSync(new URL('../../deploy/kubernetes/app/role.yaml', import.meta.url), 'utf8'),
) as {
  rules: PolicyRule[];
};
const TEXT = `records:
  - name: example.com.
    type: SOA
    value: ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300
`;
const TOKEN = 'evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA';
const KEY_AUTHORIZATION = `${TOKEN}.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI`;

let fake: FakeKube;
before(async () => {
  fake = await FakeKube.start({ rules: ROLE.rules });
});
after(() => fake.close());

async function txt(s: Running): Promise<string[]> {
  const answer = await dig(s.port, '_acme-challenge.example.com', 'TXT', '+norec');
  return answer.answer.map((line) => JSON.parse(line.split(/\s+/).slice(4).join(' ')) as string).sort();
}

test('a challenge set through one replica is in the ConfigMap and served by the other', async (t) => {
  fake.create(NS, NAME, { 'config.yaml': TEXT });
  const a = await startConfigMapServer(t, fake, { namespace: NS, name: NAME });
  const b = await startConfigMapServer(t, fake, { namespace: NS, name: NAME });

  assert.equal(
    (await api(a, 'POST', '/api/v1/acme/dns01', { domain: 'example.com', value: 'apex' })).status,
    201,
  );
  assert.equal(
    (await api(b, 'POST', '/api/v1/acme/dns01', { domain: '*.example.com', value: 'wildcard' })).status,
    201,
  );
  assert.equal(
    (await api(a, 'PUT', `/api/v1/acme/http01/${TOKEN}`, { keyAuthorization: KEY_AUTHORIZATION })).status,
    200,
  );

  const saved = parse(fake.get(NS, NAME)?.data?.['config.yaml'] ?? '') as {
    acme_challenges: { dns01: { value: string }[]; http01: { token: string }[] };
  };
  assert.deepEqual(saved.acme_challenges.dns01.map((e) => e.value).sort(), ['apex', 'wildcard']);
  assert.deepEqual(
    saved.acme_challenges.http01.map((e) => e.token),
    [TOKEN],
  );

  for (const s of [a, b]) {
    await waitFor(async () => (await txt(s)).length === 2, { what: 'both values on both replicas' });
    await waitFor(
      async () =>
        (await (await fetch(`${s.url}/.well-known/acme-challenge/${TOKEN}`)).text()) === KEY_AUTHORIZATION,
      { what: 'the token on both replicas' },
    );
  }

  assert.equal(
    (await api(b, 'DELETE', '/api/v1/acme/dns01', { domain: 'example.com', value: 'apex' })).status,
    204,
  );
  assert.equal((await api(b, 'DELETE', `/api/v1/acme/http01/${TOKEN}`)).status, 204);
  await waitFor(async () => (await txt(a)).join() === 'wildcard', { what: 'A to keep only the other value' });
  await waitFor(async () => (await fetch(`${a.url}/.well-known/acme-challenge/${TOKEN}`)).status === 404, {
    what: 'A to drop the token',
  });
});
