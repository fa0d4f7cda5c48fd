// bench/memory: heap and RSS with 100k and 1M RRsets in the store, bytes per RRset, and start-up
// time: the config file read, parsed and validated, then loaded into the store (what the server does
// before it binds).   npm run bench -- memory
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ROOT, syntheticZone } from './lib.ts';

const SIZES = (process.env.MEMORY_SIZES ?? '100000,1000000').split(',').map(Number);
const dir = mkdtempSync(join(tmpdir(), 'jw238dns-memory-'));

// Runs in a fresh process per size, so one measurement cannot inflate the next.
const CHILD = `
import { loadConfig } from ${JSON.stringify(`${ROOT}src/config/load.ts`)};
import { recordProblems } from ${JSON.stringify(`${ROOT}src/app.ts`)};
import { Store } from ${JSON.stringify(`${ROOT}src/store/store.ts`)};
const gc = globalThis.gc;
gc(); gc();
const base = process.memoryUsage();
const times = {};
function load() {
  // The parsed config is local to this function: only the store outlives it, as in the server.
  const t0 = performance.now();
  const config = loadConfig(process.argv[1], {}, {});
  const t1 = performance.now();
  const problems = recordProblems(config.records, config.backend.default_ttl);
  if (problems.length > 0) throw new Error(problems.slice(0, 3).join('\\n'));
  const t2 = performance.now();
  const store = new Store({ defaultTtl: config.backend.default_ttl });
  store.hotReload(config.records);
  const t3 = performance.now();
  Object.assign(times, { parseMs: t1 - t0, validateMs: t2 - t1, loadMs: t3 - t2 });
  return store;
}
const keep = [load()];
gc(); gc();
const after = process.memoryUsage();
console.log(JSON.stringify({
  rrsets: keep[0].size,
  heap: after.heapUsed - base.heapUsed,
  rss: after.rss,
  ...times,
}));
`;

console.log('bench/memory: synthetic zones (A, AAAA, TXT, CNAME per host), one process per size');
for (const size of SIZES) {
  // syntheticZone makes ~1.8 RRsets per host.
  const records = syntheticZone('mem.example.', Math.ceil(size / 1.8)).slice(0, size);
  const file = join(dir, `config-${size}.yaml`);
  writeFileSync(file, stringify({ records }));
  const run = spawnSync(
    process.execPath,
    ['--expose-gc', '--max-old-space-size=8192', '--import', 'tsx', '--input-type=module', '-e', CHILD, file],
    {
      cwd: ROOT,
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    },
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
    validateMs: number;
    loadMs: number;
  };
  const startup = (r.parseMs + r.validateMs + r.loadMs) / 1000;
  console.log(
    `${String(r.rrsets).padStart(8)} RRsets: heap ${(r.heap / 2 ** 20).toFixed(1)} MiB = ${(r.heap / r.rrsets).toFixed(0)} B/RRset, ` +
      `RSS ${(r.rss / 2 ** 20).toFixed(0)} MiB; start-up ${startup.toFixed(2)} s ` +
      `(YAML ${(r.parseMs / 1000).toFixed(2)} s, validate ${(r.validateMs / 1000).toFixed(2)} s, load ${(r.loadMs / 1000).toFixed(2)} s)`,
  );
}
