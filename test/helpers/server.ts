// Starts a real jw238dns app on 127.0.0.1 and a kernel-chosen port, for tests.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { parse } from 'yaml';
import { type App, buildApp } from '../../src/app.ts';
import { validateConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { type Logger, silentLogger } from '../../src/log.ts';

/** TEST_TOKEN is the API bearer token of test servers that set none. */
export const TEST_TOKEN = 'test-token';

/** ServerOptions choose what a test server runs besides DNS. */
export interface ServerOptions {
  /**
   * file writes the YAML to config.yaml in a new directory and makes that file the source of
   * truth (watched, written back), as `jw238dns --config` does.
   */
  readonly file?: boolean;
  /** http starts the HTTP API on a free port. */
  readonly http?: boolean;
  /** debounceMs is the file watch's debounce (50 ms unless given). */
  readonly debounceMs?: number;
}

/** Running is a started app and the port its DNS listeners share. */
export interface Running {
  readonly app: App;
  readonly port: number;
  readonly config: Config;
  /** httpPort and url are set when the HTTP API was started. */
  readonly httpPort: number | undefined;
  readonly url: string;
  /** token is the API bearer token. */
  readonly token: string;
  /** configPath is the config file when options.file was set. */
  readonly configPath: string | undefined;
}

/**
 * startServer builds and starts an app from config YAML (merged over listen 127.0.0.1 and a free
 * port) and stops it when the test ends.
 */
export async function startServer(
  t: TestContext | undefined,
  yaml: string,
  log: Logger = silentLogger(),
  options: ServerOptions = {},
): Promise<Running> {
  const raw = (parse(yaml) ?? {}) as Record<string, unknown>;
  const validated = validateConfig(
    { listen: ['127.0.0.1'], dns_port: 1053, api: { token: TEST_TOKEN }, ...raw },
    'test',
  );
  // http_port 0 is off; options.http binds a free port instead.
  const config = { ...validated, dns_port: 0, http_port: 0 } as Config;
  let configPath: string | undefined;
  if (options.file === true) {
    configPath = join(mkdtempSync(join(tmpdir(), 'jw238dns-test-')), 'config.yaml');
    writeFileSync(configPath, yaml);
  }
  const app = buildApp(config, log, {
    ...(configPath === undefined ? {} : { configPath }),
    ...(options.http === true ? { httpPort: 0 } : {}),
    debounceMs: options.debounceMs ?? 50,
    processMetrics: false,
  });
  const { port, httpPort } = await app.start();
  t?.after(() => app.stop());
  return {
    app,
    port,
    config,
    httpPort,
    url: httpPort === undefined ? '' : `http://127.0.0.1:${httpPort}`,
    token: app.token,
    configPath,
  };
}

/**
 * api sends a request to a test server's HTTP API with its bearer token (and body as JSON when
 * given) and returns the status and the parsed JSON body (undefined when empty).
 */
export async function api(
  s: Running,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${s.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${s.token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: text === '' ? undefined : (JSON.parse(text) as unknown) };
}
