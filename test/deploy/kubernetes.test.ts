// deploy/kubernetes checked against the code (issue 7): every manifest parses and is referenced by
// its kustomization; selectors match the pod labels; the ports, probes, config path and ConfigMap
// name agree with the server's config; the pod is locked down; and the Role grants exactly the
// verbs the ConfigMap source uses, measured against the fake API server. No cluster is needed
// (none can run here); docs/kubernetes.md says what a real cluster adds.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { recordProblems } from '../../src/app.ts';
import { parseConfig } from '../../src/config/load.ts';
import { ConfigMapSource } from '../../src/sources/configmap.ts';
import type { RecordInput } from '../../src/store/record.ts';
import { FakeKube } from '../helpers/fake-kube.ts';

const run = promisify(execFile);
const ROOT = new URL('../../', import.meta.url).pathname;
const DEPLOY = join(ROOT, 'deploy/kubernetes');
// deploy/kubernetes/cert-manager belongs to the ACME work and has tests of its own.
const OWN = (path: string) => !relative(DEPLOY, path).startsWith('cert-manager');

// biome-ignore lint/suspicious/noExplicitAny: manifests are checked field by field below
type Manifest = Record<string, any>;

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return OWN(path) ? yamlFiles(path) : [];
    return /\.ya?ml$/.test(entry) ? [path] : [];
  });
}

function load(path: string): Manifest[] {
  const docs = parseAllDocuments(readFileSync(path, 'utf8'));
  if (!Array.isArray(docs)) return [];
  for (const doc of docs) {
    assert.deepEqual(
      doc.errors.map((e) => e.message),
      [],
      relative(ROOT, path),
    );
  }
  return docs.map((d) => d.toJS() as Manifest).filter((m) => m !== null);
}

const files = yamlFiles(DEPLOY);
const manifests = files.filter((f) => !f.endsWith('kustomization.yaml')).flatMap(load);
const byKind = (kind: string): Manifest[] => manifests.filter((m) => m.kind === kind);
const one = (kind: string): Manifest => {
  const found = byKind(kind);
  assert.equal(found.length, 1, `one ${kind}`);
  return found[0] as Manifest;
};

const deployment = one('Deployment');
const pod = deployment.spec.template;
const container = pod.spec.containers[0] as Manifest;
const configMap = one('ConfigMap');
const KEY = 'config.yaml';
const config = parseConfig(configMap.data[KEY], 'deploy/kubernetes/configmap.yaml');
const NAMESPACE = 'jw238dns';

function subset(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);
}

test('every manifest parses, has apiVersion, kind and a name, and is in its kustomization', () => {
  assert.ok(files.length >= 10, `found ${files.length} files`);
  for (const m of manifests) {
    assert.equal(typeof m.apiVersion, 'string');
    assert.equal(typeof m.kind, 'string');
    assert.match(m.metadata?.name ?? '', /^[a-z0-9-]+$/, `${m.kind} name`);
  }
  for (const path of files.filter((f) => f.endsWith('kustomization.yaml'))) {
    const [k] = load(path) as [Manifest];
    const dir = join(path, '..');
    assert.equal(k.kind, 'Kustomization');
    assert.equal(k.namespace, NAMESPACE, relative(ROOT, path));
    for (const resource of k.resources as string[]) {
      const target = join(dir, resource);
      assert.ok(
        existsSync(target.endsWith('.yaml') ? target : join(target, 'kustomization.yaml')),
        `${relative(ROOT, path)}: ${resource} exists`,
      );
    }
    // No manifest lies next to a kustomization without being part of it.
    for (const entry of readdirSync(dir)) {
      if (!entry.endsWith('.yaml') || entry === 'kustomization.yaml') continue;
      assert.ok((k.resources as string[]).includes(entry), `${relative(ROOT, dir)}/${entry} is listed`);
    }
  }
  // The first-install kustomization brings the ConfigMap; the upgrade one (app/) must not.
  const top = load(join(DEPLOY, 'kustomization.yaml'))[0] as Manifest;
  assert.deepEqual(top.resources, ['app', 'configmap.yaml']);
  const app = load(join(DEPLOY, 'app/kustomization.yaml'))[0] as Manifest;
  assert.ok(!(app.resources as string[]).some((r) => r.includes('configmap')));
});

test('selectors match the pod labels', () => {
  const labels = pod.metadata.labels as Record<string, string>;
  assert.ok(subset(deployment.spec.selector.matchLabels, labels), 'Deployment selector');
  assert.ok(subset(one('Service').spec.selector, labels), 'Service selector');
  assert.ok(
    subset(one('PodDisruptionBudget').spec.selector.matchLabels, labels),
    'PodDisruptionBudget selector',
  );
  for (const c of pod.spec.topologySpreadConstraints ?? [])
    assert.ok(subset(c.labelSelector.matchLabels, labels));
});

test('the deployment runs two replicas of the server on the ConfigMap, mounted as its config file', () => {
  assert.equal(deployment.spec.replicas, 2);
  assert.equal(deployment.spec.strategy.rollingUpdate.maxUnavailable, 0);
  assert.deepEqual(recordProblems(config.records as RecordInput[], config.backend.default_ttl), []);
  assert.deepEqual(config.kubernetes.configmap, { name: configMap.metadata.name, namespace: '', key: KEY });
  // --config points at the key inside the mounted ConfigMap volume.
  const args = container.args as string[];
  const configPath = args[args.indexOf('--config') + 1];
  const volume = (pod.spec.volumes as Manifest[]).find((v) => v.configMap?.name === configMap.metadata.name);
  assert.ok(volume, 'a volume of the ConfigMap');
  const mount = (container.volumeMounts as Manifest[]).find((m) => m.name === volume.name);
  assert.equal(configPath, `${mount?.mountPath}/${KEY}`);
  assert.equal(mount?.readOnly, true);
  // The API token comes from a Secret, never from the ConfigMap.
  const env = (container.env as Manifest[]).find((e) => e.name === 'JW238DNS_API_TOKEN');
  assert.equal(env?.valueFrom?.secretKeyRef?.name, 'jw238dns-api-token');
  assert.equal(config.api.token, '');
});

test('ports and probes match the config: DNS on UDP and TCP, the HTTP port, /health and /ready', () => {
  const ports = container.ports as Manifest[];
  const port = (name: string) => ports.find((p) => p.name === name) as Manifest;
  assert.deepEqual([port('dns-udp').containerPort, port('dns-udp').protocol], [config.dns_port, 'UDP']);
  assert.deepEqual([port('dns-tcp').containerPort, port('dns-tcp').protocol], [config.dns_port, 'TCP']);
  assert.deepEqual([port('http').containerPort, port('http').protocol], [config.http_port, 'TCP']);
  assert.deepEqual(container.readinessProbe.httpGet, { path: '/ready', port: 'http' });
  assert.deepEqual(container.livenessProbe.httpGet, { path: '/health', port: 'http' });
  assert.ok(config.listen.includes('0.0.0.0'), 'listens on the pod address');

  const service = one('Service').spec.ports as Manifest[];
  for (const p of service) {
    const target = port(p.targetPort);
    assert.ok(target, `Service port ${p.name} targets a named container port`);
    assert.equal(p.protocol, target.protocol, p.name);
  }
  const dns = service.filter((p) => p.port === 53).map((p) => p.protocol);
  assert.deepEqual(dns.sort(), ['TCP', 'UDP']);
  assert.ok(service.some((p) => p.targetPort === 'http'));
});

test('the pod is locked down and asks for resources', () => {
  assert.equal(pod.spec.securityContext.runAsNonRoot, true);
  assert.ok(pod.spec.securityContext.runAsUser > 0);
  assert.equal(pod.spec.securityContext.seccompProfile.type, 'RuntimeDefault');
  assert.deepEqual(container.securityContext, {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
  });
  assert.ok(container.resources.requests.cpu && container.resources.requests.memory);
  assert.ok(container.resources.limits.memory);
  // The user of the image (Dockerfile USER) is the one the pod runs as.
  const user = /^USER\s+(\d+)/m.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'))?.[1];
  assert.equal(Number(user), pod.spec.securityContext.runAsUser);
});

test('RBAC: the service account is bound to a Role on the one ConfigMap', () => {
  const account = one('ServiceAccount');
  const role = one('Role');
  const binding = one('RoleBinding');
  assert.equal(pod.spec.serviceAccountName, account.metadata.name);
  assert.deepEqual(binding.roleRef, {
    apiGroup: 'rbac.authorization.k8s.io',
    kind: 'Role',
    name: role.metadata.name,
  });
  assert.deepEqual(binding.subjects, [
    { kind: 'ServiceAccount', name: account.metadata.name, namespace: NAMESPACE },
  ]);
  assert.equal(byKind('ClusterRole').length + byKind('ClusterRoleBinding').length, 0, 'nothing cluster-wide');
  assert.equal(role.rules.length, 1);
  const [rule] = role.rules as Manifest[];
  assert.deepEqual(rule?.apiGroups, ['']);
  assert.deepEqual(rule?.resources, ['configmaps']);
  assert.deepEqual(rule?.resourceNames, [configMap.metadata.name]);
});

test('RBAC grants exactly the verbs the ConfigMap source uses', async (t) => {
  // Every call the source makes, against a fake that records the RBAC verb of each request.
  const fake = await FakeKube.start();
  t.after(() => fake.close());
  fake.create(NAMESPACE, configMap.metadata.name, { [KEY]: configMap.data[KEY] });
  const source = new ConfigMapSource(
    { namespace: NAMESPACE, name: configMap.metadata.name, key: KEY },
    { kubeconfig: fake.kubeconfig(), resyncMs: 50 },
  );
  const read = await source.read();
  const stop = source.watch(
    () => undefined,
    () => undefined,
  );
  t.after(stop);
  await source.write(`${read.text}# written\n`, read.revision);
  for (let i = 0; i < 200 && !(fake.verbs().has('watch') && fake.requests.length > 5); i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  const [rule] = one('Role').rules as [Manifest];
  assert.deepEqual([...fake.verbs()].sort(), [...(rule.verbs as string[])].sort());
  // list and watch name the object with a field selector, which is what lets resourceNames cover them.
  for (const r of fake.requests.filter((q) => q.verb === 'list' || q.verb === 'watch')) {
    assert.equal(r.query.fieldSelector, `metadata.name=${configMap.metadata.name}`);
  }
});

test('kustomize builds both kustomizations (kubectl kustomize, when kubectl is installed)', async (t) => {
  const kubectl = await run('kubectl', ['version', '--client']).catch(() => undefined);
  if (kubectl === undefined) {
    t.skip('kubectl is not installed');
    return;
  }
  const build = async (dir: string) =>
    parseAllDocuments((await run('kubectl', ['kustomize', join(DEPLOY, dir)])).stdout).map(
      (d) => d.toJS() as Manifest,
    );
  const all = await build('.');
  const app = await build('app');
  const kinds = (ms: Manifest[]) => ms.map((m) => m.kind).sort();
  assert.deepEqual(kinds(all), [...kinds(app), 'ConfigMap'].sort());
  for (const m of all) {
    if (m.kind === 'Namespace') assert.equal(m.metadata.name, NAMESPACE);
    else assert.equal(m.metadata.namespace, NAMESPACE, `${m.kind} is namespaced`);
  }
  const rendered = all.find((m) => m.kind === 'Deployment') as Manifest;
  assert.match(rendered.spec.template.spec.containers[0].image, /^jw238dns:\d+\.\d+\.\d+$/);
});
