// buildApp wires the parts together: store, source sync, resolver, DNS listeners, HTTP API and
// metrics. It never listens by itself: start() binds, stop() drains. Tests build an app on
// 127.0.0.1 and a free port.
import { createServer, type Server } from 'node:http';
import { isIPv6 } from 'node:net';
import { stringify } from 'yaml';
import { Acme, type AcmeOptions } from './acme/acme.ts';
import { type Api, buildApi } from './api/app.ts';
import { resolveToken } from './api/auth.ts';
import type { Readiness } from './api/public.ts';
import type { CliOverrides } from './config/load.ts';
import type { Split } from './config/records-text.ts';
import type { Config } from './config/schema.ts';
import { createDnsService, type DnsService } from './dns-service.ts';
import type { Logger } from './log.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { ConfigMapSource, type ConfigMapSourceOptions } from './sources/configmap.ts';
import { FileSource } from './sources/file.ts';
import { MemorySource } from './sources/memory.ts';
import type { Source } from './sources/source.ts';
import { RecordSync, type ReloadSummary, type ReloadTrigger } from './sources/sync.ts';
import {
  checkRecordList,
  RecordError,
  type RecordInput,
  type RRset,
  validateRecord,
} from './store/record.ts';
import { Store } from './store/store.ts';
import { createWorkerPool, type WorkerState } from './workers.ts';

/** App is a built, not yet listening, server. */
export interface App {
  readonly store: Store;
  /** sync keeps the store and the source (the config file) in step, both ways. */
  readonly sync: RecordSync;
  /** api is the HTTP API (Fastify); tests inject() into it without start(). */
  readonly api: Api;
  readonly metrics: Metrics;
  /** acme holds the ACME challenge handlers and listeners (webhook, HTTP-01), started with the app. */
  readonly acme: Acme;
  /** token is the API's bearer token; tokenGenerated says none was configured (log it once). */
  readonly token: string;
  readonly tokenGenerated: boolean;
  /**
   * start reads the source, binds every listen address on the DNS port (UDP and TCP), then the
   * HTTP port, and returns the ports bound (httpPort undefined when the HTTP server is off).
   */
  start(): Promise<{ port: number; httpPort: number | undefined }>;
  /** reload re-reads the source and applies the differences (SIGHUP); throws SourceError if refused. */
  reload(trigger: ReloadTrigger): Promise<ReloadSummary>;
  /** workers lists the DNS worker processes and the store version each has applied (none without `workers`). */
  workers(): WorkerState[];
  /** readiness is what /ready says. */
  readiness(): Readiness;
  /** stop stops accepting, answers what is in flight (DNS and HTTP), finishes queued writes, stops watching. */
  stop(): Promise<void>;
}

/** AppOptions are what buildApp takes besides the config. */
export interface AppOptions {
  /**
   * configPath is the config file: its `records` are the source of truth, watched and written
   * back (behavior.md §5). Without it (and without source) records live in memory only.
   */
  readonly configPath?: string;
  /**
   * seed is the config file's text and the RRsets its records gave, already validated: the store
   * starts with them, and the source's first read finds them unchanged without parsing it all
   * again (sources/chunks.ts), which for a million records saves most of the start-up.
   */
  readonly seed?: Seed;
  /** source replaces the file source (tests). */
  readonly source?: Source;
  /** configMap tunes the ConfigMap source used when config.kubernetes.configmap is set (tests). */
  readonly configMap?: Omit<ConfigMapSourceOptions, 'log'>;
  /** overrides are the keys the command line set: they win over the file on every reload too. */
  readonly overrides?: CliOverrides;
  /** httpPort replaces http_port; 0 here binds a free port (in the config, 0 turns HTTP off). */
  readonly httpPort?: number;
  /** debounceMs and pollMs tune the file watch (sources/sync.ts, sources/file.ts). */
  readonly debounceMs?: number;
  readonly pollMs?: number;
  /** processMetrics adds prom-client's process and Node.js metrics (default true). */
  readonly processMetrics?: boolean;
  /** acme sets the ACME clock and ports (tests). */
  readonly acme?: AcmeOptions;
}

/**
 * Seed is a store holding a config's records (seedStore), the config text, the RRsets its records
 * gave, and the text cut at its entries when it was.
 */
export interface Seed {
  readonly store: Store;
  readonly text: string;
  readonly rrsets: readonly RRset[];
  readonly split?: Split;
}

/**
 * seedStore loads configured records into a new store, or returns every problem with them. Each
 * entry is validated, and the store's first load checks them together (one entry per name and
 * type, a CNAME alone); only a refused list is checked again entry by entry (checkRecordList), to
 * name every problem at once. A million records load without that second pass over them.
 */
export function seedStore(
  records: readonly RecordInput[],
  defaultTtl: number,
): { store: Store; rrsets: RRset[]; problems: [] } | { problems: string[] } {
  const rrsets: RRset[] = [];
  try {
    for (const record of records) rrsets.push(validateRecord(record, defaultTtl));
    const store = new Store({ defaultTtl });
    store.apply({ added: rrsets });
    return { store, rrsets, problems: [] };
  } catch (error) {
    if (!(error instanceof RecordError)) throw error;
    const { problems } = validateRecords(records, defaultTtl);
    return { problems: problems.length > 0 ? problems : [`records: ${error.message}`] };
  }
}

/**
 * recordProblems validates every configured record and returns one line per problem, naming the
 * record by its index (`records[3]: ...`), so a bad config reports all of them at once.
 */
export function recordProblems(records: readonly RecordInput[], defaultTtl: number): string[] {
  return validateRecords(records, defaultTtl).problems;
}

/**
 * validateRecords validates every configured record once (checkRecordList): the RRsets, in order,
 * and one line per problem naming the record by its index.
 */
export function validateRecords(
  records: readonly RecordInput[],
  defaultTtl: number,
): { rrsets: RRset[]; problems: string[] } {
  const { rrsets, problems } = checkRecordList(records, defaultTtl);
  return { rrsets, problems: problems.map((p) => `records[${p.index}]: ${p.error.message}`) };
}

/** buildApp creates the store from config.records, the source sync, the DNS server and the HTTP API. */
export function buildApp(config: Config, log: Logger, options: AppOptions = {}): App {
  // Records validated and loaded already (main's seedStore) are not validated again.
  const store = options.seed?.store ?? new Store({ defaultTtl: config.backend.default_ttl });
  if (options.seed === undefined) store.hotReload(config.records as RecordInput[]);
  // behavior.md §5: exactly one source per run; kubernetes.configmap, when set, wins over the file.
  const configMap = config.kubernetes.configmap;
  const source =
    options.source ??
    (configMap !== undefined
      ? new ConfigMapSource(configMap, { ...options.configMap, log: log.child({ module: 'sources' }) })
      : options.configPath !== undefined
        ? new FileSource(options.configPath, options.pollMs === undefined ? {} : { pollMs: options.pollMs })
        : new MemorySource(stringifyRecords(config.records as RecordInput[])));
  // The two refer to each other, each only once running: the sync reports reloads to the metrics,
  // the metrics read the sync's status when scraped.
  const sync = new RecordSync(source, store, {
    log: log.child({ module: 'sources' }),
    ...(options.debounceMs === undefined ? {} : { debounceMs: options.debounceMs }),
    ...(options.overrides === undefined ? {} : { overrides: options.overrides }),
    onReload: (e) => {
      if (e.ok) sourceLoaded = true;
      metrics.observeReload(e.trigger, e.ok, e.durationMs);
    },
    onPersistFailure: () => metrics.observePersistFailure(),
  });
  if (options.seed) sync.seed(options.seed.text, options.seed.rrsets, store.version, options.seed.split);
  const acme = new Acme(config.acme, sync, log.child({ module: 'acme' }), options.acme);
  const metrics = createMetrics(
    { rrsets: () => store.size, sourceOk: () => sync.status().error === undefined },
    { processMetrics: options.processMetrics !== false },
  );
  // DNS: in this process, or in `workers` processes fed with every change (src/workers.ts).
  const pool =
    config.workers > 1
      ? createWorkerPool(config, store, log.child({ module: 'workers' }), metrics)
      : undefined;
  const dns: DnsService = pool ?? createDnsService(config, store, log, metrics);

  const { token, generated } = resolveToken(config.api.token);
  // sourceLoaded: the source's text has been applied at least once (see readiness).
  let sourceLoaded = false;
  let dnsBound = false;
  let stopping = false;
  const readiness = (): Readiness => {
    const reasons: string[] = [];
    if (stopping) reasons.push('shutting down');
    if (!dnsBound) reasons.push('dns listeners are not bound');
    const status = sync.status();
    if (!status.started) reasons.push('records are not loaded yet');
    const notes: string[] = [];
    if (status.error !== undefined) {
      const reason = `source refused, serving the last good records: ${status.error.message}`;
      // Every replica watches the same ConfigMap: turning unready when it is refused (or when the
      // API server is away) would take all of them out of the Service at once, the opposite of
      // serving the last good records (docs/kubernetes.md). Once its records are loaded, /ready
      // stays 200 and lists the reason; the file source, one per server, keeps the 503.
      (configMap !== undefined && sourceLoaded ? notes : reasons).push(reason);
    }
    return { ready: reasons.length === 0, reasons: [...reasons, ...notes] };
  };
  const api = buildApi({
    store,
    writer: sync,
    token,
    log: log.child({ module: 'api' }),
    readiness,
    metrics,
    challenges: acme.challenges,
  });
  const httpPort = options.httpPort ?? (config.http_port === 0 ? undefined : config.http_port);
  const extraHttp: Server[] = [];

  // One Fastify server on the first address; the others share its request handler (Fastify's own
  // multi-address binding covers only "localhost"). ipv6Only lets "::" and "0.0.0.0" share a port.
  async function bindHttp(port: number): Promise<number> {
    const [first, ...rest] = config.listen as string[];
    await api.listen({ host: first, port, ipv6Only: isIPv6(first as string) });
    const bound = (api.server.address() as { port: number }).port;
    for (const host of rest) {
      const server = createServer(api.routing);
      // The same timeouts as Fastify's own server.
      server.keepAliveTimeout = api.server.keepAliveTimeout;
      server.headersTimeout = api.server.headersTimeout;
      server.requestTimeout = api.server.requestTimeout;
      extraHttp.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host, port: bound, ipv6Only: isIPv6(host) }, () => {
          server.off('error', reject);
          server.on('error', (err) => log.error({ err, address: host }, 'http server error'));
          resolve();
        });
      });
    }
    log.info({ addresses: config.listen, port: bound }, 'http listening');
    return bound;
  }

  async function closeHttp(): Promise<void> {
    const extra = extraHttp.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        }),
    );
    await Promise.all([api.close(), ...extra]);
  }

  return {
    store,
    sync,
    api,
    metrics,
    acme,
    token,
    tokenGenerated: generated,
    async start() {
      acme.prepare(); // a missing webhook certificate stops the start before anything binds
      await sync.start();
      try {
        const port = await dns.start();
        dnsBound = true;
        const boundHttp = httpPort === undefined ? undefined : await bindHttp(httpPort);
        await acme.start(config.listen);
        return { port, httpPort: boundHttp };
      } catch (err) {
        // Leave nothing behind: no listener, no watcher.
        dnsBound = false;
        await Promise.all([closeHttp(), acme.stop(), dns.stop()]);
        await sync.close();
        throw err;
      }
    },
    reload: (trigger) => sync.reload(trigger),
    workers: () => pool?.workers() ?? [],
    readiness,
    async stop() {
      stopping = true;
      // HTTP first: its in-flight writes finish (persisted, then applied) before the queue closes.
      await Promise.all([closeHttp(), acme.stop(), dns.stop()]);
      dnsBound = false;
      await sync.close();
    },
  };
}

/** stringifyRecords renders records as a config text holding only them (the in-memory source). */
function stringifyRecords(records: readonly RecordInput[]): string {
  return stringify({ records: records.map((r) => ({ ...r, value: [...r.value] })) });
}
