// bench/reload: 100k RRsets loaded; a partial reload of 10 changed records, end to end (the file
// edited on disk, read, parsed, checked, diffed and applied, as on SIGHUP or a watch event) and
// through the store API alone; and what seeding the reload fast path at start-up costs
// (RecordChunks.remember). Prints milliseconds.   npm run bench -- reload
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { buildApp } from '../src/app.ts';
import { validateConfig } from '../src/config/load.ts';
import { splitRecords } from '../src/config/records-text.ts';
import type { Config } from '../src/config/schema.ts';
import { silentLogger } from '../src/log.ts';
import { RecordChunks } from '../src/sources/chunks.ts';
import { type RecordInput, validateRecord } from '../src/store/record.ts';
import { Store } from '../src/store/store.ts';
import { syntheticZone } from './lib.ts';

const SIZE = Number(process.env.RELOAD_SIZE ?? 100_000);
const ROUNDS = 9;
const records = syntheticZone('reload.example.', Math.ceil(SIZE / 1.8)).slice(0, SIZE) as RecordInput[];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const range = (xs: number[]) => `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}`;

// Ten A records get a new address each round, on top of the previous rounds' edits.
let current = records;
function edited(round: number): RecordInput[] {
  let changed = 0;
  current = current.map((r, i) => {
    if (changed < 10 && r.type === 'A' && i % 997 === round) {
      changed++;
      return { ...r, value: [`192.0.2.${(round * 10 + changed) % 250}`] };
    }
    return r;
  });
  return current;
}

// Through the store API: ten validated updates in one change set.
{
  const store = new Store({ defaultTtl: 300 });
  store.hotReload(records);
  const times: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const before = current;
    const changes = edited(round).filter((r, i) => r !== before[i]);
    const started = performance.now();
    store.partialReload({ updated: changes });
    times.push(performance.now() - started);
  }
  console.log(
    `store API: partialReload of 10 updates among ${store.size} RRsets: median ${median(times).toFixed(2)} ms`,
  );
  const one = validateRecord(records[0] as RecordInput, 300);
  const started = performance.now();
  for (let i = 0; i < 1000; i++) store.apply({ updated: [{ ...one, ttl: 60 + (i % 2) }] });
  console.log(
    `store API: one update applied: ${(((performance.now() - started) / 1000) * 1000).toFixed(1)} µs`,
  );
}

// End to end: the file on disk edited, then reloaded (what a watch event or SIGHUP runs).
{
  const dir = mkdtempSync(join(tmpdir(), 'jw238dns-reload-'));
  const path = join(dir, 'config.yaml');
  writeFileSync(path, stringify({ records }));
  const config = { ...validateConfig({ listen: ['127.0.0.1'] }), dns_port: 0, http_port: 0 } as Config;
  const loadStarted = performance.now();
  const app = buildApp(config, silentLogger(), {
    configPath: path,
    processMetrics: false,
    debounceMs: 60_000,
    pollMs: 3_600_000,
  });
  await app.start();
  console.log(
    `end to end: initial load of ${app.store.size} RRsets from ${(readFileSync(path).length / 2 ** 20).toFixed(1)} MiB of YAML: ${(performance.now() - loadStarted).toFixed(0)} ms`,
  );
  const times: number[] = [];
  current = records;
  for (let round = 1; round <= ROUNDS; round++) {
    writeFileSync(path, stringify({ records: edited(round) }));
    // The benchmark's own garbage (rendering 100k records to YAML) is not the server's: collect it
    // before timing, when the runner allows (bench/run.ts passes --expose-gc).
    (globalThis as { gc?: () => void }).gc?.();
    const summary = await app.reload('signal');
    if (summary.updated !== 10 && round > 0)
      console.log(`  round ${round}: ${summary.updated} updated (expected 10)`);
    times.push(summary.durationMs);
  }
  console.log(
    `end to end: partial reload of 10 changes among ${app.store.size} RRsets: median ${median(times).toFixed(0)} ms, range ${range(times)} ms (target < 100 ms)`,
  );
  await app.stop();

  // Start-up seeds the fast path with the text it read, the RRsets it validated and, when it cut
  // the text itself, that cut (RecordSync.seed → RecordChunks.remember).
  const text = readFileSync(path, 'utf8');
  const rrsets = current.map((r) => validateRecord(r, 300));
  const split = splitRecords(text);
  const seeds: Record<string, number[]> = { 'with the cut': [], 'cutting the text': [] };
  for (let round = 0; round < 5; round++) {
    for (const [how, cut] of [
      ['with the cut', split],
      ['cutting the text', undefined],
    ] as const) {
      (globalThis as { gc?: () => void }).gc?.();
      const started = performance.now();
      new RecordChunks().remember(text, rrsets, 0, cut);
      seeds[how]?.push(performance.now() - started);
    }
  }
  console.log(
    `seed: remember of ${rrsets.length} entries: ${Object.entries(seeds)
      .map(([how, xs]) => `${how} median ${median(xs).toFixed(1)} ms`)
      .join(', ')}`,
  );
}
