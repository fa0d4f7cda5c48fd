// The real process: command line, config errors before binding, start-up, SIGHUP and SIGTERM.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, type TestContext, test } from 'node:test';
import { RRType } from '../../src/dns/constants.ts';
import { decodeMessage, encodeQuery } from '../../src/dns/message.ts';
import { tcpExchange } from '../helpers/client.ts';
import { dig } from '../helpers/dig.ts';
import { freePort } from '../helpers/ports.ts';
import { logged, spawnJw238dns, startJw238dns } from '../helpers/process.ts';

const dir = mkdtempSync(join(tmpdir(), 'jw238dns-cli-'));

function writeConfig(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

// A config that unexpectedly validates would serve forever: the wait for the exit kills it and fails.
async function run(t: TestContext, args: string[]): Promise<Exit> {
  const p = spawnJw238dns(t, args);
  const { code } = await p.exit();
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

const ZONE = `
records:
  - { name: example.com., type: SOA, value: ["ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300"] }
  - { name: www.example.com., type: A, value: [192.0.2.10] }
`;

describe('command line', () => {
  test('--help prints usage and exits 0', async (t) => {
    const r = await run(t, ['--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /--config/);
    assert.match(r.stdout, /--dns-port/);
  });

  test('--version prints the package version', async (t) => {
    const r = await run(t, ['--version']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /0\.1\.0/);
  });

  test('an unknown flag is an error with exit code 2', async (t) => {
    const r = await run(t, ['--bogus']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /bogus/);
  });

  const bad: [string, string, RegExp[]][] = [
    ['missing file', '', [/cannot read the config file/]],
    ['YAML syntax error', 'dns_port: [1053\nrecords: {', [/:\d+:\d+:/]],
    ['port out of range', 'dns_port: 70000\n', [/dns_port/]],
    [
      'unknown key',
      'dns_prot: 53\nbackend: { defualt_ttl: 60 }\n',
      [/dns_prot: unknown key/, /backend\.defualt_ttl: unknown key/],
    ],
    ['bad listen address', 'listen: ["not-an-ip"]\n', [/listen\[0\]/]],
    ['default_ttl below 60', 'backend: { default_ttl: 10 }\n', [/backend\.default_ttl/]],
    [
      'a CNAME beside another type',
      'records:\n  - { name: www.example.com., type: A, value: [192.0.2.1] }\n  - { name: www.example.com., type: CNAME, value: [example.com.] }\n',
      [/records\[1\]: CNAME record www\.example\.com\. cannot sit beside the A record of records\[0\]/],
    ],
    [
      'bad records, all reported',
      `records:
  - { name: "bad..name", type: A, value: [192.0.2.1] }
  - { name: ok.example.com., type: A, ttl: 5, value: [192.0.2.1] }
  - { name: ok2.example.com., type: A, value: [300.1.1.1] }
  - { name: ok3.example.com., type: BOGUS, value: [x] }
  - { name: c.example.com., type: CNAME, value: [a.example.com., b.example.com.] }
`,
      [/records\[0\]/, /records\[1\]/, /records\[2\]/, /records\[3\]/, /records\[4\]/],
    ],
  ];
  for (const [what, text, patterns] of bad) {
    test(`bad config (${what}) is reported and exits non-zero before binding`, async (t) => {
      // Every case keeps the server on loopback and a high port, should it validate after all; the
      // flags are not used because they would override the very keys under test.
      const port = /^dns_port:/m.test(text) ? '' : `dns_port: ${await freePort()}\n`;
      const listen = /^listen:/m.test(text) ? '' : 'listen: [127.0.0.1]\n';
      const path =
        what === 'missing file'
          ? join(dir, 'does-not-exist.yaml')
          : writeConfig(`${what}.yaml`, port + listen + text);
      const r = await run(t, ['--config', path]);
      assert.equal(r.code, 1, r.stderr);
      for (const p of patterns) assert.match(r.stderr, p);
      assert.doesNotMatch(r.stdout, /dns listening/);
    });
  }
});

describe('process lifecycle', () => {
  test('serves the config, reloads on SIGHUP, finishes in-flight answers on SIGTERM and exits 0', async (t) => {
    const path = writeConfig('live.yaml', ZONE);
    const p = await startJw238dns(t, path);
    const before = await dig(p.dns, 'www.example.com', 'A');
    assert.deepEqual(before.answer, ['www.example.com. 300 IN A 192.0.2.10']);

    writeFileSync(path, ZONE.replace('192.0.2.10', '192.0.2.20'));
    p.child.kill('SIGHUP');
    await p.waitForLog(logged('reloaded records on SIGHUP'), 'the reload');
    const after = await dig(p.dns, 'www.example.com', 'A');
    assert.deepEqual(after.answer, ['www.example.com. 300 IN A 192.0.2.20']);

    // A broken file on SIGHUP keeps the old records.
    writeFileSync(path, 'records: [ {');
    p.child.kill('SIGHUP');
    await p.waitForLog(logged('reload on SIGHUP failed; serving the previous records'), 'the failed reload');
    assert.deepEqual((await dig(p.dns, 'www.example.com', 'A')).answer, [
      'www.example.com. 300 IN A 192.0.2.20',
    ]);

    // Pipelined queries sent just before SIGTERM are all answered.
    const queries = Array.from({ length: 50 }, (_, i) =>
      encodeQuery({ id: i, name: 'www.example.com.', type: RRType.A }),
    );
    const answers = tcpExchange(p.dns, queries);
    await new Promise((r) => setTimeout(r, 20));
    p.child.kill('SIGTERM');
    const replies = await answers;
    assert.equal(replies.length, 50);
    for (const r of replies) assert.equal(decodeMessage(r).answer[0]?.data, '192.0.2.20');
    const { code } = await p.exit();
    assert.equal(code, 0, p.output());
    assert.ok(p.lines().some(logged('stopped')), p.output());
  });

  test('SIGINT also exits 0', async (t) => {
    const p = await startJw238dns(t, writeConfig('int.yaml', ZONE));
    const { code } = await p.stop('SIGINT');
    assert.equal(code, 0, p.output());
  });
});
