// Starts a real jw238dns app on 127.0.0.1 and a kernel-chosen port, for tests.
import type { TestContext } from 'node:test';
import { parse } from 'yaml';
import { type App, buildApp } from '../../src/app.ts';
import { validateConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { type Logger, silentLogger } from '../../src/log.ts';

/** Running is a started app and the port its DNS listeners share. */
export interface Running {
  readonly app: App;
  readonly port: number;
  readonly config: Config;
}

/**
 * startServer builds and starts an app from config YAML (merged over listen 127.0.0.1 and a free
 * port) and stops it when the test ends.
 */
export async function startServer(
  t: TestContext | undefined,
  yaml: string,
  log: Logger = silentLogger(),
): Promise<Running> {
  const raw = (parse(yaml) ?? {}) as Record<string, unknown>;
  const validated = validateConfig({ listen: ['127.0.0.1'], dns_port: 1053, ...raw }, 'test');
  const config = { ...validated, dns_port: 0 } as Config;
  const app = buildApp(config, log);
  const { port } = await app.start();
  t?.after(() => app.stop());
  return { app, port, config };
}
