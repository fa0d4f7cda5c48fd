// The Dockerfile, checked without Docker (no engine can run here): its stages parsed and held to
// issue 7 (multi-stage, Node 24 runtime, non-root, no build tools in the final image), what it
// copies present and not excluded by .dockerignore, and its final stage rebuilt on disk the way
// the image lays it out (compiled dist/, package.json, runtime dependencies only) and started.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { builtinModules } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { FakeKube } from '../helpers/fake-kube.ts';

const run = promisify(execFile);
const ROOT = new URL('../../', import.meta.url).pathname;
const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');

interface Instruction {
  readonly op: string;
  readonly args: string;
}
interface Stage {
  readonly from: string;
  readonly name: string | undefined;
  readonly steps: Instruction[];
}

// Dockerfile syntax: comments, line continuations, one instruction per logical line.
function parseDockerfile(source: string): Stage[] {
  const lines = source
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of lines) {
    const [, op = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    if (op.toUpperCase() === 'FROM') {
      const [, from = '', name] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args) ?? [];
      stages.push({ from, name, steps: [] });
    } else {
      assert.ok(stages.length > 0, `${op} before FROM`);
      stages.at(-1)?.steps.push({ op: op.toUpperCase(), args });
    }
  }
  return stages;
}

const stages = parseDockerfile(text);
const final = stages.at(-1) as Stage;
const stageNamed = (name: string) => stages.find((s) => s.name === name) as Stage;
const runs = (stage: Stage) => stage.steps.filter((s) => s.op === 'RUN').map((s) => s.args);
const exec = (args: string) => JSON.parse(args) as string[];

test('multi-stage: build and runtime dependencies apart from a Node 24 runtime', () => {
  assert.ok(stages.length >= 2, 'more than one stage');
  for (const s of stages.slice(0, -1)) assert.match(s.from, /^node:24[-.]/, `${s.name} builds on Node 24`);
  assert.match(final.from, /^gcr\.io\/distroless\/nodejs24-debian\d+:nonroot$/);
  assert.ok(
    runs(stageNamed('build')).some((r) => /\bnpm ci\b/.test(r) && !/--omit=dev/.test(r)),
    'build installs dev dependencies',
  );
  assert.ok(runs(stageNamed('build')).some((r) => /\bnpm run build\b/.test(r)));
  assert.ok(
    runs(stageNamed('deps')).some((r) => /\bnpm ci\b.*--omit=dev/.test(r)),
    'deps omits dev dependencies',
  );
});

test('the final image installs and builds nothing: no RUN, only copies of built output', () => {
  assert.deepEqual(runs(final), []);
  const copies = final.steps.filter((s) => s.op === 'COPY').map((s) => s.args);
  assert.ok(copies.includes('--from=deps /src/node_modules ./node_modules'));
  assert.ok(copies.includes('--from=build /src/dist ./dist'));
  assert.ok(!copies.some((c) => /--from=build \/src\/node_modules/.test(c)), 'no dev dependencies');
  assert.ok(!copies.some((c) => /(^| )\.?\/?src\b/.test(c) && !c.startsWith('--from')), 'no sources');
});

test('the final image runs as a non-root user, the one the Deployment expects', () => {
  const users = final.steps.filter((s) => s.op === 'USER').map((s) => s.args);
  assert.equal(users.length, 1);
  const [uid, gid] = (users[0] as string).split(':').map(Number);
  assert.ok(uid !== undefined && uid > 0 && gid !== undefined && gid > 0, 'numeric, not root');
  const deployment = parse(readFileSync(join(ROOT, 'deploy/kubernetes/app/deployment.yaml'), 'utf8'));
  assert.equal(deployment.spec.template.spec.securityContext.runAsUser, uid);
});

test('entrypoint, default config and exposed ports agree with the code', () => {
  const entrypoint = exec(final.steps.find((s) => s.op === 'ENTRYPOINT')?.args ?? '[]');
  const cmd = exec(final.steps.find((s) => s.op === 'CMD')?.args ?? '[]');
  assert.deepEqual(entrypoint, ['/nodejs/bin/node', 'dist/main.js']);
  assert.deepEqual(cmd.slice(0, 1), ['--config']);
  assert.ok(
    final.steps.some((s) => s.op === 'COPY' && s.args === `examples/config.yaml ${cmd[1]}`),
    'the default config is copied where CMD points',
  );
  const example = parse(readFileSync(join(ROOT, 'examples/config.yaml'), 'utf8'));
  const exposed = final.steps
    .filter((s) => s.op === 'EXPOSE')
    .flatMap((s) => s.args.split(/\s+/))
    .sort();
  assert.deepEqual(
    exposed,
    [`${example.dns_port}/tcp`, `${example.dns_port}/udp`, `${example.http_port}/tcp`].sort(),
  );
});

test('every file copied from the context exists and is not excluded by .dockerignore', () => {
  const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  for (const must of ['node_modules', 'dist', '.git', 'test'])
    assert.ok(ignored.includes(must), `ignores ${must}`);
  const sources = stages
    .flatMap((s) => s.steps)
    .filter((s) => s.op === 'COPY' && !s.args.startsWith('--from'))
    .flatMap((s) => s.args.split(/\s+/).slice(0, -1));
  assert.ok(sources.length >= 5);
  for (const source of sources) {
    assert.ok(existsSync(join(ROOT, source)), `${source} exists`);
    const top = source.split('/')[0] as string;
    assert.ok(!ignored.includes(top) && !ignored.includes(source), `${source} is in the build context`);
    if (ignored.some((p) => p.startsWith('*.'))) {
      for (const p of ignored.filter((x) => x.startsWith('*.')))
        assert.ok(!source.endsWith(p.slice(1)), source);
    }
  }
});

test('the image layout works: compiled dist/ with package.json and runtime dependencies only', async (t) => {
  // /app as the final stage assembles it, built by the build stage's command.
  const app = mkdtempSync(join(tmpdir(), 'jw238dns-image-'));
  t.after(() => rmSync(app, { recursive: true, force: true }));
  await run(
    process.execPath,
    [
      join(ROOT, 'node_modules/typescript/bin/tsc'),
      '-p',
      'tsconfig.build.json',
      '--outDir',
      join(app, 'dist'),
    ],
    {
      cwd: ROOT,
    },
  );
  symlinkSync(join(ROOT, 'package.json'), join(app, 'package.json'));
  // Runtime dependencies only, as `npm ci --omit=dev` leaves them: a compiled import of a dev
  // dependency would fail in the image, so it fails here.
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  const imported = new Set<string>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (e.name.endsWith('.js')) {
        for (const m of readFileSync(path, 'utf8').matchAll(/(?:from|import\()\s*['"]([^'"./][^'"]*)['"]/g)) {
          const spec = m[1] as string;
          imported.add(
            spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] as string),
          );
        }
      }
    }
  };
  walk(join(app, 'dist'));
  for (const spec of imported) {
    if (spec.startsWith('node:') || builtinModules.includes(spec)) continue;
    assert.ok(spec in pkg.dependencies, `dist imports ${spec}, which must be a runtime dependency`);
  }
  assert.ok(imported.has('@kubernetes/client-node'));
  symlinkSync(join(ROOT, 'node_modules'), join(app, 'node_modules'));
  const { stdout } = await run(process.execPath, ['dist/main.js', '--version'], { cwd: app });
  assert.equal(
    stdout.trim(),
    `jw238dns ${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version}`,
  );

  // And it serves, from a ConfigMap, as in the cluster (the Kubernetes client is loaded lazily).
  const fake = await FakeKube.start();
  t.after(() => fake.close());
  fake.create('image', 'jw238dns', {
    'config.yaml': 'records:\n  - name: www.example.com.\n    type: A\n    value: [192.0.2.1]\n',
  });
  writeFileSync(join(app, 'kubeconfig'), fake.kubeconfig('image'));
  writeFileSync(join(app, 'config.yaml'), 'kubernetes:\n  configmap:\n    name: jw238dns\n');
  const [dns, http] = await freePorts();
  const child = spawn(
    process.execPath,
    [
      'dist/main.js',
      '--config',
      'config.yaml',
      '--listen',
      '127.0.0.1',
      '--dns-port',
      String(dns),
      '--http-port',
      String(http),
    ],
    { cwd: app, env: { ...process.env, KUBECONFIG: join(app, 'kubeconfig'), JW238DNS_API_TOKEN: 't' } },
  );
  t.after(() => child.kill('SIGKILL'));
  let ready = false;
  for (let i = 0; i < 1200 && !ready; i++) {
    ready = (await fetch(`http://127.0.0.1:${http}/ready`).catch(() => undefined))?.status === 200;
    if (!ready) await new Promise((r) => setTimeout(r, 25));
  }
  assert.ok(ready, 'the compiled server became ready');
  const { stdout: short } = await run('dig', [
    '@127.0.0.1',
    '-p',
    String(dns),
    '+short',
    'www.example.com',
    'A',
  ]);
  assert.equal(short.trim(), '192.0.2.1');
  child.kill('SIGTERM');
  assert.equal((await once(child, 'exit'))[0], 0);
});

async function freePorts(): Promise<[number, number]> {
  const ports: number[] = [];
  while (ports.length < 2) {
    const server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    server.close();
    if (!ports.includes(port)) ports.push(port);
  }
  return ports as [number, number];
}
