#!/usr/bin/env node
// Process entry: command line → config (validated before anything binds) → buildApp → start.
// SIGTERM/SIGINT: stop accepting, finish what is in flight, exit 0. SIGHUP: reload records from
// the config file.
import { buildApp, recordProblems } from './app.ts';
import { parseCommandLine } from './config/cli.ts';
import { ConfigError, loadConfig } from './config/load.ts';
import type { Config } from './config/schema.ts';
import { createLogger } from './log.ts';
import type { RecordInput } from './store/record.ts';

function load(path: string, overrides: Parameters<typeof loadConfig>[1]): Config {
  const config = loadConfig(path, overrides, process.env);
  const problems = recordProblems(config.records as RecordInput[], config.backend.default_ttl);
  if (problems.length > 0) throw new ConfigError(problems, path);
  return config;
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
  try {
    config = load(command.configPath, command.overrides);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`jw238dns: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  const { log, flush } = createLogger(config.log_level);
  if (config.backend.upstream.enabled) {
    log.warn(
      'backend.upstream.enabled is set, but forwarding is not implemented yet: names outside the data get REFUSED',
    );
  }
  const app = buildApp(config, log);
  try {
    await app.start();
  } catch (err) {
    log.fatal({ err }, 'cannot bind the DNS listeners');
    flush();
    return 1;
  }

  process.on('SIGHUP', () => {
    try {
      const next = load(command.configPath, command.overrides);
      const result = app.store.hotReload(next.records as RecordInput[]);
      log.info({ ...result }, 'reloaded records on SIGHUP');
    } catch (err) {
      log.error({ err }, 'reload on SIGHUP failed; serving the previous records');
    }
  });

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

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `jw238dns: fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
