#!/usr/bin/env node
// Process entry: command line → config (validated before anything binds) → buildApp → start.
// SIGTERM/SIGINT: stop accepting (DNS and HTTP), finish what is in flight (answers, and API writes
// being persisted), exit 0. SIGHUP: reload the records from the config file, exactly as a change of
// the file or POST /api/v1/reload does (sources/sync.ts).
import { buildApp, type Seed, seedStore } from './app.ts';
import { parseCommandLine } from './config/cli.ts';
import { type CliOverrides, ConfigError, loadConfigText } from './config/load.ts';
import type { Config } from './config/schema.ts';
import { createLogger } from './log.ts';
import type { RecordInput } from './store/record.ts';
import { isDnsWorker, runDnsWorker } from './workers.ts';

// The config, its text and its records validated once: the store and the source sync start from
// them without parsing or validating again (AppOptions.seed).
// The config returned holds no records: from here on they live in the store (and the seed).
function load(path: string, overrides: CliOverrides): { config: Config; seed: Seed } {
  const { config, text, split } = loadConfigText(path, overrides, process.env);
  const seeded = seedStore(config.records as RecordInput[], config.backend.default_ttl);
  if (!('store' in seeded)) throw new ConfigError(seeded.problems, path);
  const { store, rrsets } = seeded;
  return {
    config: Object.freeze({ ...config, records: Object.freeze([]) }),
    seed: split === undefined ? { store, text, rrsets } : { store, text, rrsets, split },
  };
}

async function main(): Promise<number> {
  const command = parseCommandLine(process.argv.slice(2));
  switch (command.kind) {
    case 'help':
    case 'version':
      process.stdout.write(`${command.text}\n`);
      return 0;
    case 'error':
      process.stderr.write(`jw238dns: ${command.message}\nTry 'jw238dns --help'.\n`);
      return 2;
  }
  let config: Config;
  let seed: Seed;
  try {
    ({ config, seed } = load(command.configPath, command.overrides));
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`jw238dns: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  const { log, flush } = createLogger(config.log_level);
  const app = buildApp(config, log, { configPath: command.configPath, overrides: command.overrides, seed });
  if (app.tokenGenerated) {
    // behavior.md §6: the API is never open. Logged once, at warn so the default level shows it.
    log.warn(
      { token: app.token },
      'no api.token configured: generated this bearer token for /api/v1 (set api.token or JW238DNS_API_TOKEN to choose one)',
    );
  }
  // Registered before start: a SIGHUP during start-up reloads (queued behind the first read)
  // instead of ending the process, which is what SIGHUP does by default.
  process.on('SIGHUP', () => {
    app.reload('signal').then(
      (summary) => log.info({ ...summary }, 'reloaded records on SIGHUP'),
      (err: unknown) =>
        log.error(
          { error: (err as Error).message, line: (err as { line?: number }).line },
          'reload on SIGHUP failed; serving the previous records',
        ),
    );
  });

  try {
    await app.start();
  } catch (err) {
    log.fatal({ err }, 'cannot bind the DNS or HTTP listeners');
    flush();
    return 1;
  }

  return new Promise<number>((resolve) => {
    let stopping = false;
    const shutdown = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'shutting down');
      const timer = setTimeout(() => {
        log.warn('in-flight answers did not finish in time; exiting');
        flush();
        resolve(0);
      }, 5000);
      timer.unref();
      app.stop().then(
        () => {
          clearTimeout(timer);
          log.info('stopped');
          flush();
          resolve(0);
        },
        (err: unknown) => {
          log.error({ err }, 'error while stopping');
          flush();
          resolve(1);
        },
      );
    };
    process.once('SIGTERM', shutdown);
    process.once('SIGINT', shutdown);
  });
}

// A DNS worker of a primary with `workers` > 1 is fed by the primary instead (src/workers.ts).
if (isDnsWorker()) runDnsWorker();
else
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(
        `jw238dns: fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exit(1);
    },
  );
