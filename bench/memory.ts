// bench/memory: heap and RSS with 100k and 1M RRsets in the store, bytes per RRset, and start-up:
// in process (the config file read and parsed, the records validated and loaded into the store,
// as src/main.ts does before it binds), then the real server from spawn to its first answer over
// UDP, run as `npm start` runs it (tsx) and as the container runs it (compiled, node dist/main.js).
//   npm run bench -- memory        MEMORY_SIZES=100000,1000000 (default)
import { spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { RRType } from '../src/dns/constants.ts';
import { decodeMessage, encodeQuery } from '../src/dns/message.ts';
import { cpuSeconds, freePort, ROOT, syntheticZone } from './lib.ts';

const SIZES = (process.env.MEMORY_SIZES ?? '100000,1000000').split(',').map(Number);
const dir = mkdtempSync(join(tmpdir(), 'jw238dns-memory-'));

// Runs in a fresh process per size, so one measurement cannot inflate the next.
const CHILD = `
import { loadConfigText } from ${JSON.stringify(`${ROOT}src/config/load.ts`)};
import { seedStore } from ${JSON.stringify(`${ROOT}src/app.ts`)};
const gc = globalThis.gc;
gc(); gc();
const base = process.memoryUsage();
const times = {};
function load() {
  // The parsed config is local to this function: only the store outlives it, as in the server.
  const t0 = performance.now();
  const { config } = loadConfigText(process.argv[1], {}, {});
  const t1 = performance.now();
  const seeded = seedStore(config.records, config.backend.default_ttl);
  if (!('store' in seeded)) throw new Error(seeded.problems.slice(0, 3).join('\\n'));
  const t2 = performance.now();
  Object.assign(times, { parseMs: t1 - t0, loadMs: t2 - t1 });
  return seeded.store;
}
const keep = [load()];
gc(); gc();
const after = process.memoryUsage();
console.log(JSON.stringify({ rrsets: keep[0].size, heap: after.heapUsed - base.heapUsed, rss: after.rss, ...times }));
`;

// The compiled server, built as `npm run build` builds it (into dist/, which git ignores).
const distDir = join(ROOT, 'dist');
const build = spawnSync(
  process.execPath,
  [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
  { cwd: ROOT, encoding: 'utf8' },
);
const compiled = build.status === 0;
if (!compiled) console.log(`(compiled start-up skipped: tsc failed)\n${build.stdout}${build.stderr}`);

console.log('bench/memory: synthetic zones (A, AAAA, TXT, CNAME per host), one process per size');
for (const size of SIZES) {
  // syntheticZone makes ~1.8 RRsets per host.
  const records = syntheticZone('mem.example.', Math.ceil(size / 1.8)).slice(0, size);
  const dnsPort = await freePort();
  const file = join(dir, `config-${size}.yaml`);
  writeFileSync(
    file,
    stringify({
      dns_port: dnsPort,
      http_port: await freePort(),
      listen: ['127.0.0.1'],
      log_level: 'warn',
      api: { token: 'bench-memory-token-0123456789abcdef' },
      records,
    }),
  );
  const run = spawnSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', CHILD, file],
    { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 20 },
  );
  if (run.status !== 0) {
    console.log(`${size}: failed\n${run.stderr}`);
    continue;
  }
  const r = JSON.parse(run.stdout.trim().split('\n').pop() as string) as {
    rrsets: number;
    heap: number;
    rss: number;
    parseMs: number;
    loadMs: number;
  };
  console.log(
    `${String(r.rrsets).padStart(8)} RRsets: heap ${(r.heap / 2 ** 20).toFixed(1)} MiB = ${(r.heap / r.rrsets).toFixed(0)} B/RRset, ` +
      `RSS ${(r.rss / 2 ** 20).toFixed(0)} MiB; in process ${((r.parseMs + r.loadMs) / 1000).toFixed(2)} s ` +
      `(config read and parsed ${(r.parseMs / 1000).toFixed(2)} s, records validated and stored ${(r.loadMs / 1000).toFixed(2)} s)`,
  );
  const host = `host${Math.floor(records.length / 3)}.mem.example.`;
  const tsx = await firstAnswer(
    ['--import', 'tsx', join(ROOT, 'src/main.ts'), '--config', file],
    dnsPort,
    host,
  );
  console.log(`          start-up to the first answer, npm start (tsx): ${tsx}`);
  if (compiled) {
    const dist = await firstAnswer([join(distDir, 'main.js'), '--config', file], dnsPort, host);
    console.log(`          start-up to the first answer, node dist/main.js: ${dist}`);
  }
}

// The generated configs are large (85 MB for a million records): they go with the run.
rmSync(dir, { recursive: true, force: true });

// firstAnswer starts the server and asks for host's A record every 50 ms until an answer comes;
// it returns the seconds from spawn to that answer and the server's CPU seconds by then.
async function firstAnswer(args: string[], port: number, host: string): Promise<string> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk;
  });
  const socket = createSocket('udp4');
  const query = encodeQuery({ id: 4242, name: host, type: RRType.A });
  try {
    const answered = new Promise<number>((resolve) => {
      socket.on('message', (msg) => {
        const m = decodeMessage(msg);
        if (m.header.id === 4242 && m.answer.length > 0) resolve(performance.now());
      });
    });
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) => reject(new Error(`server exited ${code}: ${stderr}`))),
    );
    const timer = setInterval(() => socket.send(query, port, '127.0.0.1'), 50);
    try {
      const at = await Promise.race([answered, exited]);
      const cpu = cpuSeconds(child.pid as number);
      return `${((at - started) / 1000).toFixed(2)} s (server CPU ${cpu.toFixed(2)} s)`;
    } finally {
      clearInterval(timer);
    }
  } catch (error) {
    return `failed: ${(error as Error).message.slice(0, 400)}`;
  } finally {
    socket.close();
    child.removeAllListeners('exit');
    if (child.exitCode === null) {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }
}
