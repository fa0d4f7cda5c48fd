// config.yaml ⇄ RRsets, shared by the file source and (issue 7) the ConfigMap source.
// parseSource checks the whole text as a config (the file is one unit: a broken dns_port refuses
// the reload as surely as a broken record) and gives every problem its line. editRecords changes
// only the `records` list of the parsed YAML document, in place, so that the other keys, the
// comments and the key order survive a write-back (yaml's Document API keeps them).
import { createHash } from 'node:crypto';
import {
  type Document,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type YAMLMap,
  YAMLSeq,
} from 'yaml';
import { parseYamlFast } from '../config/fast-yaml.ts';
import { type CliOverrides, ConfigError, validateConfig } from '../config/load.ts';
import type { RecordType } from '../dns/constants.ts';
import type { Name } from '../dns/name.ts';
import { canonicalValue } from '../dns/rdata.ts';
import {
  checkRecordList,
  RecordError,
  type RecordInput,
  type RecordKey,
  type RRset,
  recordKey,
  validateName,
  validateType,
} from '../store/record.ts';
import { SourceError, type SourceProblem } from './source.ts';

/** STRINGIFY are the options every write-back uses: no line folding, so long TXT values stay on one line. */
const STRINGIFY = { lineWidth: 0 } as const;

/** ParsedSource is a source text that passed every check: its document, its RRsets and their hash. */
export interface ParsedSource {
  readonly doc: Document;
  readonly rrsets: readonly RRset[];
  /** hash identifies the records (not the text): equal hashes mean a reload would change nothing. */
  readonly hash: string;
}

/** ParseOptions say how to read a source text. */
export interface ParseOptions {
  /** source names the text in problems, e.g. `file /etc/jw238dns/config.yaml`. */
  readonly source: string;
  /** defaultTtl is the store's TTL for records that give none. */
  readonly defaultTtl: number;
  /**
   * overrides are the top-level keys the command line set at start (--dns-port …): they win over
   * the file then, so they do now, and a key they replace is not checked.
   */
  readonly overrides?: CliOverrides;
}

/** parseDocumentText parses YAML the way every source text is parsed: duplicate keys are errors. */
export function parseDocumentText(text: string, lineCounter?: LineCounter): Document {
  return parseDocument(text, {
    prettyErrors: false,
    uniqueKeys: true,
    ...(lineCounter ? { lineCounter } : {}),
  });
}

/** stringifyDocument renders a document for writing back. */
export function stringifyDocument(doc: Document): string {
  return doc.toString(STRINGIFY);
}

/**
 * parseSource checks text as a whole config file and returns its records as validated RRsets.
 * It throws SourceError listing every problem with its line: YAML syntax, config keys (as the
 * loader reports them at start), then records (behavior.md §1: each record valid, one entry per
 * name and type, a CNAME alone at its name).
 */
export function parseSource(text: string, options: ParseOptions): ParsedSource {
  // The YAML document (positions, comments) is built only when needed: for a problem's line, or
  // to write back. Plain data comes from the fast parser when it can (config/fast-yaml.ts).
  let parsed: { doc: Document; lineAt: (offset: number) => number } | undefined;
  const full = () => {
    if (parsed === undefined) {
      const lines = new LineCounter();
      parsed = { doc: parseDocumentText(text, lines), lineAt: (offset) => lines.linePos(offset).line };
    }
    return parsed;
  };
  let raw: unknown;
  const fast = parseYamlFast(text);
  if (fast !== undefined) {
    raw = fast.value;
  } else {
    const { doc, lineAt } = full();
    if (doc.errors.length > 0) {
      throw new SourceError(
        options.source,
        doc.errors.map((e) => ({ message: e.message, line: lineAt(e.pos[0]) })),
      );
    }
    try {
      raw = doc.toJS() ?? {};
    } catch (error) {
      // toJS throws on alias bombs (more than maxAliasCount alias resolutions).
      throw new SourceError(options.source, [{ message: (error as Error).message }], { cause: error });
    }
  }
  const lineOf = (path: readonly (string | number)[]): number | undefined =>
    nodeLine(full().doc, path, full().lineAt);

  let records: readonly RecordInput[];
  try {
    const isMapping = typeof raw === 'object' && raw !== null && !Array.isArray(raw);
    const set = Object.entries(options.overrides ?? {}).filter(([, v]) => v !== undefined);
    const config = validateConfig(
      isMapping ? { ...(raw as Record<string, unknown>), ...Object.fromEntries(set) } : raw,
      options.source,
    );
    records = config.records as readonly RecordInput[];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new SourceError(
      options.source,
      error.problems.map((p) => ({ message: p, line: lineOf(keyPathOf(p)) })),
      { cause: error },
    );
  }

  const checked = checkRecordList(records, options.defaultTtl);
  const rrsets = checked.rrsets;
  const problems: SourceProblem[] = checked.problems.map(({ index, error }) => ({
    message: `records[${index}]: ${error.message}`,
    line: lineOf(['records', index]),
  }));
  if (problems.length > 0) throw new SourceError(options.source, problems);
  return {
    get doc() {
      return full().doc;
    },
    rrsets,
    hash: hashRRsets(rrsets),
  };
}

/** hashRRsets returns a digest of rrsets that ignores their order and the order of their values. */
export function hashRRsets(rrsets: readonly RRset[]): string {
  const canonical = rrsets
    .map((r) => `${recordKey(r.name, r.type)} ${r.ttl} ${JSON.stringify([...r.values].sort())}`)
    .sort();
  return createHash('sha256').update(canonical.join('\n')).digest('hex');
}

/** RecordEdits are the changes to write into a document: what Store.apply will be given. */
export interface RecordEdits {
  readonly added?: readonly RRset[];
  readonly updated?: readonly RRset[];
  readonly deleted?: readonly RecordKey[];
}

/**
 * editRecords writes edits into the `records` list of doc, touching nothing else:
 * - an updated entry keeps its place, its comments, its key order and the spelling of values that
 *   did not change; a TTL the entry left out stays out while it is the default;
 * - a deleted entry's leading comment and blank line pass to the entry that follows, so a section
 *   heading such as `# ---- example.com. ----` is not lost with the first record under it;
 * - added entries go at the end, with their TTL written out.
 * Entries are matched by (name, type) as the store normalises them. Throws Error if an edited
 * entry is missing, which a caller that parsed doc with parseSource and checked edits against the
 * store never sees.
 */
export function editRecords(doc: Document, edits: RecordEdits, defaultTtl: number): void {
  let seq = doc.get('records', true);
  if (!isSeq(seq)) {
    seq = new YAMLSeq(doc.schema);
    doc.set('records', seq);
  }
  const list = seq as YAMLSeq;
  // `records: []` written as a placeholder: grow it as a block list like the rest of the file.
  if (list.items.length === 0 && list.flow === true && !isFlowDocument(doc)) list.flow = false;

  const entries = new Map<string, YAMLMap>();
  for (const item of list.items) {
    if (!isMap(item)) continue;
    const key = entryKey(item);
    if (key !== undefined) entries.set(key, item);
  }
  const entry = (name: Name, type: RecordType): YAMLMap => {
    const found = entries.get(recordKey(name, type));
    if (found === undefined) throw new Error(`records has no entry for ${recordKey(name, type)}`);
    return found;
  };

  for (const { name, type } of edits.deleted ?? []) {
    const item = entry(name, type);
    const index = list.items.indexOf(item);
    const next = list.items[index + 1] as
      | { commentBefore?: string | null; spaceBefore?: boolean }
      | undefined;
    if (next !== undefined) {
      if (item.commentBefore) {
        next.commentBefore = next.commentBefore
          ? `${item.commentBefore}\n${next.commentBefore}`
          : item.commentBefore;
      }
      if (item.spaceBefore) next.spaceBefore = true;
    }
    list.items.splice(index, 1);
  }
  for (const rrset of edits.updated ?? []) {
    const item = entry(rrset.name, rrset.type);
    setTtl(doc, item, rrset.ttl, defaultTtl);
    setValues(doc, item, rrset);
  }
  for (const rrset of edits.added ?? []) {
    list.items.push(
      doc.createNode({ name: rrset.name, type: rrset.type, ttl: rrset.ttl, value: [...rrset.values] }),
    );
  }
}

function isFlowDocument(doc: Document): boolean {
  return isMap(doc.contents) && doc.contents.flow === true;
}

// The store key of an entry, or undefined for an entry that is not a valid record (a document
// given to editRecords has none, but a key that cannot match is the safe answer).
function entryKey(item: YAMLMap): string | undefined {
  try {
    const name = validateName(item.get('name'));
    return recordKey(name, validateType(item.get('type'), name));
  } catch (error) {
    if (error instanceof RecordError) return undefined;
    throw error;
  }
}

function setTtl(doc: Document, item: YAMLMap, ttl: number, defaultTtl: number): void {
  const node = item.get('ttl', true);
  if (isScalar(node)) {
    // 0 and null mean the default (behavior.md §1): leave them while the default is what is wanted.
    const meansDefault = node.value === 0 || node.value === null;
    if (node.value !== ttl && !(meansDefault && ttl === defaultTtl)) node.value = ttl;
    return;
  }
  if (node === undefined && ttl === defaultTtl) return;
  // Put a new ttl where people write it, after `type`.
  const pair = doc.createPair('ttl', ttl);
  const after = item.items.findIndex((p) => isScalar(p.key) && p.key.value === 'type');
  if (node !== undefined) item.delete('ttl');
  item.items.splice(after < 0 ? item.items.length : after + 1, 0, pair);
}

function setValues(doc: Document, item: YAMLMap, rrset: RRset): void {
  const node = item.get('value', true);
  const canonical = (value: unknown): string | undefined => {
    if (typeof value !== 'string') return undefined;
    try {
      return canonicalValue(rrset.type, value);
    } catch {
      return undefined; // not a value of this type: it cannot be one of the new values
    }
  };
  if (isScalar(node) && rrset.values.length === 1) {
    if (canonical(node.value) !== rrset.values[0]) node.value = rrset.values[0];
    return;
  }
  if (isSeq(node)) {
    // Keep the nodes (with their comments and quoting) of values that stay.
    const kept = new Map<string, unknown>();
    for (const v of node.items) {
      const c = isScalar(v) ? canonical(v.value) : undefined;
      if (c !== undefined && !kept.has(c)) kept.set(c, v);
    }
    node.items = rrset.values.map((v) => kept.get(v) ?? doc.createNode(v));
    return;
  }
  const values = doc.createNode([...rrset.values]) as YAMLSeq;
  // A single value written as a scalar with a comment: the comment follows the first value.
  if (isScalar(node) && node.comment && isScalar(values.items[0])) values.items[0].comment = node.comment;
  item.set('value', values);
}

// Key paths as the config loader writes them (`records[3].ttl`, `backend.default_ttl`) → segments.
function keyPathOf(problem: string): (string | number)[] {
  const colon = problem.indexOf(': ');
  const path = colon < 0 ? '' : problem.slice(0, colon);
  if (path === '(top level)') return [];
  const out: (string | number)[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g))
    out.push(m[2] === undefined ? (m[1] as string) : Number(m[2]));
  return out;
}

// The line of the node at path, or of its nearest ancestor that exists (a missing key is reported
// at the mapping that lacks it).
function nodeLine(
  doc: Document,
  path: readonly (string | number)[],
  lineAt: (offset: number) => number,
): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    if (range !== undefined) return lineAt(range[0]);
  }
  return undefined;
}
