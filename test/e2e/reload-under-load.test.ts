// Zero downtime (behavior.md §5): UDP queries keep being answered, each answer from one version of
// the data, while the config file is rewritten and reloaded a hundred times over HTTP. Each reload
// is partial: two RRsets updated, one added, one deleted.
import assert from 'node:assert/strict';
import { renameSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { RRType } from '../../src/dns/constants.ts';
import { decodeMessage, encodeQuery } from '../../src/dns/message.ts';
import { silentLogger } from '../../src/log.ts';
import { udpExchange } from '../helpers/client.ts';
import { startServer } from '../helpers/server.ts';

const RELOADS = 100;
const LOOPS = 4; // concurrent query loops

// Generation g: gen.example.com. holds three A records 10.<g>.0.1-3 and TXT "g"; h<g> exists, h<g-1> does not.
function config(g: number): string {
  return `records:
  - name: example.com.
    type: SOA
    value: ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300
  - name: gen.example.com.
    type: A
    value: [10.${g}.0.1, 10.${g}.0.2, 10.${g}.0.3]
  - name: gen.example.com.
    type: TXT
    value: ["${g}"]
  - name: h${g}.example.com.
    type: TXT
    value: ["${g}"]
`;
}

test(`UDP queries during ${RELOADS} partial reloads: no error, no timeout, never a mix of versions`, async (t) => {
  // A long debounce keeps the watcher out of the way, so that every reload below is the one
  // POST /api/v1/reload triggers and its summary can be checked exactly.
  const s = await startServer(t, config(0), silentLogger(), { file: true, http: true, debounceMs: 60_000 });
  const path = s.configPath as string;

  let running = true;
  let answered = 0;
  const generations = new Set<number>();
  const problems: string[] = [];
  const loop = async (id: number): Promise<void> => {
    for (let n = 0; running; n++) {
      const bytes = encodeQuery({
        id: (id << 12) | (n & 0xfff),
        name: 'gen.example.com.',
        type: RRType.ANY,
        edns: { udpSize: 1232 },
      });
      const reply = await udpExchange(s.port, bytes, 2000);
      if (reply === undefined) {
        problems.push(`loop ${id}: query ${n} timed out`);
        continue;
      }
      const message = decodeMessage(reply);
      if (message.rcode !== 0) problems.push(`loop ${id}: rcode ${message.rcode}`);
      const a = message.answer.filter((r) => r.type === RRType.A).map((r) => Number(r.data.split('.')[1]));
      const txt = message.answer
        .filter((r) => r.type === RRType.TXT)
        .map((r) => Number(r.data.replaceAll('"', '')));
      const seen = new Set([...a, ...txt]);
      if (a.length !== 3 || txt.length !== 1 || seen.size !== 1) {
        problems.push(`loop ${id}: one answer mixes versions: A ${a.join(',')} TXT ${txt.join(',')}`);
      } else {
        generations.add(a[0] as number);
      }
      answered++;
    }
  };
  const loops = Array.from({ length: LOOPS }, (_, i) => loop(i));

  try {
    for (let g = 1; g <= RELOADS; g++) {
      writeFileSync(`${path}.new`, config(g));
      renameSync(`${path}.new`, path);
      const res = await fetch(`${s.url}/api/v1/reload`, {
        method: 'POST',
        headers: { authorization: `Bearer ${s.token}` },
      });
      const summary = (await res.json()) as Record<string, number>;
      assert.equal(res.status, 200, JSON.stringify(summary));
      assert.deepEqual(
        { added: summary.added, updated: summary.updated, deleted: summary.deleted },
        { added: 1, updated: 2, deleted: 1 },
        `reload ${g} applied more than the differences`,
      );
    }
  } finally {
    running = false;
    await Promise.all(loops);
  }

  t.diagnostic(`${answered} answers during the reloads, from ${generations.size} versions of the data`);
  assert.deepEqual(problems, []);
  assert.ok(answered > 0);
  assert.ok(generations.size > 1, 'the queries did not overlap the reloads');
  // After the last reload every answer is the last version.
  const last = decodeMessage(
    (await udpExchange(s.port, encodeQuery({ id: 1, name: 'gen.example.com.', type: RRType.A })))!,
  );
  assert.deepEqual(last.answer.map((r) => r.data).sort(), [
    `10.${RELOADS}.0.1`,
    `10.${RELOADS}.0.2`,
    `10.${RELOADS}.0.3`,
  ]);
  assert.equal(s.app.store.version, 1 + RELOADS);
});
