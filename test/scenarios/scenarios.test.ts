// Scenario tests (architecture.md §9, issue 3): every test/scenarios/<name>/ holds records.yaml
// and cases.ts. For each scenario, jw238dns is started on the records (plus the scenario's
// backend options and variants) and knotd on the same records written as zone files; every case
// is sent to both over its transport and the answers compared with assertSameAnswer. A case's
// explicit expectations are checked on jw238dns too (and knotExpect on Knot).
//
// Run: node --import tsx --test test/scenarios/scenarios.test.ts
// One scenario: SCENARIO=wildcards node --import tsx --test test/scenarios/scenarios.test.ts
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse, stringify } from 'yaml';
import { typeNumber } from '../../src/dns/constants.ts';
import { decodeMessage, encodeQuery, type Message } from '../../src/dns/message.ts';
import { tcpExchange, udpExchange } from '../helpers/client.ts';
import { assertExpected, assertSameAnswer } from '../helpers/compare.ts';
import { type Knot, startKnot } from '../helpers/knot.ts';
import { startServer } from '../helpers/server.ts';
import type { Case, Scenario } from './case.ts';

const here = new URL('.', import.meta.url).pathname;
const only = process.env.SCENARIO?.split(',').filter(Boolean);

const names = readdirSync(here, { withFileTypes: true })
  .filter((e) => e.isDirectory() && existsSync(join(here, e.name, 'records.yaml')))
  .map((e) => e.name)
  .filter((name) => only === undefined || only.includes(name))
  .sort();

if (names.length === 0) throw new Error(`no scenarios found under ${here}`);

/** label names a case: the query, how it was sent, the server variant, and why it is there. */
function label(c: Case): string {
  const how = [c.tcp ? 'TCP' : 'UDP'];
  if (c.edns) how.push(`EDNS ${c.edns.udpSize}${c.edns.do ? ' DO' : ''}`);
  if (c.rd === false) how.push('RD=0');
  if (c.variant) how.push(`variant ${c.variant}`);
  return `${c.q} [${how.join(', ')}] ${c.why}`;
}

function queryBytes(c: Case): Uint8Array {
  const m = /^\s*(\S+)\s+(\S+)\s*$/.exec(c.q);
  if (m === null) throw new Error(`case query must be "name TYPE": ${c.q}`);
  const [, name, type] = m as unknown as [string, string, string];
  return encodeQuery({
    id: 4242,
    name,
    type: typeNumber(type) ?? Number.NaN,
    rd: c.rd !== false,
    ...(c.edns ? { edns: { udpSize: c.edns.udpSize, do: c.edns.do === true } } : {}),
  });
}

async function exchange(port: number, c: Case): Promise<Buffer> {
  const bytes = queryBytes(c);
  const reply = c.tcp ? (await tcpExchange(port, [bytes]))[0] : await udpExchange(port, bytes);
  if (reply === undefined) throw new Error(`no reply to ${c.q}`);
  return reply;
}

async function ask(port: number, c: Case): Promise<Message> {
  return decodeMessage(await exchange(port, c));
}

for (const name of names) {
  test(`scenario ${name}`, async (t) => {
    const { scenario } = (await import(`./${name}/cases.ts`)) as { scenario: Scenario };
    const records = parse(readFileSync(join(here, name, 'records.yaml'), 'utf8')) as unknown[];
    // http_port 0: no HTTP API, so several servers (the variants, parallel test files) never share a port.
    const configFor = (backend: Scenario['backend']) =>
      stringify({ http_port: 0, backend: backend ?? {}, records });

    const ours = new Map<string | undefined, number>();
    ours.set(undefined, (await startServer(t, configFor(scenario.backend))).port);
    for (const [variant, backend] of Object.entries(scenario.variants ?? {})) {
      ours.set(variant, (await startServer(t, configFor({ ...scenario.backend, ...backend }))).port);
    }
    const comparesWithKnot = (c: Case) => c.knot ?? c.variant === undefined;
    const usesKnot = (c: Case) => comparesWithKnot(c) || c.knotExpect !== undefined;
    const knot: Knot | undefined = scenario.cases.some(usesKnot)
      ? await startKnot(t, configFor(scenario.backend))
      : undefined;

    for (const c of scenario.cases) {
      await t.test(label(c), async () => {
        const port = ours.get(c.variant);
        if (port === undefined) throw new Error(`scenario ${name} has no variant ${c.variant}`);
        if (!comparesWithKnot(c) && c.expect === undefined) {
          throw new Error('a case that is not compared with Knot needs `expect`, or it checks nothing');
        }
        const [first, theirs] = await Promise.all([
          exchange(port, c),
          usesKnot(c) && knot !== undefined ? ask(knot.port, c) : undefined,
        ]);
        const mine = decodeMessage(first);
        // The same query again is answered by the fast path from its cache (issue 4): the octets
        // must be exactly those the full pipeline produced the first time.
        const again = await exchange(port, c);
        if (!again.equals(first))
          throw new Error(`${label(c)}: the fast path answered other octets than the full pipeline`);
        const what = label(c);
        const failures: string[] = [];
        const check = (fn: () => void) => {
          try {
            fn();
          } catch (err) {
            failures.push((err as Error).message);
          }
        };
        const { expect, knotExpect } = c;
        if (theirs !== undefined && comparesWithKnot(c)) {
          check(() =>
            assertSameAnswer(mine, theirs, what, { ...c.compare, additional: c.additional ?? 'skip' }),
          );
        }
        if (theirs !== undefined && knotExpect)
          check(() => assertExpected(theirs, knotExpect, what, 'knotd'));
        if (expect) check(() => assertExpected(mine, expect, what));
        if (failures.length > 0) throw new Error(failures.join('\n\n'));
      });
    }
  });
}
