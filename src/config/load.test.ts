import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Settings } from 'typebox/system';
import {
  API_TOKEN_ENV,
  ConfigError,
  loadConfig,
  loadConfigText,
  parseConfig,
  validateConfig,
} from './load.ts';
import { ConfigSchema, DEFAULT_RECURSION_ALLOW } from './schema.ts';

// problemsOf returns the problems of the ConfigError that parsing text throws.
function problemsOf(text: string): string[] {
  try {
    parseConfig(text, 'test.yaml');
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${error}`);
    return error.problems;
  }
  assert.fail(`expected a ConfigError for:\n${text}`);
}

const dir = mkdtempSync(join(tmpdir(), 'jw238dns-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function writeConfig(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

test('an empty file is a config with every default', () => {
  for (const text of ['', '\n', '# nothing but a comment\n', '{}\n', '---\n']) {
    const config = parseConfig(text, 'empty.yaml');
    assert.deepEqual(config, {
      dns_port: 53,
      http_port: 8080,
      log_level: 'info',
      listen: ['0.0.0.0', '::'],
      query_log: false,
      workers: 1,
      tcp: {
        idle_timeout: '10s',
        idle_timeout_ms: 10_000,
        max_connections: 1024,
        max_queries_per_connection: 0,
      },
      api: { token: '' },
      backend: {
        default_ttl: 300,
        resolve_cname_chain: true,
        max_cname_depth: 10,
        return_soa_on_nxdomain: true,
        upstream: {
          enabled: false,
          servers: [],
          timeout: '5s',
          timeout_ms: 5_000,
          allow: [...DEFAULT_RECURSION_ALLOW],
        },
      },
      kubernetes: {},
      records: [],
      acme: {
        challenge_ttl: '1h',
        challenge_ttl_ms: 3_600_000,
        http01_port: 0,
        webhook: {
          enabled: false,
          port: 8443,
          tls_cert_file: '/tls/tls.crt',
          tls_key_file: '/tls/tls.key',
          client_ca_file: '',
          group_name: 'acme.jw238dns.io',
          solver_name: 'jw238dns',
        },
      },
      acme_challenges: { dns01: [], http01: [] },
    });
  }
});

test('a partial section keeps the defaults of its other keys', () => {
  const config = parseConfig('backend:\n  default_ttl: 600\n  upstream:\n    enabled: false\n', 't.yaml');
  assert.equal(config.backend.default_ttl, 600);
  assert.equal(config.backend.max_cname_depth, 10);
  assert.equal(config.backend.upstream.timeout_ms, 5_000);
  assert.deepEqual(config.backend.upstream.allow, DEFAULT_RECURSION_ALLOW);
});

test('a key without a value takes its default', () => {
  const config = parseConfig('dns_port:\ntcp:\nbackend:\n  upstream:\n    timeout:\n', 't.yaml');
  assert.equal(config.dns_port, 53);
  assert.equal(config.tcp.max_connections, 1024);
  assert.equal(config.backend.upstream.timeout, '5s');
});

test('durations are also given in milliseconds', () => {
  const config = parseConfig(
    'tcp: { idle_timeout: 1m30s }\nbackend: { upstream: { timeout: 750ms } }\n',
    't',
  );
  assert.equal(config.tcp.idle_timeout, '1m30s');
  assert.equal(config.tcp.idle_timeout_ms, 90_000);
  assert.equal(config.backend.upstream.timeout_ms, 750);
});

test('valid upstream servers and ranges are accepted', () => {
  const config = parseConfig(
    `backend:
  upstream:
    enabled: true
    servers: ["192.0.2.53:53", "[2001:db8::53]:5353", "dns.example.net:53", "localhost:1053"]
    allow: ["0.0.0.0/0", "::/0", "192.0.2.7/32"]
`,
    't.yaml',
  );
  assert.equal(config.backend.upstream.servers.length, 4);
  assert.deepEqual(config.backend.upstream.allow, ['0.0.0.0/0', '::/0', '192.0.2.7/32']);
});

test('records: a single string value becomes a one-element list; only the shape is checked', () => {
  const config = parseConfig(
    `records:
  - { name: www.example.com., type: A, value: 192.0.2.1 }
  - { name: NOT A NAME, type: BOGUS, ttl: 5, value: [not an address] }
`,
    't.yaml',
  );
  assert.deepEqual(config.records, [
    { name: 'www.example.com.', type: 'A', value: ['192.0.2.1'] },
    // DNS meaning (name syntax, type, TTL range, value) is the store's validateRecord, not the config's.
    { name: 'NOT A NAME', type: 'BOGUS', ttl: 5, value: ['not an address'] },
  ]);
});

test('the result is deeply frozen', () => {
  const config = parseConfig('records: [{ name: a., type: A, value: [192.0.2.1] }]', 't.yaml');
  for (const part of [
    config,
    config.tcp,
    config.backend,
    config.backend.upstream,
    config.backend.upstream.allow,
  ]) {
    assert.ok(Object.isFrozen(part));
  }
  assert.ok(Object.isFrozen(config.listen));
  assert.ok(Object.isFrozen(config.records[0]));
  assert.ok(Object.isFrozen(config.records[0]!.value));
  assert.throws(() => {
    (config as { dns_port: number }).dns_port = 1;
  }, TypeError);
  assert.throws(() => (config.listen as string[]).push('::1'), TypeError);
  // Defaults are copied, not shared: the schema's own default values stay unfrozen.
  assert.ok(!Object.isFrozen((ConfigSchema.properties.listen as { default?: unknown }).default));
  assert.ok(!Object.isFrozen(DEFAULT_RECURSION_ALLOW));
});

test('validateConfig does not modify its input', () => {
  const raw = { records: [{ name: 'a.', type: 'A', value: '192.0.2.1' }], backend: null };
  const copy = structuredClone(raw);
  validateConfig(raw);
  assert.deepEqual(raw, copy);
});

// Each bad config and the exact problem it must produce (key path: reason).
const bad: [what: string, yaml: string, problem: string][] = [
  ['port given as a string', 'dns_port: "53"', 'dns_port: expected an integer, got "53"'],
  ['port not an integer', 'dns_port: 53.5', 'dns_port: expected an integer, got 53.5'],
  ['dns_port 0', 'dns_port: 0', 'dns_port: must be from 1 to 65535, got 0'],
  ['dns_port too large', 'dns_port: 65536', 'dns_port: must be from 1 to 65535, got 65536'],
  ['http_port negative', 'http_port: -1', 'http_port: must be from 0 to 65535, got -1'],
  ['bool as yes', 'query_log: yes', 'query_log: expected true or false, got "yes"'],
  [
    'log level',
    'log_level: verbose',
    'log_level: must be one of trace, debug, info, warn, error, fatal, silent, got "verbose"',
  ],
  [
    'default_ttl too small',
    'backend: { default_ttl: 59 }',
    'backend.default_ttl: must be from 60 to 86400, got 59',
  ],
  [
    'default_ttl too large',
    'backend: { default_ttl: 86401 }',
    'backend.default_ttl: must be from 60 to 86400, got 86401',
  ],
  ['cname depth', 'backend: { max_cname_depth: 0 }', 'backend.max_cname_depth: must be from 1 to 16, got 0'],
  [
    'max connections',
    'tcp: { max_connections: 100001 }',
    'tcp.max_connections: must be from 1 to 100000, got 100001',
  ],
  ['section not a mapping', 'backend: 5', 'backend: expected a mapping, got 5'],
  ['listen not a list', 'listen: 127.0.0.1', 'listen: expected a list, got "127.0.0.1"'],
  ['listen empty', 'listen: []', 'listen: must list at least 1 entry'],
  ['bad listen address', 'listen: ["127.0.0.1", "localhost"]', 'listen[1]: "localhost" is not an IP address'],
  ['short IPv4 address', 'listen: ["1.2.3"]', 'listen[0]: "1.2.3" is not an IP address'],
  ['listen repeated', 'listen: ["::1", "::1"]', 'listen[1]: "::1" appears more than once'],
  [
    'upstream server without port',
    'backend: { upstream: { servers: ["192.0.2.53"] } }',
    'backend.upstream.servers[0]: expected host:port, as in "192.0.2.1:53", "[2001:db8::1]:53" or "dns.example.net:53"',
  ],
  [
    'upstream IPv6 without brackets',
    'backend: { upstream: { servers: ["2001:db8::53"] } }',
    'backend.upstream.servers[0]: an IPv6 address goes in brackets before the port, as in "[2001:db8::1]:53"',
  ],
  [
    'upstream port 0',
    'backend: { upstream: { servers: ["192.0.2.53:0"] } }',
    'backend.upstream.servers[0]: port 0 is out of range 1–65535',
  ],
  [
    'upstream port too large',
    'backend: { upstream: { servers: ["192.0.2.53:70000"] } }',
    'backend.upstream.servers[0]: port 70000 is out of range 1–65535',
  ],
  [
    'upstream bad host',
    'backend: { upstream: { servers: ["bad_host:53"] } }',
    'backend.upstream.servers[0]: "bad_host" is neither an IPv4 address nor a hostname',
  ],
  [
    'IPv4 in brackets',
    'backend: { upstream: { servers: ["[192.0.2.53]:53"] } }',
    'backend.upstream.servers[0]: "192.0.2.53" in brackets is not an IPv6 address',
  ],
  [
    'CIDR without prefix',
    'backend: { upstream: { allow: ["10.0.0.0"] } }',
    'backend.upstream.allow[0]: expected address/prefix, as in "10.0.0.0/8" or "fc00::/7"',
  ],
  [
    'CIDR prefix too long',
    'backend: { upstream: { allow: ["10.0.0.0/33"] } }',
    'backend.upstream.allow[0]: prefix length "33" must be an integer from 0 to 32',
  ],
  [
    'IPv6 CIDR prefix too long',
    'backend: { upstream: { allow: ["fc00::/129"] } }',
    'backend.upstream.allow[0]: prefix length "129" must be an integer from 0 to 128',
  ],
  [
    'CIDR bad address',
    'backend: { upstream: { allow: ["10.0.0/8"] } }',
    'backend.upstream.allow[0]: "10.0.0" is not an IP address',
  ],
  [
    'duration without unit',
    'tcp: { idle_timeout: "10" }',
    'tcp.idle_timeout: invalid duration "10": missing unit after "10" (use ns, us, ms, s, m or h)',
  ],
  [
    'duration as a number',
    'tcp: { idle_timeout: 10 }',
    'tcp.idle_timeout: expected a duration with a unit such as "5s" or "500ms", got 10',
  ],
  [
    'duration with a bad unit',
    'backend: { upstream: { timeout: 5sec } }',
    'backend.upstream.timeout: invalid duration "5sec": unknown unit "sec" (use ns, us, ms, s, m or h)',
  ],
  [
    'duration out of range',
    'backend: { upstream: { timeout: 2m } }',
    'backend.upstream.timeout: duration "2m" is out of range 10ms–1m',
  ],
  ['unknown top-level key', 'dns_prot: 53', 'dns_prot: unknown key (did you mean "dns_port"?)'],
  [
    'unknown key, dash for underscore',
    'log-level: info',
    'log-level: unknown key (did you mean "log_level"?)',
  ],
  ['unknown key without a near match', 'zones: []', 'zones: unknown key'],
  [
    'unknown nested key',
    'tcp: { idle_timout: 5s }',
    'tcp.idle_timout: unknown key (did you mean "idle_timeout"?)',
  ],
  [
    'unknown deeply nested key',
    'backend: { upstream: { retries: 3 } }',
    'backend.upstream.retries: unknown key',
  ],
  ['records not a list', 'records: { name: a }', 'records: expected a list, got a mapping'],
  ['record not a mapping', 'records: [5]', 'records[0]: expected a mapping, got 5'],
  [
    'record without name',
    'records: [{ type: A, value: [192.0.2.1] }]',
    'records[0].name: missing (required)',
  ],
  [
    'record with empty value',
    'records: [{ name: a., type: A, value: [] }]',
    'records[0].value: must list at least 1 entry',
  ],
  [
    'record value not a string',
    'records: [{ name: a., type: TXT, value: [12345] }]',
    'records[0].value[0]: expected a string, got 12345 (quote it to make it a string)',
  ],
  [
    'record ttl not an integer',
    'records: [{ name: a., type: A, ttl: 5m, value: [x] }]',
    'records[0].ttl: expected an integer, got "5m"',
  ],
  [
    'unknown record key',
    'records: [{ name: a., type: A, value: [x], class: IN }]',
    'records[0].class: unknown key',
  ],
  ['top level a list', '- dns_port: 53', '(top level): expected a mapping, got a list'],
  ['top level a scalar', 'hello', '(top level): expected a mapping, got "hello"'],
  [
    'http_port equal to dns_port',
    'dns_port: 8053\nhttp_port: 8053',
    'http_port: must differ from dns_port (8053): both listen on TCP',
  ],
  [
    'upstream enabled without servers',
    'backend: { upstream: { enabled: true } }',
    'backend.upstream.servers: must list at least one server when backend.upstream.enabled is true',
  ],
];
for (const [what, yaml, problem] of bad) {
  test(`bad config: ${what}`, () => assert.deepEqual(problemsOf(yaml), [problem]));
}

test('http_port 0 may be used with any dns_port', () => {
  assert.equal(parseConfig('dns_port: 53\nhttp_port: 0', 't').http_port, 0);
});

test('a YAML syntax error names the source, line and column', () => {
  const problems = problemsOf('dns_port: 53\nlisten: [127.0.0.1\nhttp_port: 8080\n');
  assert.ok(problems.length >= 1);
  assert.match(problems[0]!, /^test\.yaml:3:1: .*\]/);
});

test('every YAML syntax error is reported', () => {
  const problems = problemsOf('a: [1\nb: 2\n  c: 3\n');
  assert.ok(problems.length >= 2, problems.join('\n'));
  for (const p of problems) assert.match(p, /^test\.yaml:\d+:\d+: /);
});

test('a repeated key is an error with its line', () => {
  assert.deepEqual(problemsOf('dns_port: 53\nhttp_port: 80\ndns_port: 54\n'), [
    'test.yaml:3:1: Map keys must be unique',
  ]);
});

test('several problems are reported at once, in schema order', () => {
  const problems = problemsOf(`dns_port: 0
log_level: loud
tcp:
  idle_timeout: soon
backend:
  default_ttl: 10
  upstream:
    servers: ["nope"]
records:
  - name: a.
    type: A
    value: []
`);
  assert.deepEqual(problems, [
    'dns_port: must be from 1 to 65535, got 0',
    'log_level: must be one of trace, debug, info, warn, error, fatal, silent, got "loud"',
    'tcp.idle_timeout: invalid duration "soon": expected a number followed by a unit (ns, us, ms, s, m, h), as in "5s" or "1m30s"',
    'backend.default_ttl: must be from 60 to 86400, got 10',
    'backend.upstream.servers[0]: expected host:port, as in "192.0.2.1:53", "[2001:db8::1]:53" or "dns.example.net:53"',
    'records[0].value: must list at least 1 entry',
  ]);
});

test('more problems than TypeBox buffers by default are all reported, and its setting is restored', () => {
  const before = Settings.Get().maxErrors;
  const records = Array.from({ length: 30 }, (_, i) => `  - { name: r${i}., type: A, value: [] }`).join('\n');
  const problems = problemsOf(`records:\n${records}\n`);
  assert.equal(problems.length, 30);
  assert.equal(problems[29], 'records[29].value: must list at least 1 entry');
  assert.equal(Settings.Get().maxErrors, before);
});

test('ConfigError names the source and lists one problem per line', () => {
  try {
    parseConfig('dns_port: 0\nhttp_port: x\n', 'my.yaml');
    assert.fail('no error');
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    assert.ok(error instanceof Error);
    assert.equal(error.name, 'ConfigError');
    assert.deepEqual(error.problems, [
      'dns_port: must be from 1 to 65535, got 0',
      'http_port: expected an integer, got "x"',
    ]);
    assert.equal(
      error.message,
      'invalid config my.yaml (2 problems):\n  dns_port: must be from 1 to 65535, got 0\n  http_port: expected an integer, got "x"',
    );
  }
});

test('loadConfig reads the file', () => {
  const path = writeConfig('plain.yaml', 'dns_port: 5353\n');
  const config = loadConfig(path, {}, {});
  assert.equal(config.dns_port, 5353);
  assert.equal(config.api.token, '');
});

test('loadConfig: a missing file is a ConfigError naming the path', () => {
  const path = join(dir, 'absent.yaml');
  assert.throws(
    () => loadConfig(path, {}, {}),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.problems.length === 1 &&
      e.problems[0] === `${path}: cannot read the config file: no such file`,
  );
});

test('loadConfig: a directory is a ConfigError naming the path', () => {
  const path = join(dir, 'a-directory');
  mkdirSync(path);
  assert.throws(
    () => loadConfig(path, {}, {}),
    (e: unknown) =>
      e instanceof ConfigError && e.problems[0] === `${path}: cannot read the config file: it is a directory`,
  );
});

test('loadConfig: syntax errors carry the path', () => {
  const path = writeConfig('syntax.yaml', 'a: [\n');
  assert.throws(
    () => loadConfig(path, {}, {}),
    (e: unknown) => e instanceof ConfigError && e.problems.every((p) => p.startsWith(`${path}:`)),
  );
});

test('loadConfig: JW238DNS_API_TOKEN overrides api.token', () => {
  const withToken = writeConfig('token.yaml', 'api:\n  token: from-file\n');
  assert.equal(loadConfig(withToken, {}, {}).api.token, 'from-file');
  assert.equal(loadConfig(withToken, {}, { [API_TOKEN_ENV]: 'from-env' }).api.token, 'from-env');
  assert.equal(
    loadConfig(withToken, {}, { [API_TOKEN_ENV]: '' }).api.token,
    'from-file',
    'empty counts as unset',
  );
  const withoutApi = writeConfig('no-api.yaml', 'dns_port: 53\n');
  assert.equal(loadConfig(withoutApi, {}, { [API_TOKEN_ENV]: 'from-env' }).api.token, 'from-env');
  const nullApi = writeConfig('null-api.yaml', 'api:\n');
  assert.equal(loadConfig(nullApi, {}, { [API_TOKEN_ENV]: 'from-env' }).api.token, 'from-env');
  const badApi = writeConfig('bad-api.yaml', 'api: 5\n');
  assert.throws(
    () => loadConfig(badApi, {}, { [API_TOKEN_ENV]: 'from-env' }),
    (e: unknown) => e instanceof ConfigError && e.problems[0] === 'api: expected a mapping, got 5',
  );
});

test('loadConfig: command-line overrides win over the file', () => {
  const path = writeConfig(
    'overridden.yaml',
    'dns_port: 53\nhttp_port: 8080\nlog_level: warn\nlisten: ["0.0.0.0"]\n',
  );
  const overrides = {
    dns_port: 1053,
    http_port: 0,
    listen: ['127.0.0.1', '::1'],
    log_level: 'debug',
  } as const;
  const config = loadConfig(path, overrides, {});
  assert.equal(config.dns_port, 1053);
  assert.equal(config.http_port, 0);
  assert.deepEqual(config.listen, ['127.0.0.1', '::1']);
  assert.equal(config.log_level, 'debug');
  assert.ok(!Object.isFrozen(overrides.listen), 'the caller’s array is copied, not frozen');
  // Keys not overridden come from the file.
  assert.equal(loadConfig(path, { dns_port: 1053 }, {}).log_level, 'warn');
});

test('loadConfig: overrides are validated like the file', () => {
  const path = writeConfig('override-bad.yaml', 'dns_port: 53\n');
  assert.throws(
    () => loadConfig(path, { listen: ['127.0.0.1', 'example.com'] }, {}),
    (e: unknown) =>
      e instanceof ConfigError && e.problems[0] === 'listen[1]: "example.com" is not an IP address',
  );
});

test('examples/config.yaml is a valid config using every record type', () => {
  const path = new URL('../../examples/config.yaml', import.meta.url).pathname;
  const config = parseConfig(readFileSync(path, 'utf8'), path);
  assert.equal(config.dns_port, 1053);
  assert.equal(config.http_port, 8080);
  assert.equal(config.log_level, 'info');
  assert.equal(config.backend.upstream.enabled, false);
  const types = new Set(config.records.map((r) => r.type));
  for (const type of ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS', 'SRV', 'PTR', 'SOA', 'CAA']) {
    assert.ok(types.has(type), `no ${type} record`);
  }
  const soaOwners = config.records.filter((r) => r.type === 'SOA').map((r) => r.name);
  assert.deepEqual(soaOwners, ['example.com.', '2.0.192.in-addr.arpa.']);
  assert.ok(
    config.records.some((r) => r.name.startsWith('*.')),
    'a wildcard',
  );
  assert.ok(config.records.some((r) => r.name === '_acme-challenge.example.com.' && r.type === 'TXT'));
  assert.ok(
    config.records.some((r) => r.type === 'TXT' && r.value.some((v) => Buffer.byteLength(v) > 255)),
    'a TXT value longer than 255 octets',
  );
});

// Start-up reads the records entry by entry (records-text.ts) where it can: the config must be the
// one the whole-text YAML parse gives, whichever way each file is read.
const READS: [string, string, boolean][] = [
  [
    'settings around entries of several shapes',
    'dns_port: 1053\nrecords: # data\n  - name: a.example.\n    type: A\n    ttl: 600\n    value: [192.0.2.1, "192.0.2.2"]\n  # between\n  - {name: b.example., type: TXT, value: "x y"}\n  - name: c.example.\n    type: MX\n    value:\n      - 10 mail.example.\nbackend:\n  default_ttl: 120\nlog_level: warn\n',
    true,
  ],
  [
    'an entry in a shape only YAML reads (a block scalar)',
    'records:\n- name: a.example.\n  type: TXT\n  value:\n    - |-\n      two\n      lines\n- name: b.example.\n  type: A\n  value: 192.0.2.9\n',
    true,
  ],
  [
    'an alias: the whole text is parsed',
    'records:\n- &one {name: a., type: A, value: 192.0.2.1}\n- *one\n',
    false,
  ],
  ['tabs: the whole text is parsed', 'records:\n- name: a.\n  type: A\n  value: [192.0.2.1]\n\t\n', false],
  ['a records key in flow style', 'records: [{name: a., type: A, value: 192.0.2.1}]\nhttp_port: 0\n', false],
];
for (const [what, text, cut] of READS) {
  test(`start-up read, ${what}: the same config as the whole parse`, () => {
    const path = writeConfig(`read-${READS.findIndex(([w]) => w === what)}.yaml`, text);
    let whole: unknown;
    try {
      whole = parseConfig(text, path);
    } catch (error) {
      whole = (error as ConfigError).problems;
    }
    let read: unknown;
    let split: unknown;
    try {
      const loaded = loadConfigText(path, {}, {});
      read = loaded.config;
      split = loaded.split;
    } catch (error) {
      read = (error as ConfigError).problems;
    }
    assert.deepEqual(read, whole);
    assert.equal(split !== undefined, cut, cut ? 'read entry by entry' : 'parsed whole');
  });
}

test('start-up read: a bad entry is reported as the whole parse reports it, with its key', () => {
  const text =
    'records:\n  - name: a.example.\n    type: A\n    value: [192.0.2.1]\n  - name: b.example.\n    type: A\n    ttl: soon\n    value: [192.0.2.2]\n';
  const path = writeConfig('read-bad.yaml', text);
  assert.throws(
    () => loadConfigText(path, {}, {}),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.deepEqual(error.problems, problemsOf(text));
      assert.match(error.problems.join('\n'), /records\[1\]\.ttl/);
      return true;
    },
  );
});
