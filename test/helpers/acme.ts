// A jw238dns app with ACME on, on 127.0.0.1, for the ACME tests: the config file as the source of
// truth, the HTTP API, and the webhook and HTTP-01 listeners on the ports asked for (0: free ones).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { parse } from 'yaml';
import type { AcmeOptions } from '../../src/acme/acme.ts';
import { type App, buildApp } from '../../src/app.ts';
import { validateConfig } from '../../src/config/load.ts';
import { type Logger, silentLogger } from '../../src/log.ts';
import { TEST_TOKEN } from './server.ts';

/** AcmeServer is a started app with its ports. */
export interface AcmeServer {
  readonly app: App;
  readonly dnsPort: number;
  readonly url: string;
  readonly webhookPort: number | undefined;
  readonly http01Port: number | undefined;
  readonly configPath: string;
  /** api calls the HTTP API with the bearer token and returns the status and the parsed body. */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }>;
}

/**
 * startAcmeServer writes yaml to a new config file (or uses options.configPath), builds the app
 * from it (over listen 127.0.0.1 and the test token) with acme options, starts it and stops it when
 * the test ends.
 */
export async function startAcmeServer(
  t: TestContext,
  yaml: string,
  acme: AcmeOptions = {},
  options: { log?: Logger; configPath?: string } = {},
): Promise<AcmeServer> {
  const raw = (parse(yaml) ?? {}) as Record<string, unknown>;
  // A second server on the configPath of a first is a second replica of one source of truth.
  const configPath = options.configPath ?? join(mkdtempSync(join(tmpdir(), 'jw238dns-acme-')), 'config.yaml');
  if (options.configPath === undefined) writeFileSync(configPath, yaml);
  const log = options.log ?? silentLogger();
  const validated = validateConfig(
    { listen: ['127.0.0.1'], dns_port: 1053, api: { token: TEST_TOKEN }, ...raw },
    'test',
  );
  const config = { ...validated, dns_port: 0, http_port: 0 };
  const app = buildApp(config, log, { configPath, httpPort: 0, debounceMs: 20, processMetrics: false, acme });
  const { port, httpPort } = await app.start();
  t.after(() => app.stop());
  const url = `http://127.0.0.1:${httpPort}`;
  const ports = app.acme.ports();
  return {
    app,
    dnsPort: port,
    url,
    webhookPort: ports.webhook,
    http01Port: ports.http01,
    configPath,
    async api(method, path, body) {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${TEST_TOKEN}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, json: text === '' ? undefined : JSON.parse(text) };
    },
  };
}

/** HttpsReply is what httpsRequest got back. */
export interface HttpsReply {
  readonly status: number;
  readonly text: string;
  readonly json: unknown;
}

/**
 * httpsRequest sends one request to https://127.0.0.1:port with ca as the only trusted root and,
 * when given, a client certificate; a new connection every time (no agent), so a reloaded server
 * certificate is seen at once.
 */
export function httpsRequest(
  port: number,
  method: string,
  path: string,
  options: { ca: Buffer; body?: string; client?: { cert: Buffer; key: Buffer } },
): Promise<HttpsReply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        ca: options.ca,
        agent: false,
        ...(options.client ?? {}),
        headers: options.body === undefined ? {} : { 'content-type': 'application/json' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, text, json });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}
