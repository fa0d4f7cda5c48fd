// Knot DNS (Debian `knot`, knotd 3.2) as the reference server for scenario tests: the same records
// written as zone files, served on 127.0.0.1 and a free high port, stopped when the test ends.
import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { parse } from 'yaml';
import { validateConfig } from '../../src/config/load.ts';
import { Rcode, RRType } from '../../src/dns/constants.ts';
import { decodeMessage, encodeQuery, type Message } from '../../src/dns/message.ts';
import { type RecordInput, type RRset, validateRecord } from '../../src/store/record.ts';
import { query, udpExchange } from './client.ts';

/** KNOTD is the knotd binary the tests run. */
export const KNOTD = process.env.KNOTD ?? '/usr/sbin/knotd';

/** Knot is a running knotd. */
export interface Knot {
  readonly port: number;
  /** dir is the temporary directory holding knot.conf, the zone files and knotd's run-time data. */
  readonly dir: string;
  /** zones lists the apexes served, each with the zone-file text written for it. */
  readonly zones: ReadonlyMap<string, string>;
  /** log returns what knotd has written to stdout and stderr so far. */
  log(): string;
  stop(): Promise<void>;
}

/** KnotOptions tunes startKnot; the defaults suit the scenario tests. */
export interface KnotOptions {
  /** readyTimeoutMs bounds the wait for every zone to answer its SOA. */
  readonly readyTimeoutMs?: number;
}

// Ports below the kernel's ephemeral range (32768–60999 here), so Knot never takes a port that a
// client socket or a port-0 server of a parallel test file is about to get.
const PORT_MIN = 20000;
const PORT_MAX = 32767;
const START_ATTEMPTS = 20;

/**
 * startKnot writes records as zone files (one per SOA owner; a record goes into the file of its
 * deepest enclosing apex; records outside every apex are left out, since Knot serves zones only;
 * a child apex's NS is copied into the parent as its delegation, see zoneFiles),
 * starts knotd on 127.0.0.1 and a free port, waits until every zone answers its SOA over UDP and
 * TCP, and stops knotd in t.after(). records may be RRsets or config YAML (its `records` and
 * `backend.default_ttl` are read the way jw238dns reads them). A zone knotd refuses to load makes
 * this throw, with knotd's log in the message.
 */
export async function startKnot(
  t: TestContext | undefined,
  records: readonly RRset[] | string,
  options: KnotOptions = {},
): Promise<Knot> {
  const rrsets = typeof records === 'string' ? rrsetsFromYaml(records) : records;
  const zones = zoneFiles(rrsets);
  if (zones.size === 0) throw new Error('startKnot: no SOA record, so no zone for knotd to serve');
  const dir = await mkdtemp(join(tmpdir(), 'jw238dns-knot-'));
  const files = [...zones].map(([apex, text], i) => ({ apex, file: `zone-${i}.zone`, text }));
  for (const { file, text } of files) await writeFile(join(dir, file), text);
  await mkdir(join(dir, 'run'));
  await mkdir(join(dir, 'db'));

  let lastLog = '';
  for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
    const port = await freePort();
    await writeFile(join(dir, 'knot.conf'), knotConf(dir, port, files));
    const started = launch(dir, port);
    const outcome = await waitReady(started, port, [...zones.keys()], options.readyTimeoutMs ?? 10_000);
    if (outcome === 'ready') {
      const knot: Knot = {
        port,
        dir,
        zones,
        log: started.log,
        async stop() {
          await terminate(started.child);
          await rm(dir, { recursive: true, force: true });
        },
      };
      t?.after(() => knot.stop());
      return knot;
    }
    await terminate(started.child);
    lastLog = started.log();
    if (outcome !== 'port-taken') {
      await rm(dir, { recursive: true, force: true });
      const texts = files.map(({ apex, file, text }) => `--- ${file} (${apex}) ---\n${text}`).join('');
      throw new Error(`knotd did not serve every zone (${outcome})\n--- knotd log ---\n${lastLog}${texts}`);
    }
  }
  await rm(dir, { recursive: true, force: true });
  throw new Error(`knotd found no free port in ${START_ATTEMPTS} attempts\n--- knotd log ---\n${lastLog}`);
}

/** rrsetsFromYaml reads config YAML's records (a bare list of records is accepted too). */
export function rrsetsFromYaml(yaml: string): RRset[] {
  const raw = parse(yaml) as unknown;
  const config = validateConfig(Array.isArray(raw) ? { records: raw } : raw, 'knot');
  return config.records.map((r) => validateRecord(r as RecordInput, config.backend.default_ttl));
}

/** isAtOrBelow reports whether name is apex or a name under it (both lower-case FQDNs). */
export function isAtOrBelow(name: string, apex: string): boolean {
  return apex === '.' || name === apex || name.endsWith(`.${apex}`);
}

/**
 * zoneFiles groups rrsets into zone-file texts keyed by apex (the owners of SOA records); each
 * record goes into its deepest enclosing apex, and records outside every apex are left out.
 *
 * One addition: an NS RRset at a child zone's apex is also written into the parent zone, as the
 * delegation it is there. jw238dns holds one NS RRset per name, which is both the child's apex NS
 * and the parent's cut; without the copy, Knot's parent zone would not know the child exists and
 * would answer NXDOMAIN for a DS query at the child apex (which Knot answers from the parent,
 * RFC 4035 §3.1.4.1) and for the empty non-terminals between the two apexes.
 */
export function zoneFiles(rrsets: readonly RRset[]): Map<string, string> {
  const apexes = rrsets.filter((r) => r.type === 'SOA').map((r) => r.name as string);
  const enclosing = (name: string, strictly: boolean) =>
    apexes
      .filter((a) => isAtOrBelow(name, a) && !(strictly && a === name))
      .sort((a, b) => b.length - a.length)[0];
  const lines = new Map<string, string[]>(apexes.map((apex) => [apex, []]));
  for (const rrset of rrsets) {
    const apex = enclosing(rrset.name, false);
    if (apex === undefined) continue;
    const out = lines.get(apex) as string[];
    for (const value of rrset.values) out.push(zoneLine(rrset, value));
    const parent = rrset.type === 'NS' && apex === rrset.name ? enclosing(rrset.name, true) : undefined;
    if (parent !== undefined) {
      for (const value of rrset.values) lines.get(parent)?.push(zoneLine(rrset, value));
    }
  }
  // SOA first: easier to read, and what every zone file looks like.
  return new Map(
    [...lines].map(([apex, list]) => [
      apex,
      `; written by test/helpers/knot.ts\n${list.sort((a, b) => soaFirst(a) - soaFirst(b)).join('\n')}\n`,
    ]),
  );
}

function soaFirst(line: string): number {
  return / IN SOA /.test(line) ? 0 : 1;
}

/** zoneLine writes one record in zone-file syntax with an absolute owner and explicit TTL and class. */
export function zoneLine(rrset: RRset, value: string): string {
  const data = rrset.type === 'TXT' ? txtStrings(value) : value;
  return `${rrset.name} ${rrset.ttl} IN ${rrset.type} ${data}`;
}

/**
 * txtStrings turns a TXT value (the text itself, as the store keeps it) into quoted
 * character-strings of at most 255 octets each, split where jw238dns splits on the wire.
 */
export function txtStrings(value: string): string {
  const bytes = new TextEncoder().encode(value);
  if (bytes.length === 0) return '""';
  const parts: string[] = [];
  for (let i = 0; i < bytes.length; i += 255) {
    let part = '"';
    for (const c of bytes.subarray(i, i + 255)) {
      if (c === 0x22 || c === 0x5c) part += `\\${String.fromCharCode(c)}`;
      else if (c < 0x20 || c >= 0x7f) part += `\\${String(c).padStart(3, '0')}`;
      else part += String.fromCharCode(c);
    }
    parts.push(`${part}"`);
  }
  return parts.join(' ');
}

function knotConf(dir: string, port: number, files: readonly { apex: string; file: string }[]): string {
  // One worker each: a test sends one query at a time. Everything knotd writes stays in dir:
  // the timer database under `storage`, the PID file and control socket under `rundir`, no
  // journal (journal-content none) and no zone-file flushes (zonefile-sync -1). Semantic checks
  // are off (the extra checks only), so glue-less delegations and zones without NS load; the
  // mandatory ones (CNAME next to other data, …) still refuse the zone, and the test fails loudly.
  return [
    'server:',
    `  rundir: "${join(dir, 'run')}"`,
    `  listen: 127.0.0.1@${port}`,
    '  udp-workers: 1',
    '  tcp-workers: 1',
    '  background-workers: 1',
    'database:',
    `  storage: "${join(dir, 'db')}"`,
    'log:',
    '  - target: stderr',
    '    any: info',
    'template:',
    '  - id: default',
    `    storage: "${dir}"`,
    '    semantic-checks: off',
    '    zonefile-load: whole',
    '    zonefile-sync: -1',
    '    journal-content: none',
    'zone:',
    ...files.flatMap(({ apex, file }) => [`  - domain: "${apex}"`, `    file: "${file}"`]),
    '',
  ].join('\n');
}

interface Launched {
  readonly child: ChildProcess;
  readonly log: () => string;
  exited: boolean;
}

function launch(dir: string, port: number): Launched {
  const child = spawn(KNOTD, ['-c', join(dir, 'knot.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const append = (chunk: Buffer) => {
    text += chunk.toString();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const launched: Launched = { child, log: () => text, exited: false };
  // Should the test process end without running t.after() (a crash, a timeout), take knotd along.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => {
    launched.exited = true;
    process.off('exit', killOnExit);
  });
  child.once('error', (err) => {
    text += `\nspawn ${KNOTD} failed: ${err.message} (port ${port})`;
    launched.exited = true;
  });
  return launched;
}

type Outcome = 'ready' | 'port-taken' | string;

/** waitReady polls every apex for its SOA until all answer authoritatively, knotd exits, or time runs out. */
async function waitReady(k: Launched, port: number, apexes: string[], timeoutMs: number): Promise<Outcome> {
  const deadline = Date.now() + timeoutMs;
  const pending = new Set(apexes);
  while (Date.now() < deadline) {
    if (k.exited) return /already in use|cannot bind/i.test(k.log()) ? 'port-taken' : 'knotd exited';
    // knotd logs "[zone.] zone file error" / "failed to load" and then answers SERVFAIL for that zone.
    if (/^.* error: \[[^\]]*\]/m.test(k.log())) return 'a zone failed to load';
    for (const apex of [...pending]) {
      if (await soaAnswered(port, apex)) pending.delete(apex);
    }
    if (pending.size === 0) {
      // One TCP round trip too, so a TCP case never races the listener.
      try {
        const reply = await query(port, apexes[0] as string, 'SOA', { tcp: true, rd: false });
        if (isSoaAnswer(reply)) return 'ready';
      } catch {
        // not yet
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (k.exited) return /already in use|cannot bind/i.test(k.log()) ? 'port-taken' : 'knotd exited';
  return `timed out after ${timeoutMs} ms waiting for the SOA of ${[...pending].join(', ') || 'a zone over TCP'}`;
}

function isSoaAnswer(m: Message): boolean {
  return m.rcode === Rcode.NOERROR && m.header.aa && m.answer.some((rr) => rr.type === RRType.SOA);
}

/** soaAnswered asks for apex SOA over UDP with a short timeout (a poll, not a test query). */
async function soaAnswered(port: number, apex: string): Promise<boolean> {
  const bytes = encodeQuery({ id: 1, name: apex, type: RRType.SOA, rd: false });
  try {
    const reply = await udpExchange(port, bytes, 250);
    return reply !== undefined && isSoaAnswer(decodeMessage(reply));
  } catch {
    return false;
  }
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** freePort returns a port in [PORT_MIN, PORT_MAX] that is free for both TCP and UDP on 127.0.0.1 right now. */
async function freePort(): Promise<number> {
  for (;;) {
    const port = PORT_MIN + Math.floor(Math.random() * (PORT_MAX - PORT_MIN + 1));
    if ((await canBindTcp(port)) && (await canBindUdp(port))) return port;
  }
}

async function canBindTcp(port: number): Promise<boolean> {
  const server = createServer();
  try {
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    return true;
  } catch {
    return false;
  } finally {
    if (server.listening) await new Promise((resolve) => server.close(resolve));
  }
}

async function canBindUdp(port: number): Promise<boolean> {
  const socket = createSocket('udp4');
  try {
    socket.bind(port, '127.0.0.1');
    await once(socket, 'listening');
    return true;
  } catch {
    return false;
  } finally {
    try {
      socket.close();
    } catch {
      // never bound
    }
  }
}
