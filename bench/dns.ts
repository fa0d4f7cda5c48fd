// bench/dns: jw238dns against Knot DNS on the same data, measured with dnsperf (Debian) over UDP
// and pipelined TCP, plus latency at a fixed 20k qps. Prints qps, loss, average latency, server
// CPU µs per query and the jw238dns/Knot ratio from the same run.
//   npm run bench -- dns        (DNSPERF_SECONDS=10 by default; WORKERS=n sets jw238dns `workers`,
//                                by default one per core as Knot runs a thread per core)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { cpuSecondsTree, freePort, queryMix, start, stop, syntheticZone } from './lib.ts';

const SECONDS = Number(process.env.DNSPERF_SECONDS ?? 10);
const APEX = 'bench.example.';
const HOSTS = 2000;
const dir = mkdtempSync(join(tmpdir(), 'jw238dns-bench-'));
const records = syntheticZone(APEX, HOSTS);
writeFileSync(join(dir, 'queries.txt'), queryMix(APEX, HOSTS, 50_000));

interface Result {
  qps: number;
  lost: number;
  sent: number;
  latencyMs: number;
  cpuUsPerQuery: number;
}

function load(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');
}

function has(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
}

function dnsperf(port: number, pid: number, mode: 'udp' | 'tcp', extra: string[]): Result {
  const before = cpuSecondsTree(pid);
  const run = spawnSync(
    'dnsperf',
    [
      '-s',
      '127.0.0.1',
      '-p',
      String(port),
      '-d',
      join(dir, 'queries.txt'),
      '-l',
      String(SECONDS),
      '-m',
      mode,
      ...extra,
    ],
    { encoding: 'utf8', timeout: (SECONDS + 30) * 1000 },
  );
  const cpu = cpuSecondsTree(pid) - before;
  const out = run.stdout;
  const num = (re: RegExp) => Number(re.exec(out)?.[1] ?? Number.NaN);
  const completed = num(/Queries completed:\s+(\d+)/);
  return {
    qps: num(/Queries per second:\s+([\d.]+)/),
    sent: num(/Queries sent:\s+(\d+)/),
    lost: num(/Queries lost:\s+(\d+)/),
    latencyMs: num(/Average Latency \(s\):\s+([\d.]+)/) * 1000,
    cpuUsPerQuery: (cpu * 1e6) / completed,
  };
}

function knotZone(): string {
  const lines = [`$ORIGIN ${APEX}`, '$TTL 300'];
  for (const r of records)
    for (const v of r.value)
      lines.push(`${r.name} ${r.ttl ?? 300} IN ${r.type} ${r.type === 'TXT' ? JSON.stringify(v) : v}`);
  return `${lines.join('\n')}\n`;
}

const LOADS: [string, 'udp' | 'tcp', string[]][] = [
  ['udp', 'udp', ['-c', '4', '-q', '200']],
  ['tcp pipelined', 'tcp', ['-c', '4', '-q', '200']],
  ['udp @ 20k qps', 'udp', ['-c', '4', '-q', '200', '-Q', '20000']],
];

async function measure(name: string, port: number, pid: number): Promise<Map<string, Result>> {
  const results = new Map<string, Result>();
  // Warm up both paths, for both servers alike: the JIT, the answer cache, each worker's code (its
  // share of the queries reaches it only under load). Not counted.
  for (const mode of ['udp', 'tcp'] as const) dnsperf(port, pid, mode, ['-c', '4', '-q', '200', '-l', '2']);
  for (const [label, mode, extra] of LOADS) {
    const r = dnsperf(port, pid, mode, extra);
    results.set(label, r);
    console.log(
      `${name.padEnd(9)} ${label.padEnd(14)} ${r.qps.toFixed(0).padStart(8)} qps  lost ${String(r.lost).padStart(6)}/${r.sent}  avg ${r.latencyMs.toFixed(3)} ms  cpu ${r.cpuUsPerQuery.toFixed(1)} µs/query`,
    );
  }
  return results;
}

async function main(): Promise<void> {
  if (!has('dnsperf')) {
    console.log('bench/dns: dnsperf is not installed (Debian package dnsperf); skipped');
    return;
  }
  console.log(
    `bench/dns: ${records.length} RRsets, 50,000-query mix (80% hit, 8% NODATA, 12% NXDOMAIN), ${SECONDS}s per run`,
  );
  // On a shared machine the figures follow what else runs: say how busy it was, before and after.
  // Knot runs with its defaults, a UDP and a TCP thread per core: jw238dns too gets a process per
  // core (`workers`), unless WORKERS says otherwise (WORKERS=1: one process).
  const workers = Number(process.env.WORKERS ?? availableParallelism());
  console.log(`load average ${load()} (1, 5, 15 min), ${workers} jw238dns worker(s)`);
  const ours = await freePort();
  writeFileSync(
    join(dir, 'config.yaml'),
    stringify({
      dns_port: ours,
      http_port: 0,
      listen: ['127.0.0.1'],
      log_level: 'warn',
      workers,
      records,
    }),
  );
  const server = await start(
    process.execPath,
    ['--import', 'tsx', 'src/main.ts', '--config', join(dir, 'config.yaml'), '--log-level', 'info'],
    /dns listening/,
  );
  const mine = await measure('jw238dns', ours, server.pid as number);
  await stop(server);

  if (!has('knotd')) {
    console.log('bench/dns: knotd is not installed (Debian package knot); no reference run');
    return;
  }
  const knotPort = await freePort();
  writeFileSync(join(dir, 'bench.zone'), knotZone());
  writeFileSync(
    join(dir, 'knot.conf'),
    `server:\n  listen: 127.0.0.1@${knotPort}\n  rundir: ${dir}\ndatabase:\n  storage: ${dir}\nlog:\n  - target: stderr\n    any: info\nzone:\n  - domain: ${APEX}\n    file: ${join(dir, 'bench.zone')}\n`,
  );
  const knot = await start('knotd', ['-c', join(dir, 'knot.conf')], /loaded, serial|server started/);
  await new Promise((r) => setTimeout(r, 500));
  const theirs = await measure('knot', knotPort, knot.pid as number);
  await stop(knot);

  console.log(`\nload average ${load()} (1, 5, 15 min) at the end`);
  console.log('ratio jw238dns / knot (same run):');
  for (const [label] of LOADS) {
    const a = mine.get(label) as Result;
    const b = theirs.get(label) as Result;
    console.log(
      `  ${label.padEnd(14)} qps ${(a.qps / b.qps).toFixed(2)}×   cpu/query ${(a.cpuUsPerQuery / b.cpuUsPerQuery).toFixed(2)}×`,
    );
  }
}

try {
  await main();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
