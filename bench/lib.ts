// Shared pieces of the benchmarks: a synthetic zone, processes, CPU time. Benchmarks print their
// figures; they are never tests and commit no results.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** ROOT is the repository root. */
export const ROOT = new URL('..', import.meta.url).pathname;

/** BenchRecord is a record as the config file holds it. */
export interface BenchRecord {
  name: string;
  type: string;
  ttl?: number;
  value: string[];
}

/** syntheticZone returns a zone of hosts with A, AAAA, MX, TXT and CNAME records under apex. */
export function syntheticZone(apex: string, hosts: number): BenchRecord[] {
  const records: BenchRecord[] = [
    { name: apex, type: 'SOA', ttl: 3600, value: [`ns1.${apex} hostmaster.${apex} 1 7200 3600 1209600 300`] },
    { name: apex, type: 'NS', ttl: 3600, value: [`ns1.${apex}`, `ns2.${apex}`] },
    { name: `ns1.${apex}`, type: 'A', value: ['192.0.2.53'] },
    { name: `ns2.${apex}`, type: 'A', value: ['198.51.100.53'] },
    { name: apex, type: 'MX', value: [`10 mail.${apex}`] },
    { name: `mail.${apex}`, type: 'A', value: ['192.0.2.25'] },
  ];
  for (let i = 0; i < hosts; i++) {
    const host = `host${i}.${apex}`;
    const a = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    records.push({
      name: host,
      type: 'A',
      value: i % 4 === 0 ? [a, `172.16.${(i >> 8) & 255}.${i & 255}`] : [a],
    });
    if (i % 2 === 0)
      records.push({
        name: host,
        type: 'AAAA',
        value: [`2001:db8::${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}`],
      });
    if (i % 5 === 0) records.push({ name: host, type: 'TXT', value: [`v=spf1 ip4:${a} -all`] });
    if (i % 10 === 0) records.push({ name: `www${i}.${apex}`, type: 'CNAME', value: [host] });
  }
  return records;
}

/** queryMix returns dnsperf input lines: ~80 % hits, ~8 % NODATA, ~12 % NXDOMAIN. */
export function queryMix(apex: string, hosts: number, lines: number): string {
  const out: string[] = [];
  let seed = 12345;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let i = 0; i < lines; i++) {
    const r = rand(100);
    const h = rand(hosts);
    if (r < 80) {
      const pick = rand(10);
      if (pick < 6) out.push(`host${h}.${apex} A`);
      else if (pick < 8) out.push(`host${h - (h % 2)}.${apex} AAAA`);
      else if (pick < 9) out.push(`www${h - (h % 10)}.${apex} A`);
      else out.push(`${apex} MX`);
    } else if (r < 88) {
      out.push(`host${h}.${apex} SRV`);
    } else {
      out.push(`nx${h}.${apex} A`);
    }
  }
  return `${out.join('\n')}\n`;
}

/** freePort returns a TCP port free on 127.0.0.1 just now. */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

/** cpuSeconds returns the user + system CPU time a process has used, from /proc. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[11] and [12] are utime and stime in clock ticks (stat(5): fields 14 and 15).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** cpuSecondsTree adds the CPU time of pid and its child processes (cluster workers). */
export function cpuSecondsTree(pid: number): number {
  let total = cpuSeconds(pid);
  try {
    for (const child of readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/)) {
      if (child !== '') total += cpuSecondsTree(Number(child));
    }
  } catch {
    // no children file: count the process alone
  }
  return total;
}

/** start runs a command and resolves once its output matches ready. */
export async function start(
  command: string,
  args: string[],
  ready: RegExp,
  cwd = ROOT,
): Promise<ChildProcess> {
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} did not start:\n${output}`)), 120_000);
    const check = (chunk: Buffer) => {
      output += chunk;
      if (ready.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    child.once('exit', (code) => reject(new Error(`${command} exited ${code}:\n${output}`)));
  });
  child.removeAllListeners('exit');
  return child;
}

/** stop ends a child process and waits for it. */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await once(child, 'exit');
}
