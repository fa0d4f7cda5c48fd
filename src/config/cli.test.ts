import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { DEFAULT_CONFIG_PATH, parseCommandLine } from './cli.ts';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

test('no arguments: run with the default config path and no overrides', () => {
  assert.deepEqual(parseCommandLine([]), { kind: 'run', configPath: DEFAULT_CONFIG_PATH, overrides: {} });
  assert.equal(DEFAULT_CONFIG_PATH, '/etc/jw238dns/config.yaml');
});

test('every flag, in both spellings', () => {
  const expected = {
    kind: 'run',
    configPath: 'examples/config.yaml',
    overrides: { dns_port: 1053, http_port: 0, listen: ['127.0.0.1', '::1'], log_level: 'debug' },
  };
  assert.deepEqual(
    parseCommandLine([
      '--config',
      'examples/config.yaml',
      '--dns-port',
      '1053',
      '--http-port',
      '0',
      '--listen',
      '127.0.0.1',
      '--listen',
      '::1',
      '--log-level',
      'debug',
    ]),
    expected,
  );
  assert.deepEqual(
    parseCommandLine([
      '-c',
      'examples/config.yaml',
      '--dns-port=1053',
      '--http-port=0',
      '--listen=127.0.0.1',
      '--listen=::1',
      '--log-level=debug',
    ]),
    expected,
  );
});

test('the npm start command line', () => {
  assert.deepEqual(parseCommandLine(['--config', 'examples/config.yaml', '--listen', '127.0.0.1']), {
    kind: 'run',
    configPath: 'examples/config.yaml',
    overrides: { listen: ['127.0.0.1'] },
  });
});

test('--help and -h print help listing every flag', () => {
  for (const argv of [['--help'], ['-h'], ['--config', 'x.yaml', '--help']]) {
    const result = parseCommandLine(argv);
    assert.equal(result.kind, 'help');
    if (result.kind !== 'help') continue;
    assert.match(result.text, /authoritative DNS server/);
    for (const flag of [
      '--config',
      '--dns-port',
      '--http-port',
      '--listen',
      '--log-level',
      '--help',
      '--version',
    ]) {
      assert.ok(result.text.includes(flag), `help lacks ${flag}`);
    }
    assert.ok(result.text.includes(DEFAULT_CONFIG_PATH));
  }
});

test('--version and -v print the package.json version', () => {
  for (const argv of [['--version'], ['-v']]) {
    assert.deepEqual(parseCommandLine(argv), { kind: 'version', text: `jw238dns ${pkg.version}` });
  }
});

test('--help wins over --version', () => {
  assert.equal(parseCommandLine(['--version', '--help']).kind, 'help');
});

const errors: [argv: string[], message: string][] = [
  [['--bogus'], 'unknown option --bogus (see --help)'],
  [['-x'], 'unknown option -x (see --help)'],
  [['config.yaml'], 'unexpected argument "config.yaml" (options only; see --help)'],
  [['--config'], '--config: missing value (see --help)'],
  [['--dns-port', '--listen', '::1'], '--dns-port: missing value (see --help)'],
  [['--dns-port', 'x'], '--dns-port: must be an integer from 1 to 65535, got "x"'],
  [['--dns-port', '0'], '--dns-port: must be an integer from 1 to 65535, got "0"'],
  [['--dns-port', '65536'], '--dns-port: must be an integer from 1 to 65535, got "65536"'],
  [['--dns-port', '53.5'], '--dns-port: must be an integer from 1 to 65535, got "53.5"'],
  [['--dns-port', ' 53'], '--dns-port: must be an integer from 1 to 65535, got " 53"'],
  [['--dns-port', '0x35'], '--dns-port: must be an integer from 1 to 65535, got "0x35"'],
  [['--http-port', '-1'], '--http-port: missing value (see --help)'],
  [['--http-port=-1'], '--http-port: must be an integer from 0 to 65535, got "-1"'],
  [['--http-port', '99999'], '--http-port: must be an integer from 0 to 65535, got "99999"'],
  [
    ['--log-level', 'loud'],
    '--log-level: must be one of trace, debug, info, warn, error, fatal, silent, got "loud"',
  ],
];
for (const [argv, message] of errors) {
  test(`error: ${argv.join(' ')}`, () =>
    assert.deepEqual(parseCommandLine(argv), { kind: 'error', message }));
}

test('--help=yes is an error, not help', () => {
  const result = parseCommandLine(['--help=yes']);
  assert.equal(result.kind, 'error');
});
