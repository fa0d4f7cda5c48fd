// The ACME challenge handlers over the real write path (RecordSync on a MemorySource): DNS-01 values
// as a set (cert-manager's conformance cases), HTTP-01 tokens, expiry with an injected clock, and
// a second replica reading the same source.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse, parseDocument } from 'yaml';
import type { Name } from '../dns/name.ts';
import { silentLogger } from '../log.ts';
import { MemorySource } from '../sources/memory.ts';
import { Overlay } from '../sources/overlay.ts';
import { PersistError, revisionOf, type Source, type SourceSnapshot } from '../sources/source.ts';
import { RecordSync } from '../sources/sync.ts';
import { RecordError } from '../store/record.ts';
import { Store } from '../store/store.ts';
import { Challenges, type ChallengeWriter } from './challenges.ts';
import { challengeName } from './dns01.ts';

const SOA = 'ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300';
const TEXT = `# example.com.
records:
  - name: example.com.
    type: SOA
    value: ${SOA}
  - name: _acme-challenge.other.example.com.
    type: TXT
    ttl: 300
    value: [kept-by-hand]
  - name: www.example.com.
    type: A
    value: [192.0.2.1]
`;
const HOUR = 3_600_000;
const T0 = Date.parse('2026-11-29T10:00:00Z');
const NAME = challengeName('example.com');
const OTHER = challengeName('other.example.com');

async function replica(source: Source, clock: { now: number }, ttlMs = HOUR) {
  const store = new Store({ defaultTtl: 300 });
  const sync = new RecordSync(source, store, { log: silentLogger(), debounceMs: 5 });
  const challenges = new Challenges(sync, { ttlMs, log: silentLogger(), now: () => clock.now });
  await sync.start();
  return {
    store,
    sync,
    challenges,
    txt: (name: Name) => [...(store.getRRset(name, 'TXT')?.values ?? [])].sort(),
    close: async () => {
      challenges.close();
      await sync.close();
    },
  };
}

async function setup(t: { after: (fn: () => Promise<void>) => void }, text = TEXT, ttlMs = HOUR) {
  const source = new MemorySource(text);
  const clock = { now: T0 };
  const r = await replica(source, clock, ttlMs);
  t.after(r.close);
  return { ...r, source, clock, saved: () => parse(source.text) as Record<string, unknown> };
}

test('present adds a value as a TXT RRset with TTL 60, persisted with its expiry', async (t) => {
  const s = await setup(t);
  const { created, entry } = await s.challenges.presentDns01(NAME, 'value-one');
  assert.equal(created, true);
  assert.equal(entry.expires, T0 + HOUR);
  const rrset = s.store.getRRset(NAME, 'TXT');
  assert.deepEqual({ ttl: rrset?.ttl, values: rrset?.values }, { ttl: 60, values: ['value-one'] });
  const saved = s.saved();
  assert.deepEqual(
    (saved.records as { name: string; value: string[] }[]).find((r) => r.name === NAME)?.value,
    ['value-one'],
  );
  assert.deepEqual(saved.acme_challenges, {
    dns01: [{ name: NAME, value: 'value-one', expires: '2026-11-29T11:00:00.000Z' }],
  });
  assert.match(s.source.text, /^# example\.com\.\n/, 'the rest of the file is kept');
  assert.match(s.source.text, /# Written by jw238dns: ACME challenges in progress/);
});

test('present is idempotent: no duplicate value, no second record, the expiry moves on', async (t) => {
  const s = await setup(t);
  await s.challenges.presentDns01(NAME, 'value-one');
  const version = s.store.version;
  s.clock.now += 60_000;
  const again = await s.challenges.presentDns01(NAME, 'value-one');
  assert.equal(again.created, false);
  assert.equal(again.entry.expires, T0 + 60_000 + HOUR);
  assert.deepEqual(s.txt(NAME), ['value-one']);
  assert.equal(s.store.version, version, 'no record changed');
  assert.equal(s.challenges.state().dns01.length, 1);
});

test('two values at one name coexist (apex and wildcard), cleaning up one keeps the other', async (t) => {
  const s = await setup(t);
  // An apex and a wildcard order: both map to _acme-challenge.example.com., presented at once.
  assert.equal(challengeName('*.example.com'), NAME);
  const [apex, wildcard] = await Promise.all([
    s.challenges.presentDns01(NAME, 'apex-value'),
    s.challenges.presentDns01(challengeName('*.example.com'), 'wildcard-value'),
  ]);
  assert.equal(apex.created && wildcard.created, true);
  assert.deepEqual(s.txt(NAME), ['apex-value', 'wildcard-value']);

  assert.equal(await s.challenges.cleanUpDns01(NAME, 'wildcard-value'), true);
  assert.deepEqual(s.txt(NAME), ['apex-value']);
  assert.equal(await s.challenges.cleanUpDns01(NAME, 'wildcard-value'), false, 'a repeat finds nothing');
  assert.deepEqual(s.txt(NAME), ['apex-value']);

  assert.equal(await s.challenges.cleanUpDns01(NAME, 'apex-value'), true);
  assert.equal(s.store.getRRset(NAME, 'TXT'), undefined, 'the RRset goes with its last value');
  assert.equal(s.saved().acme_challenges, undefined, 'no challenge left: the key is gone');
  assert.doesNotMatch(s.source.text, /acme_challenges|Written by jw238dns/);
});

test('many values presented at once all land (unbounded set)', async (t) => {
  const s = await setup(t);
  const values = Array.from({ length: 20 }, (_, i) => `value-${String(i).padStart(2, '0')}`);
  await Promise.all(values.map((v) => s.challenges.presentDns01(NAME, v)));
  assert.deepEqual(s.txt(NAME), values);
  assert.equal(s.challenges.state().dns01.length, 20);
});

test('other TXT values at the name and other records are never touched', async (t) => {
  const s = await setup(t);
  await s.challenges.presentDns01(OTHER, 'challenge');
  assert.deepEqual(s.txt(OTHER), ['challenge', 'kept-by-hand']);
  assert.equal(s.store.getRRset(OTHER, 'TXT')?.ttl, 300, 'the TTL of the RRset is kept');
  await s.challenges.cleanUpDns01(OTHER, 'challenge');
  assert.deepEqual(s.txt(OTHER), ['kept-by-hand']);
  // A value put there by hand is not ours to clean up when no challenge names it... unless asked.
  await s.challenges.presentDns01(OTHER, 'challenge');
  s.clock.now += HOUR;
  assert.equal(await s.challenges.expire(), 1);
  assert.deepEqual(s.txt(OTHER), ['kept-by-hand']);
  assert.equal(s.store.size, 3);
});

test('expiry removes a stale value and keeps a fresh one at the same name', async (t) => {
  const s = await setup(t);
  await s.challenges.presentDns01(NAME, 'stale');
  s.clock.now += HOUR / 2;
  await s.challenges.presentDns01(NAME, 'fresh');
  s.clock.now = T0 + HOUR - 1;
  assert.equal(await s.challenges.expire(), 0, 'not yet');
  s.clock.now = T0 + HOUR;
  assert.equal(await s.challenges.expire(), 1);
  assert.deepEqual(s.txt(NAME), ['fresh']);
  assert.deepEqual(
    s.challenges.state().dns01.map((e) => e.value),
    ['fresh'],
  );
  s.clock.now = T0 + HOUR + HOUR / 2;
  assert.equal(await s.challenges.expire(), 1);
  assert.equal(s.store.getRRset(NAME, 'TXT'), undefined);
  assert.equal(s.saved().acme_challenges, undefined);
});

test('HTTP-01: a token is served until removed or expired, and persisted', async (t) => {
  const s = await setup(t);
  const entry = await s.challenges.putHttp01('tok-1', 'tok-1.thumb');
  assert.equal(entry.expires, T0 + HOUR);
  assert.equal(s.challenges.keyAuthorization('tok-1'), 'tok-1.thumb');
  assert.equal(s.challenges.keyAuthorization('tok-2'), undefined);
  assert.deepEqual(s.saved().acme_challenges, {
    http01: [{ token: 'tok-1', key_authorization: 'tok-1.thumb', expires: '2026-11-29T11:00:00.000Z' }],
  });
  await s.challenges.putHttp01('tok-1', 'tok-1.other');
  assert.equal(s.challenges.keyAuthorization('tok-1'), 'tok-1.other', 'a second put replaces it');
  assert.equal(s.challenges.state().http01.length, 1);

  s.clock.now = T0 + HOUR;
  assert.equal(
    s.challenges.keyAuthorization('tok-1'),
    undefined,
    'expired: no longer served, even before the sweep',
  );
  assert.equal(await s.challenges.expire(), 1);
  assert.equal(s.saved().acme_challenges, undefined);

  await s.challenges.putHttp01('tok-3', 'tok-3.thumb');
  assert.equal(await s.challenges.removeHttp01('tok-3'), true);
  assert.equal(await s.challenges.removeHttp01('tok-3'), false);
  assert.equal(s.challenges.keyAuthorization('tok-3'), undefined);
  assert.equal(s.store.size, 3, 'HTTP-01 tokens are no records');
});

test('a second replica on the same source serves the challenges and may expire them', async (t) => {
  const a = await setup(t);
  const b = await replica(a.source, a.clock);
  t.after(b.close);
  await a.challenges.presentDns01(NAME, 'from-a');
  await a.challenges.putHttp01('tok-a', 'tok-a.thumb');
  await b.sync.reload('watch');
  assert.deepEqual(b.txt(NAME), ['from-a']);
  assert.equal(b.challenges.keyAuthorization('tok-a'), 'tok-a.thumb');

  // B presents a second value: written on top of A's write, nothing lost.
  await b.challenges.presentDns01(NAME, 'from-b');
  await a.sync.reload('watch');
  assert.deepEqual(a.txt(NAME), ['from-a', 'from-b']);

  // Both see the expiry; B removes first, A then finds nothing left and writes nothing.
  a.clock.now = T0 + HOUR;
  assert.equal(await b.challenges.expire(), 3);
  const text = a.source.text;
  assert.equal(await a.challenges.expire(), 0, "A's write conflicts, re-reads, and has nothing to do");
  assert.equal(a.source.text, text);
  assert.equal(a.store.getRRset(NAME, 'TXT'), undefined);
  assert.equal(a.challenges.keyAuthorization('tok-a'), undefined);
  assert.deepEqual(a.challenges.state(), { dns01: [], http01: [] });
});

test('a restarted server removes what expired while it was down', async (t) => {
  const text = `${TEXT}  - name: ${NAME}
    type: TXT
    ttl: 60
    value: [old-value, by-hand]
acme_challenges:
  dns01:
    - name: ${NAME}
      value: old-value
      expires: "2026-11-29T09:00:00Z"
  http01:
    - token: old-token
      key_authorization: old-token.thumb
      expires: "2026-11-29T09:30:00Z"
`;
  const s = await setup(t, text);
  assert.equal(s.challenges.state().dns01.length, 1, 'read from the source at start');
  assert.equal(s.challenges.keyAuthorization('old-token'), undefined);
  // The timer is armed at once for what has expired already.
  for (let i = 0; i < 200 && s.source.text.includes('acme_challenges'); i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.deepEqual(s.txt(NAME), ['by-hand']);
  assert.equal(s.saved().acme_challenges, undefined);
});

test('the timer removes a value when its time comes (short TTL, real clock)', async (t) => {
  const source = new MemorySource(TEXT);
  const r = await replica(
    source,
    {
      get now() {
        return Date.now();
      },
    } as { now: number },
    50,
  );
  t.after(r.close);
  await r.challenges.presentDns01(NAME, 'short-lived');
  assert.deepEqual(r.txt(NAME), ['short-lived']);
  for (let i = 0; i < 300 && r.store.getRRset(NAME, 'TXT') !== undefined; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.equal(r.store.getRRset(NAME, 'TXT'), undefined);
});

test('a challenge the store refuses (a CNAME at the name) fails and changes nothing', async (t) => {
  const s = await setup(
    t,
    `${TEXT}  - name: _acme-challenge.alias.example.com.\n    type: CNAME\n    value: elsewhere.example.net.\n`,
  );
  const text = s.source.text;
  await assert.rejects(
    s.challenges.presentDns01(challengeName('alias.example.com'), 'v'),
    (e: unknown) => e instanceof RecordError && e.code === 'INVALID_VALUE',
  );
  assert.equal(s.source.text, text);
  assert.deepEqual(s.challenges.state().dns01, []);
});

test('a challenge that cannot be persisted is not applied', async (t) => {
  class ReadOnly extends MemorySource {
    override async write(_text: string, _expected: string): Promise<SourceSnapshot> {
      throw new PersistError('memory: read-only');
    }
  }
  const source = new ReadOnly(TEXT);
  const r = await replica(source, { now: T0 });
  t.after(r.close);
  await assert.rejects(r.challenges.presentDns01(NAME, 'v'), PersistError);
  await assert.rejects(r.challenges.putHttp01('tok', 'tok.thumb'), PersistError);
  assert.equal(r.store.getRRset(NAME, 'TXT'), undefined);
  assert.equal(r.challenges.keyAuthorization('tok'), undefined);
  assert.equal(revisionOf(source.text), revisionOf(TEXT));
});

test('reloads that change only records keep the challenges; a change beside them is read', async (t) => {
  const s = await setup(t);
  await s.challenges.putHttp01('tok', 'tok.thumb');
  const edit = (from: string, to: string) => {
    assert.ok(s.source.text.includes(from));
    s.source.replace(s.source.text.replace(from, to));
    return s.sync.reload('watch');
  };
  await edit('192.0.2.1', '192.0.2.2'); // the first read after our write: read in full
  await edit('192.0.2.2', '192.0.2.3'); // only records changed: the state heard last stands
  assert.equal(s.challenges.keyAuthorization('tok'), 'tok.thumb');
  assert.deepEqual(s.store.getRRset('www.example.com.' as Name, 'A')?.values, ['192.0.2.3']);
  await edit('- token: tok', '- token: other'); // beside records: read again
  assert.equal(s.challenges.keyAuthorization('tok'), undefined);
  assert.equal(s.challenges.keyAuthorization('other'), 'tok.thumb');
});

test('the writer telling "records only" is trusted, unless a write was planned on another state since', async () => {
  let tell: (text: string, recordsOnly: boolean) => void = () => {};
  const writer: ChallengeWriter = {
    onAccepted: (listener) => {
      tell = listener;
      return () => {};
    },
    // A write planned on a document holding token "planned", which then cannot be persisted.
    change: async (plan) => {
      plan(new Overlay(new Store({ defaultTtl: 300 })), () => parseDocument(withToken('planned')));
      throw new PersistError('memory: read-only');
    },
  };
  const challenges = new Challenges(writer, { ttlMs: HOUR, log: silentLogger(), now: () => T0 });
  tell(withToken('told'), false);
  assert.equal(challenges.keyAuthorization('told'), 'told.thumb');
  tell(TEXT, true); // the writer says only records changed: no need to look
  assert.equal(challenges.keyAuthorization('told'), 'told.thumb');
  await assert.rejects(challenges.removeHttp01('told'), PersistError);
  assert.equal(challenges.keyAuthorization('planned'), 'planned.thumb'); // as the plan read it
  tell(withToken('told'), true); // "records only", but the state is the plan's now: read again
  assert.equal(challenges.keyAuthorization('planned'), undefined);
  assert.equal(challenges.keyAuthorization('told'), 'told.thumb');
  challenges.close();
});

function withToken(token: string): string {
  return `${TEXT}acme_challenges:\n  http01:\n    - token: ${token}\n      key_authorization: ${token}.thumb\n      expires: "2026-11-29T11:00:00Z"\n`;
}
