// The command line (behavior.md §8). Flags override the config file; the file holds everything else.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { CliOverrides } from './load.ts';
import { ConfigSchema, LOG_LEVELS, type LogLevel } from './schema.ts';

/** DEFAULT_CONFIG_PATH is where the config is read from without --config. */
export const DEFAULT_CONFIG_PATH = '/etc/jw238dns/config.yaml';

/** CommandLine is what the arguments ask for: run with a config, print help or the version, or an error. */
export type CommandLine =
  | { readonly kind: 'run'; readonly configPath: string; readonly overrides: CliOverrides }
  | { readonly kind: 'help'; readonly text: string }
  | { readonly kind: 'version'; readonly text: string }
  | { readonly kind: 'error'; readonly message: string };

const OPTIONS = {
  config: { type: 'string', short: 'c' },
  'dns-port': { type: 'string' },
  'http-port': { type: 'string' },
  listen: { type: 'string', multiple: true },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

/**
 * parseCommandLine reads the arguments after the program name (process.argv.slice(2)). It never
 * throws and never exits: main decides what to print and the exit code.
 */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  let values: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; strict: true }>>['values'];
  try {
    ({ values } = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (error) {
    return { kind: 'error', message: argumentError(error) };
  }
  if (values.help === true) return { kind: 'help', text: helpText() };
  if (values.version === true) return { kind: 'version', text: `jw238dns ${packageVersion()}` };

  const overrides: { -readonly [K in keyof CliOverrides]: CliOverrides[K] } = {};
  const dnsPort = values['dns-port'];
  if (dnsPort !== undefined) {
    const port = parsePort('--dns-port', dnsPort, ConfigSchema.properties.dns_port);
    if (typeof port === 'string') return { kind: 'error', message: port };
    overrides.dns_port = port;
  }
  const httpPort = values['http-port'];
  if (httpPort !== undefined) {
    const port = parsePort('--http-port', httpPort, ConfigSchema.properties.http_port);
    if (typeof port === 'string') return { kind: 'error', message: port };
    overrides.http_port = port;
  }
  // Each address is checked with the config (listen[i]) so the reason reads the same as in the file.
  if (values.listen !== undefined) overrides.listen = values.listen;
  const logLevel = values['log-level'];
  if (logLevel !== undefined) {
    if (!isLogLevel(logLevel)) {
      return {
        kind: 'error',
        message: `--log-level: must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`,
      };
    }
    overrides.log_level = logLevel;
  }
  return { kind: 'run', configPath: values.config ?? DEFAULT_CONFIG_PATH, overrides };
}

/** helpText is the --help output. */
export function helpText(): string {
  return `jw238dns: an authoritative DNS server with in-memory records, hot reload and an HTTP API.

Usage: jw238dns [--config FILE] [--dns-port N] [--http-port N] [--listen ADDR]... [--log-level LEVEL]

Options:
  -c, --config FILE      config file (default ${DEFAULT_CONFIG_PATH})
      --dns-port N       DNS port for UDP and TCP, 1-65535 (overrides dns_port)
      --http-port N      HTTP API port, 0 turns it off (overrides http_port)
      --listen ADDR      IP address to bind; repeat for several (overrides listen)
      --log-level LEVEL  ${LOG_LEVELS.join(', ')} (overrides log_level)
  -h, --help             print this help and exit
  -v, --version          print the version and exit

Flags override the config file. The environment variable JW238DNS_API_TOKEN overrides api.token.
`;
}

function parsePort(flag: string, text: string, schema: object): number | string {
  const bounds = schema as { minimum: number; maximum: number }; // both ports are bounded in the schema
  const port = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (Number.isNaN(port) || port < bounds.minimum || port > bounds.maximum) {
    return `${flag}: must be an integer from ${bounds.minimum} to ${bounds.maximum}, got "${text}"`;
  }
  return port;
}

function isLogLevel(text: string): text is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(text);
}

// parseArgs errors are long and mention positionals after "--"; say what is wrong in one line.
function argumentError(error: unknown): string {
  const { code, message } = error as { code?: string; message: string };
  const quoted = /'([^']+)'/.exec(message)?.[1];
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${quoted ?? ''} (see --help)`.replace('  ', ' ');
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument "${quoted ?? ''}" (options only; see --help)`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      // "argument missing" and "argument is ambiguous" (the next word is another option) both mean no value.
      const flag = /--[a-z-]+/.exec(message)?.[0] ?? quoted;
      if (/argument missing|ambiguous/.test(message)) return `${flag}: missing value (see --help)`;
      return `${message.split('\n')[0]} (see --help)`;
    }
    default:
      return message;
  }
}

// package.json sits one level above both src/ and dist/, and this file is one level deeper.
function packageVersion(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}
