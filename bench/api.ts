// bench/api: autocannon against the HTTP API of a running jw238dns (the real process, a real
// config file). Prints requests per second and latency percentiles for
//   - GET /api/v1/records            the whole list (a synthetic zone, ~RRSETS RRsets)
//   - GET /api/v1/records/:name      one name
//   - POST then DELETE of a new name  each written back to the file (temp file, fsync, rename)
//   npm run bench -- api              (API_BENCH_SECONDS=10, API_BENCH_CONNECTIONS=10 by default)
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { stringify } from 'yaml';
import { freePort, ROOT, stop, syntheticZone } from './lib.ts';

const SECONDS = Number(process.env.API_BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.API_BENCH_CONNECTIONS ?? 10);
const APEX = 'bench.example.';
const HOSTS = 200;
const TOKEN = 'bench-token';

interface Row {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  errors: number;
}

async function measure(name: string, options: autocannon.Options): Promise<Row> {
  const result = await autocannon({ duration: SECONDS, connections: CONNECTIONS, ...options });
  return {
    name,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

const dir = mkdtempSync(join(tmpdir(), 'jw238dns-bench-api-'));
const path = join(dir, 'config.yaml');
const records = syntheticZone(APEX, HOSTS);
writeFileSync(path, `# bench/api config: comments must survive the write-backs\n${stringify({ records })}`);
const dns = await freePort();
const http = await freePort();
// Logs at warn: a line per write would measure the logger, not the API.
const server = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    join(ROOT, 'src/main.ts'),
    '--config',
    path,
    '--listen',
    '127.0.0.1',
    '--dns-port',
    String(dns),
    '--http-port',
    String(http),
    '--log-level',
    'warn',
  ],
  { env: { ...process.env, JW238DNS_API_TOKEN: TOKEN }, stdio: ['ignore', 'ignore', 'inherit'] },
);
const url = `http://127.0.0.1:${http}`;
for (let i = 0; ; i++) {
  const ready = await fetch(`${url}/ready`).then(
    (r) => r.ok,
    () => false,
  );
  if (ready) break;
  if (i > 400 || server.exitCode !== null) throw new Error('the server did not get ready');
  await new Promise((r) => setTimeout(r, 50));
}

const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
let sequence = 0;
const rows: Row[] = [];
let served = 0;
let file = '';
try {
  rows.push(
    await measure(`GET /api/v1/records (${records.length} RRsets)`, {
      url: `${url}/api/v1/records`,
      headers,
    }),
  );
  rows.push(
    await measure('GET /api/v1/records/:name', { url: `${url}/api/v1/records/host1.${APEX}`, headers }),
  );
  rows.push(
    await measure('POST + DELETE (written back)', {
      url,
      headers,
      requests: [
        {
          method: 'POST',
          path: '/api/v1/records',
          setupRequest: (request, context) => {
            const name = `cycle${sequence++}.${APEX}`;
            (context as { name?: string }).name = name; // read by the DELETE that follows
            return { ...request, body: JSON.stringify({ name, type: 'A', value: ['192.0.2.200'] }) };
          },
        },
        {
          method: 'DELETE',
          setupRequest: (request, context) => ({
            ...request,
            path: `/api/v1/records/${(context as { name?: string }).name}`,
            body: undefined,
          }),
        },
      ],
    }),
  );
  // Cross-check after the load: the file and the server hold the same records (a cycle cut short by
  // the end of the run leaves its POST without its DELETE, in both). autocannon returns with
  // requests still queued in the server: let them finish first.
  await new Promise((r) => setTimeout(r, 1000));
  served = ((await (await fetch(`${url}/api/v1/records`, { headers })).json()) as unknown[]).length;
  file = readFileSync(path, 'utf8');
} finally {
  await stop(server);
}

console.log(`jw238dns HTTP API, ${CONNECTIONS} connections, ${SECONDS} s each (autocannon)\n`);
console.log(
  `${'route'.padEnd(40)} ${'req/s'.padStart(9)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'requests'.padStart(9)} ${'non-2xx'.padStart(8)} ${'errors'.padStart(7)}`,
);
for (const r of rows) {
  console.log(
    `${r.name.padEnd(40)} ${r.rps.toFixed(0).padStart(9)} ${r.p50.toFixed(2).padStart(8)} ${r.p99.toFixed(2).padStart(8)} ${String(r.requests).padStart(9)} ${String(r.non2xx).padStart(8)} ${String(r.errors).padStart(7)}`,
  );
}
const inFile = file.match(/^ {2}- name:/gm)?.length ?? 0;
console.log(
  `\nafterwards: ${inFile} RRsets in the file, ${served} served (${inFile === served ? 'in step' : 'OUT OF STEP'}); started with ${records.length}; leading comment kept: ${file.startsWith('# bench/api config')}`,
);
