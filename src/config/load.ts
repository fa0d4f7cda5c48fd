// Config loading, once at start and before anything binds (architecture.md §7, modelled on
// Fastify lib/initial-config-validation.js): YAML → environment and flags → defaults →
// validation collecting every problem → derived values → deep-freeze.

import { readFileSync } from 'node:fs';
import { Compile } from 'typebox/compile';
import { Settings } from 'typebox/system';
import { Value } from 'typebox/value';
import { LineCounter, parseDocument } from 'yaml';
import { parseDuration } from './duration.ts';
import { parseYamlFast } from './fast-yaml.ts';
import {
  entryReaderMayRead,
  parseRecordEntry,
  type RecordEntry,
  type Split,
  splitRecords,
} from './records-text.ts';
import { type Config, type ConfigFile, ConfigSchema, type LogLevel, RecordSchema } from './schema.ts';

/** ConfigError is a config that cannot be used; problems holds one line per problem, each naming its key. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly problems: string[];

  constructor(problems: string[], source: string, options?: ErrorOptions) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`invalid config ${source} (${count}):\n${problems.map((p) => `  ${p}`).join('\n')}`, options);
    this.problems = problems;
  }
}

/** CliOverrides are the config keys the command line can set; they win over the file. */
export interface CliOverrides {
  readonly dns_port?: number;
  readonly http_port?: number;
  readonly listen?: readonly string[];
  readonly log_level?: LogLevel;
}

/** API_TOKEN_ENV names the environment variable that overrides `api.token` when set and not empty. */
export const API_TOKEN_ENV = 'JW238DNS_API_TOKEN';

/**
 * loadConfig reads the config file at path, applies the environment (JW238DNS_API_TOKEN) and the
 * command-line overrides, then validates. It throws ConfigError listing every problem, or naming
 * the path when the file cannot be read.
 */
export function loadConfig(path: string, overrides: CliOverrides, env: NodeJS.ProcessEnv): Config {
  return loadConfigText(path, overrides, env).config;
}

/**
 * loadConfigText is loadConfig that also returns the text it read and validated, and, when the
 * records were read entry by entry (below), the text cut at those entries.
 */
export function loadConfigText(
  path: string,
  overrides: CliOverrides,
  env: NodeJS.ProcessEnv,
): { config: Config; text: string; split?: Split } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError([`${path}: cannot read the config file: ${describeFsError(error)}`], path, {
      cause: error,
    });
  }
  // A million records are read entry by entry, each in the common shape read directly, and the
  // settings around them by the YAML parser: start-up in seconds where a YAML parse of the whole
  // text takes ~10 s (issue 4). Any doubt, and the whole text goes through the YAML parser.
  let fast = readRecordEntries(text);
  let raw = parseYaml(fast === undefined ? text : fast.split.rest.replace('\u0000', ''), path);
  // The settings must hold the records key, empty, where the cut left it; otherwise the cut is not
  // what YAML sees, and the whole text is parsed.
  if (fast !== undefined && !(isPlainObject(raw) && raw.records === null)) {
    fast = undefined;
    raw = parseYaml(text, path);
  }
  if (isPlainObject(raw)) {
    const token = env[API_TOKEN_ENV];
    // A non-mapping `api` is left alone so that its own problem is reported.
    if (
      token !== undefined &&
      token !== '' &&
      (raw.api === undefined || raw.api === null || isPlainObject(raw.api))
    ) {
      raw.api = { ...(isPlainObject(raw.api) ? raw.api : {}), token };
    }
    for (const [key, value] of Object.entries(overrides)) {
      if (value !== undefined) raw[key] = Array.isArray(value) ? [...value] : value;
    }
  }
  const config = validateConfig(raw, path);
  if (fast === undefined) return { config, text };
  // The entries have the schema's shape already (readRecordEntry): they join the checked settings.
  return { config: Object.freeze({ ...config, records: fast.records }), text, split: fast.split };
}

let compiledRecord: ReturnType<typeof Compile<typeof RecordSchema>> | undefined;

// The records of text read entry by entry, or undefined when the whole text must be parsed: a
// layout splitRecords does not cut, an alias (its anchor may be in another entry), or an entry
// that is not a valid record in shape (the YAML parse then reports it with its line).
function readRecordEntries(text: string): { split: Split; records: RecordEntry[] } | undefined {
  if (!entryReaderMayRead(text)) return undefined;
  const split = splitRecords(text);
  if (split === undefined) return undefined;
  const records: RecordEntry[] = [];
  for (const chunk of split.chunks) {
    const entry = readRecordEntry(chunk, true);
    if (entry === undefined) return undefined;
    records.push(entry);
  }
  return { split, records };
}

/**
 * readRecordEntry reads one entry of a `records:` block cut by splitRecords as validateConfig
 * would give it: by the entry reader when direct (the text holds nothing it leaves to YAML:
 * entryReaderMayRead, checked once for a whole text by the caller that has it), else — and for a
 * shape the reader leaves aside — parsed as YAML and normalised. Undefined unless it is a valid
 * record in shape; the whole text's parse then reports the problem with its line.
 */
export function readRecordEntry(chunk: string, direct = entryReaderMayRead(chunk)): RecordEntry | undefined {
  return (direct ? parseRecordEntry(chunk) : undefined) ?? parseRecordEntryYaml(chunk);
}

function parseRecordEntryYaml(chunk: string): RecordEntry | undefined {
  const parsed = parseYamlFast(chunk)?.value;
  if (!Array.isArray(parsed) || parsed.length !== 1) return undefined;
  const entry = normalise({ records: parsed }) as { records: unknown[] };
  compiledRecord ??= Compile(RecordSchema);
  const record = entry.records[0];
  return compiledRecord.Check(record) ? deepFreeze(record as RecordEntry) : undefined;
}

/**
 * parseConfig parses config YAML text: syntax errors as `<source>:<line>:<col>: <message>`, then
 * defaults and validation. An empty text is an empty config, so every key takes its default.
 */
export function parseConfig(text: string, source: string): Config {
  return validateConfig(parseYaml(text, source), source);
}

/**
 * validateConfig turns a parsed config (plain data) into a Config: keys set to null count as
 * absent, a record's single-string `value` becomes a one-element list, defaults are applied and
 * every problem is collected into one ConfigError. The input is not modified.
 */
export function validateConfig(raw: unknown, source = 'config'): Config {
  const value = Value.Default(ConfigSchema, normalise(structuredClone(raw)));
  const problems = [...schemaProblems(value), ...crossKeyProblems(value)];
  if (problems.length > 0) throw new ConfigError(problems, source);
  return deepFreeze(resolveDurations(value as ConfigFile));
}

function parseYaml(text: string, source: string): unknown {
  const fast = parseYamlFast(text);
  if (fast !== undefined) return fast.value;
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => {
        const { line, col } = lineCounter.linePos(e.pos[0]);
        return `${source}:${line}:${col}: ${e.message}`;
      }),
      source,
    );
  }
  try {
    return doc.toJS() ?? {};
  } catch (error) {
    // toJS throws on alias bombs (more than maxAliasCount alias resolutions).
    throw new ConfigError([`${source}: ${(error as Error).message}`], source, { cause: error });
  }
}

// Two conveniences applied before validation, to a copy: a record's `value: 192.0.2.1` is a
// one-element list, and null is absent (below).
function normalise(raw: unknown): unknown {
  const value = dropNulls(raw);
  if (isPlainObject(value) && Array.isArray(value.records)) {
    for (const record of value.records) {
      if (isPlainObject(record) && typeof record.value === 'string') record.value = [record.value];
    }
  }
  return value;
}

// YAML `key:` with nothing after it is null: treat it as absent so the default applies, which is
// what someone commenting out every child of `backend:` means. Nulls inside lists stay and fail.
function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNulls);
  if (!isPlainObject(value)) return value;
  for (const [key, child] of Object.entries(value)) {
    if (child === null) delete value[key];
    else value[key] = dropNulls(child);
  }
  return value;
}

// TypeBox stops collecting after Settings.maxErrors (8 by default); a config report should list
// everything, so lift the cap for this one synchronous call and put it back.
const MAX_CONFIG_ERRORS = 1000;

// The compiled schema answers "is it valid?" in ~0.1 s for a million records, where walking
// Value.Errors takes ~10 s; the errors are listed only when there are some.
let compiled: ReturnType<typeof Compile<typeof ConfigSchema>> | undefined;

function schemaProblems(value: unknown): string[] {
  compiled ??= Compile(ConfigSchema);
  if (compiled.Check(value)) return [];
  const previous = Settings.Get().maxErrors;
  Settings.Set({ maxErrors: MAX_CONFIG_ERRORS });
  let errors: ReturnType<typeof Value.Errors>;
  try {
    errors = Value.Errors(ConfigSchema, value);
  } finally {
    Settings.Set({ maxErrors: previous });
  }
  const problems: string[] = [];
  for (const error of errors) {
    const segments = pointerSegments(error.instancePath);
    const at = valueAt(value, segments);
    const node = schemaAt(error.schemaPath);
    const path = keyPath(value, segments);
    switch (error.keyword) {
      case 'boolean':
        break; // `false` schema of a key not allowed; reported once per object as additionalProperties
      case 'additionalProperties': {
        const known = Object.keys((node?.properties as object | undefined) ?? {});
        for (const key of (error.params as { additionalProperties: string[] }).additionalProperties) {
          problems.push(`${joinKey(path, key)}: unknown key${suggestion(key, known)}`);
        }
        break;
      }
      case 'uniqueItems':
        for (const index of (error.params as { duplicateItems: number[] }).duplicateItems) {
          const item = Array.isArray(at) ? at[index] : undefined;
          problems.push(`${path}[${index}]: ${describe(item)} appears more than once`);
        }
        break;
      case 'required':
        for (const key of (error.params as { requiredProperties: string[] }).requiredProperties) {
          problems.push(`${joinKey(path, key)}: missing (required)`);
        }
        break;
      default:
        problems.push(`${path}: ${reason(error.keyword, error.params, error.message, at, node)}`);
    }
  }
  return problems;
}

function reason(
  keyword: string,
  params: object,
  fallback: string,
  at: unknown,
  node: Node | undefined,
): string {
  switch (keyword) {
    case 'type': {
      const expected = String((params as { type: unknown }).type);
      if (node?.['x-duration-min'] !== undefined) {
        return `expected a duration with a unit such as "5s" or "500ms", got ${describe(at)}`;
      }
      const hint =
        expected === 'string' && (typeof at === 'number' || typeof at === 'boolean')
          ? ' (quote it to make it a string)'
          : '';
      return `expected ${TYPE_NAMES[expected] ?? expected}, got ${describe(at)}${hint}`;
    }
    case 'minimum':
    case 'maximum':
      if (typeof node?.minimum === 'number' && typeof node.maximum === 'number') {
        return `must be from ${node.minimum} to ${node.maximum}, got ${describe(at)}`;
      }
      return `must be ${keyword === 'minimum' ? '>=' : '<='} ${(params as { limit: number }).limit}, got ${describe(at)}`;
    case 'enum':
      return `must be one of ${(params as { allowedValues: unknown[] }).allowedValues.join(', ')}, got ${describe(at)}`;
    case 'minItems': {
      const limit = (params as { limit: number }).limit;
      return `must list at least ${limit} ${limit === 1 ? 'entry' : 'entries'}`;
    }
    case '~refine':
      return (params as { message: string }).message;
    default:
      return fallback;
  }
}

// Checks across keys that the schema cannot express. The value may be invalid in other ways, so
// each check looks only at keys that have the right type.
function crossKeyProblems(value: unknown): string[] {
  const problems: string[] = [];
  if (!isPlainObject(value)) return problems;
  const { dns_port: dnsPort, http_port: httpPort } = value;
  if (typeof dnsPort === 'number' && httpPort !== 0 && httpPort === dnsPort) {
    problems.push(`http_port: must differ from dns_port (${dnsPort}): both listen on TCP`);
  }
  problems.push(...acmePortProblems(value));
  const upstream = isPlainObject(value.backend) ? value.backend.upstream : undefined;
  if (
    isPlainObject(upstream) &&
    upstream.enabled === true &&
    Array.isArray(upstream.servers) &&
    upstream.servers.length === 0
  ) {
    problems.push(
      'backend.upstream.servers: must list at least one server when backend.upstream.enabled is true',
    );
  }
  return problems;
}

// The ACME listeners are TCP too: each port must differ from dns_port, http_port and the other.
function acmePortProblems(value: Record<string, unknown>): string[] {
  const acme = isPlainObject(value.acme) ? value.acme : {};
  const webhook = isPlainObject(acme.webhook) ? acme.webhook : {};
  const taken: [string, unknown][] = [
    ['dns_port', value.dns_port],
    ['http_port', value.http_port === 0 ? undefined : value.http_port],
  ];
  const problems: string[] = [];
  const check = (key: string, port: unknown): void => {
    if (typeof port !== 'number' || port === 0) return;
    const clash = taken.find(([, p]) => p === port);
    if (clash !== undefined)
      problems.push(`${key}: must differ from ${clash[0]} (${port}): both listen on TCP`);
    taken.push([key, port]);
  };
  check('acme.http01_port', acme.http01_port);
  if (webhook.enabled === true) check('acme.webhook.port', webhook.port ?? 8443);
  return problems;
}

function resolveDurations(config: ConfigFile): Config {
  return {
    ...config,
    tcp: { ...config.tcp, idle_timeout_ms: parseDuration(config.tcp.idle_timeout) },
    acme: { ...config.acme, challenge_ttl_ms: parseDuration(config.acme.challenge_ttl) },
    backend: {
      ...config.backend,
      upstream: { ...config.backend.upstream, timeout_ms: parseDuration(config.backend.upstream.timeout) },
    },
  };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

type Node = Record<string, unknown>;

const TYPE_NAMES: Readonly<Record<string, string>> = {
  integer: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
};

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  }
  return String(value);
}

// RFC 6901 JSON pointer → segments ("/records/3/ttl" → ["records", "3", "ttl"]).
function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function valueAt(value: unknown, segments: readonly string[]): unknown {
  let at = value;
  for (const segment of segments) {
    if (typeof at !== 'object' || at === null) return undefined;
    at = (at as Record<string, unknown>)[segment];
  }
  return at;
}

// Key paths as people write them: `backend.default_ttl`, `records[3].ttl`, `listen[1]`.
function keyPath(value: unknown, segments: readonly string[]): string {
  let path = '';
  let at = value;
  for (const segment of segments) {
    path = Array.isArray(at) ? `${path}[${segment}]` : joinKey(path, segment);
    at = typeof at === 'object' && at !== null ? (at as Record<string, unknown>)[segment] : undefined;
  }
  return path === '' ? '(top level)' : path;
}

function joinKey(path: string, key: string): string {
  return path === '' || path === '(top level)' ? key : `${path}.${key}`;
}

function schemaAt(schemaPath: string): Node | undefined {
  const segments = pointerSegments(schemaPath.replace(/^#/, ''));
  const node = valueAt(ConfigSchema, segments);
  return typeof node === 'object' && node !== null ? (node as Node) : undefined;
}

// "did you mean" for a mistyped key: same key with `-` for `_` or a different case, or within
// two edits of a known key.
function suggestion(key: string, known: readonly string[]): string {
  const folded = key.toLowerCase().replaceAll('-', '_');
  const match =
    known.find((k) => k === folded) ??
    (key.length > 3 ? known.find((k) => editDistance(folded, k) <= 2) : undefined);
  return match === undefined ? '' : ` (did you mean "${match}"?)`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return (error as Error).message;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
