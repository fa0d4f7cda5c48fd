// docs/config.md ↔ ConfigSchema: every key documented, no key documented that the schema lacks,
// and the documented type, default and bounds match the schema (Fastify errors.test.js style).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseConfig } from './load.ts';
import { ConfigSchema, parseCidr, parseHostPort } from './schema.ts';

type Node = Record<string, unknown>;

const DOCS_PATH = new URL('../../docs/config.md', import.meta.url);
const docs = readFileSync(DOCS_PATH, 'utf8');

// Every key path the schema allows: `tcp`, `tcp.idle_timeout`, `records`, `records[].name`, …
function schemaKeys(node: Node, prefix = ''): Map<string, Node> {
  const keys = new Map<string, Node>();
  const properties = (node.properties ?? {}) as Record<string, Node>;
  for (const [key, child] of Object.entries(properties)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    keys.set(path, child);
    if (child.type === 'object') for (const [k, v] of schemaKeys(child, path)) keys.set(k, v);
    const items = child.items as Node | undefined;
    if (child.type === 'array' && items?.type === 'object') {
      for (const [k, v] of schemaKeys(items, `${path}[]`)) keys.set(k, v);
    }
  }
  return keys;
}

interface DocRow {
  readonly type: string;
  readonly default: string;
  readonly bounds: string;
}

// Table rows of docs/config.md whose first cell is a `key`, with five cells.
function documentedKeys(markdown: string): Map<string, DocRow> {
  const rows = new Map<string, DocRow>();
  for (const line of markdown.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length !== 7) continue; // '' key type default bounds description ''
    const key = /^`([^`]+)`$/.exec(cells[1]!)?.[1];
    if (key === undefined) continue;
    assert.ok(!rows.has(key), `docs/config.md documents ${key} twice`);
    rows.set(key, { type: cells[2]!, default: cells[3]!.replace(/^`(.*)`$/, '$1'), bounds: cells[4]! });
  }
  return rows;
}

function typeWord(node: Node): string {
  if (node['x-duration-min'] !== undefined) return 'duration';
  if (node.enum !== undefined) return 'string';
  if (node.type === 'object') return 'mapping';
  if (node.type === 'array') return 'list';
  return String(node.type);
}

function render(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => JSON.stringify(v)).join(', ')}]`;
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

const keys = schemaKeys(ConfigSchema as unknown as Node);
const documented = documentedKeys(docs);

test('schema walk finds the keys it should', () => {
  for (const key of ['dns_port', 'tcp.idle_timeout', 'backend.upstream.allow', 'records[].value']) {
    assert.ok(keys.has(key), key);
  }
});

test('every schema key is documented in docs/config.md', () => {
  const missing = [...keys.keys()].filter((k) => !documented.has(k));
  assert.deepEqual(missing, [], `missing from docs/config.md: ${missing.join(', ')}`);
});

test('docs/config.md documents no key the schema lacks', () => {
  const unknown = [...documented.keys()].filter((k) => !keys.has(k));
  assert.deepEqual(unknown, [], `not in the schema: ${unknown.join(', ')}`);
});

test('documented types, defaults and bounds match the schema', () => {
  for (const [key, node] of keys) {
    const row = documented.get(key);
    if (row === undefined) continue; // reported above
    assert.ok(
      row.type.startsWith(typeWord(node)),
      `${key}: type "${row.type}", schema says ${typeWord(node)}`,
    );
    if (node.default !== undefined && node.type !== 'object') {
      assert.equal(row.default, render(node.default), `${key}: default`);
    }
    if (typeof node.minimum === 'number' && typeof node.maximum === 'number') {
      assert.ok(row.bounds.startsWith(`${node.minimum}–${node.maximum}`), `${key}: bounds "${row.bounds}"`);
    }
    if (node['x-duration-min'] !== undefined) {
      const bounds = `${node['x-duration-min']}–${node['x-duration-max']}`;
      assert.ok(row.bounds.startsWith(bounds), `${key}: bounds "${row.bounds}", schema says ${bounds}`);
    }
    for (const value of (node.enum as unknown[] | undefined) ?? []) {
      assert.ok(row.bounds.includes(`\`${value}\``), `${key}: bounds should list ${value}`);
    }
  }
});

test('every key in the schema has a description', () => {
  for (const [key, node] of keys)
    assert.ok(typeof node.description === 'string' && node.description !== '', key);
});

test('every object in the schema refuses unknown keys', () => {
  for (const [key, node] of [['(top level)', ConfigSchema as unknown as Node] as const, ...keys]) {
    const target = node.type === 'array' ? (node.items as Node) : node;
    if (target.type === 'object') assert.equal(target.additionalProperties, false, key);
  }
});

test('every YAML example in docs/config.md is a valid config', () => {
  const blocks = [...docs.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
  assert.ok(blocks.length > 0);
  for (const block of blocks) parseConfig(block, 'docs/config.md');
});

test('parseHostPort splits IPv4, bracketed IPv6 and hostnames', () => {
  assert.deepEqual(parseHostPort('192.0.2.53:53'), { host: '192.0.2.53', port: 53 });
  assert.deepEqual(parseHostPort('[2001:db8::53]:5353'), { host: '2001:db8::53', port: 5353 });
  assert.deepEqual(parseHostPort('dns.example.net.:53'), { host: 'dns.example.net.', port: 53 });
  for (const bad of [
    '192.0.2.53',
    '2001:db8::53:53',
    '[192.0.2.53]:53',
    'x:0',
    'x:65536',
    'a_b:53',
    '1.2.3:53',
    ':53',
  ]) {
    assert.throws(() => parseHostPort(bad), /invalid server address/, bad);
  }
});

test('parseCidr splits address and prefix', () => {
  assert.deepEqual(parseCidr('10.0.0.0/8'), { address: '10.0.0.0', prefix: 8, family: 'ipv4' });
  assert.deepEqual(parseCidr('fc00::/7'), { address: 'fc00::', prefix: 7, family: 'ipv6' });
  assert.deepEqual(parseCidr('0.0.0.0/0'), { address: '0.0.0.0', prefix: 0, family: 'ipv4' });
  for (const bad of ['10.0.0.0', '10.0.0.0/33', '::/129', '10.0.0/8', '10.0.0.0/', '10.0.0.0/-1', 'x/8']) {
    assert.throws(() => parseCidr(bad), /invalid CIDR/, bad);
  }
});
