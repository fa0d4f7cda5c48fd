// deploy/kubernetes/cert-manager/ against the code: every file parses, the kustomization lists what
// is there, and the names and ports agree across the manifests and with the server: the API group
// and solver of the APIService, the RBAC and the example ClusterIssuer are the config's, which the
// webhook serves; the Service reaches the container's webhook port, which is acme.webhook.port;
// the certificate files and the front-proxy CA are mounted where the config reads them; the
// serving certificate is for the Service's name and is the one the cainjector reads.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { buildWebhook, PAYLOAD_API_VERSION, SOLVER_VERSION } from '../../src/acme/webhook.ts';
import { parseConfig } from '../../src/config/load.ts';
import { silentLogger } from '../../src/log.ts';

const DIR = new URL('../../deploy/kubernetes/cert-manager/', import.meta.url).pathname;

// biome-ignore lint/suspicious/noExplicitAny: manifests are untyped YAML, read field by field
type Doc = Record<string, any>;

function docs(file: string): Doc[] {
  const parsed = parseAllDocuments(readFileSync(join(DIR, file), 'utf8'));
  const list = Array.isArray(parsed) ? parsed : [parsed];
  for (const doc of list) assert.deepEqual(doc.errors, [], `${file}: ${doc.errors.join('; ')}`);
  return list.map((d) => d.toJS() as Doc).filter((d) => d !== null);
}

const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml'));
const all: Doc[] = files.flatMap((f) => docs(f).map((d) => ({ ...d, file: f })));
function one(kind: string, name?: string): Doc {
  const found = all.filter((d) => d.kind === kind && (name === undefined || d.metadata?.name === name));
  assert.equal(found.length, 1, `one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  return found[0] as Doc;
}

const kustomization = one('Kustomization');
const namespace = kustomization.namespace as string;
const configMap = one('ConfigMap');
const config = parseConfig(configMap.data['config.yaml'], 'configmap.yaml');
const { webhook } = config.acme;
const patch = one('Deployment');
const container = patch.spec.template.spec.containers[0];
const service = one('Service');
const apiService = one('APIService');
const serving = one('Certificate', 'jw238dns-webhook-tls');

test('every manifest parses, and the kustomization lists every file but the example', () => {
  assert.ok(files.length >= 8, files.join(', '));
  for (const resource of kustomization.resources as string[]) {
    assert.ok(existsSync(join(DIR, resource)), `${resource} exists`);
  }
  for (const { path } of kustomization.patches as { path: string }[]) assert.ok(existsSync(join(DIR, path)));
  const listed = new Set([
    'kustomization.yaml',
    ...(kustomization.resources as string[]),
    ...(kustomization.patches as { path: string }[]).map((p) => p.path),
  ]);
  assert.deepEqual(
    files.filter((f) => !listed.has(f)),
    ['example-clusterissuer.yaml'],
  );
  assert.equal(namespace, 'jw238dns');
});

test('the config in the ConfigMap is valid and turns the webhook on', () => {
  assert.equal(webhook.enabled, true);
  assert.notEqual(webhook.client_ca_file, '', 'only the API server may call the solver');
  assert.equal(config.kubernetes.configmap?.name, configMap.metadata.name, 'it watches itself');
});

test('the deployment patch targets the server of ../app and opens acme.webhook.port', () => {
  const app = parseAllDocuments(readFileSync(join(DIR, '../app/deployment.yaml'), 'utf8'));
  const base = (Array.isArray(app) ? app[0] : app)?.toJS() as Doc;
  assert.equal(patch.metadata.name, base.metadata.name);
  assert.equal(container.name, base.spec.template.spec.containers[0].name);
  const port = (container.ports as Doc[]).find((p) => p.name === 'webhook');
  assert.deepEqual(port, { name: 'webhook', containerPort: webhook.port, protocol: 'TCP' });
  assert.equal(service.spec.ports[0].targetPort, 'webhook');
  assert.deepEqual(service.spec.selector, base.spec.selector.matchLabels);
});

test('the serving certificate and the front-proxy CA are mounted where the config reads them', () => {
  const volumes = patch.spec.template.spec.volumes as Doc[];
  const mountOf = (path: string): Doc => {
    const mount = (container.volumeMounts as Doc[]).find((m) => m.mountPath === dirname(path));
    assert.ok(mount !== undefined, `a volume at ${dirname(path)}`);
    return volumes.find((v) => v.name === mount.name) as Doc;
  };
  const tls = mountOf(webhook.tls_cert_file);
  assert.equal(mountOf(webhook.tls_key_file), tls);
  assert.equal(tls.secret.secretName, serving.spec.secretName, 'the Secret cert-manager writes');
  // cert-manager writes tls.crt and tls.key into a certificate's Secret.
  assert.deepEqual(
    [webhook.tls_cert_file, webhook.tls_key_file].map((p) => p.split('/').pop()),
    ['tls.crt', 'tls.key'],
  );
  assert.equal(mountOf(webhook.client_ca_file).configMap.name, 'jw238dns-front-proxy-ca');
});

test('the APIService registers the configured group with the Service, and gets its CA injected', () => {
  assert.equal(apiService.metadata.name, `${SOLVER_VERSION}.${webhook.group_name}`);
  assert.equal(apiService.spec.group, webhook.group_name);
  assert.equal(apiService.spec.version, SOLVER_VERSION);
  assert.equal(apiService.spec.groupPriorityMinimum, 1000);
  assert.equal(apiService.spec.versionPriority, 15);
  assert.deepEqual(apiService.spec.service, {
    name: service.metadata.name,
    namespace,
    port: service.spec.ports[0].port,
  });
  assert.equal(
    apiService.metadata.annotations['cert-manager.io/inject-ca-from'],
    `${namespace}/${serving.metadata.name}`,
  );
  assert.ok(
    (serving.spec.dnsNames as string[]).includes(`${service.metadata.name}.${namespace}.svc`),
    'the name the API server dials',
  );
  // The issuer chain: serving ← CA issuer ← CA certificate ← self-signed issuer.
  const caIssuer = one('Issuer', serving.spec.issuerRef.name);
  const ca = all.find(
    (d) => d.kind === 'Certificate' && d.spec.secretName === caIssuer.spec.ca.secretName,
  ) as Doc;
  assert.equal(ca?.spec.isCA, true);
  assert.ok(one('Issuer', ca.spec.issuerRef.name).spec.selfSigned !== undefined);
});

test('RBAC: cert-manager may create exactly the solver resource in the group, and nothing more is granted', () => {
  const role = one('ClusterRole');
  assert.deepEqual(role.rules, [
    { apiGroups: [webhook.group_name], resources: [webhook.solver_name], verbs: ['create'] },
  ]);
  const binding = one('ClusterRoleBinding');
  assert.deepEqual(binding.roleRef, {
    apiGroup: 'rbac.authorization.k8s.io',
    kind: 'ClusterRole',
    name: role.metadata.name,
  });
  assert.deepEqual(binding.subjects, [
    { kind: 'ServiceAccount', name: 'cert-manager', namespace: 'cert-manager' },
  ]);
  // The server calls no Kubernetes API for the webhook (rbac.yaml says why).
  assert.deepEqual(
    all.filter((d) => /Role(Binding)?$/.test(d.kind as string)).map((d) => d.kind),
    ['ClusterRole', 'ClusterRoleBinding'],
  );
});

test('the example ClusterIssuer names the solver the webhook serves', async () => {
  const issuer = one('ClusterIssuer');
  const solver = issuer.spec.acme.solvers[0].dns01.webhook;
  assert.equal(solver.groupName, webhook.group_name);
  assert.equal(solver.solverName, webhook.solver_name);
  const certificate = all.find(
    (d) => d.kind === 'Certificate' && d.file === 'example-clusterissuer.yaml',
  ) as Doc;
  assert.equal(certificate.spec.issuerRef.name, issuer.metadata.name);

  // The webhook built from this config serves exactly that resource.
  const app = buildWebhook({
    groupName: webhook.group_name,
    solverName: webhook.solver_name,
    challenges: {
      presentDns01: async (name, value) => ({ created: true, entry: { name, value, expires: 0 } }),
      cleanUpDns01: async () => true,
    },
    log: silentLogger(),
    requireClientCert: false,
  });
  const discovery = await app.inject({ method: 'GET', url: `/apis/${solver.groupName}/${SOLVER_VERSION}` });
  assert.equal(discovery.json().resources[0].name, solver.solverName);
  const present = await app.inject({
    method: 'POST',
    url: `/apis/${solver.groupName}/${SOLVER_VERSION}/${solver.solverName}`,
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({
      apiVersion: PAYLOAD_API_VERSION,
      kind: 'ChallengePayload',
      request: { uid: 'x', action: 'Present', type: 'dns-01', dnsName: 'example.com', key: 'k' },
    }),
  });
  assert.deepEqual(present.json().response, { uid: 'x', success: true });
  await app.close();
});
