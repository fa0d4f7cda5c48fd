// Several DNS processes (config `workers` > 1), with node:cluster: Node 20 has no SO_REUSEPORT
// (reusePort arrives in 22.12), but cluster workers share the primary's UDP and TCP sockets, and
// with SCHED_NONE each worker accepts and reads on them itself. The primary keeps everything else
// — store, source, API, ACME — and is the only writer; it sends each worker a snapshot of the store
// and then every change set, in order on the worker's IPC channel, so every worker sees every
// change (issue 4) and applies it atomically like the primary's own store.
import cluster, { type Worker } from 'node:cluster';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from './config/schema.ts';
import { createDnsService, type DnsService } from './dns-service.ts';
import { createLogger, type Logger } from './log.ts';
import { createMetrics, type Metrics, type MetricsDelta } from './metrics.ts';
import type { ChangeEvent } from './store/events.ts';
import type { RRset } from './store/record.ts';
import { Store } from './store/store.ts';

/** ToWorker is what the primary sends a worker. */
type ToWorker =
  | { readonly kind: 'init'; readonly config: Config; readonly rrsets: readonly RRset[] }
  | {
      readonly kind: 'change';
      readonly version: number;
      readonly added: readonly RRset[];
      readonly updated: readonly RRset[];
      readonly deleted: readonly { name: RRset['name']; type: RRset['type'] }[];
    }
  | { readonly kind: 'stop' };

/** FromWorker is what a worker reports. */
type FromWorker =
  | { readonly kind: 'ready' }
  | { readonly kind: 'listening'; readonly port: number }
  | { readonly kind: 'applied'; readonly version: number }
  | { readonly kind: 'metrics'; readonly delta: MetricsDelta }
  | { readonly kind: 'failed'; readonly error: string };

/** WorkerState is what the primary knows of one worker: its pid and the store version it has applied. */
export interface WorkerState {
  readonly pid: number;
  readonly version: number;
}

/** WorkerPool is the DNS service of a primary: it binds nothing itself. */
export interface WorkerPool extends DnsService {
  /** workers lists the live workers and the primary's store version each has applied. */
  workers(): WorkerState[];
}

// How often a worker sends what its counters and histograms recorded to the main process: one
// message a second at most, its size bounded by the label sets whatever the query rate.
const METRICS_INTERVAL_MS = 1000;

// The worker runs this same program: main.ts, or main.js once compiled.
const here = fileURLToPath(import.meta.url);
const MAIN = join(dirname(here), `main${extname(here)}`);

// Only the flags that make the program run (a TypeScript loader, memory) pass to workers, not
// those of whatever started the primary (a test runner, an inspector).
function workerExecArgv(): string[] {
  const out: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (/^--(import|require|loader|experimental-loader)$/.test(arg)) out.push(arg, argv[++i] as string);
    else if (/^--(import|require|loader|experimental-loader|max-old-space-size|expose-gc)(=|$)/.test(arg))
      out.push(arg);
  }
  return out;
}

/** createWorkerPool forks config.workers DNS processes that serve copies of store. */
export function createWorkerPool(config: Config, store: Store, log: Logger, metrics?: Metrics): WorkerPool {
  const live = new Map<Worker, { version: number }>();
  let stopping = false;
  let unsubscribe: (() => void) | undefined;
  let port = config.dns_port;

  const send = (worker: Worker, message: ToWorker) => {
    if (worker.isConnected()) worker.send(message);
  };

  // Resolves once the worker listens; a worker that dies later is replaced with a fresh snapshot.
  const fork = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const worker = cluster.fork({ JW238DNS_WORKER: '1' });
      let listening = false;
      worker.on('message', (message: FromWorker) => {
        if (message.kind === 'ready') {
          // The worker listens for messages now (one sent before would be lost). The snapshot and
          // the changes after it travel in order on this one channel.
          live.set(worker, { version: store.version });
          send(worker, { kind: 'init', config, rrsets: store.all() });
        } else if (message.kind === 'listening') {
          listening = true;
          // Every worker asks for the configured port: node:cluster shares one socket per (address,
          // port asked), so with port 0 they all get the one the kernel chose for the first.
          port = message.port;
          resolve();
        } else if (message.kind === 'metrics') {
          metrics?.add(message.delta);
        } else if (message.kind === 'applied') {
          const state = live.get(worker);
          if (state) state.version = message.version;
        } else if (message.kind === 'failed') {
          reject(new Error(`dns worker ${worker.process.pid}: ${message.error}`));
        }
      });
      worker.on('exit', (code, signal) => {
        live.delete(worker);
        if (!listening)
          reject(new Error(`dns worker ${worker.process.pid} exited (${signal ?? code}) before listening`));
        else if (!stopping) {
          log.error({ pid: worker.process.pid, code, signal }, 'dns worker died; starting another');
          fork().catch((err: unknown) => log.error({ err }, 'could not replace a dns worker'));
        }
      });
    });

  return {
    async start() {
      // Workers accept on the shared sockets themselves instead of the primary handing out
      // connections (SCHED_RR), which would put every TCP connection through this process.
      cluster.schedulingPolicy = cluster.SCHED_NONE;
      cluster.setupPrimary({ exec: MAIN, args: [], execArgv: workerExecArgv() });
      unsubscribe = store.onChange((change: ChangeEvent) => {
        const message: ToWorker = {
          kind: 'change',
          version: change.version,
          added: change.added,
          updated: change.updated.map((u) => u.after),
          deleted: change.deleted.map((r) => ({ name: r.name, type: r.type })),
        };
        for (const worker of live.keys()) send(worker, message);
      });
      // The first worker fixes the port (it may be kernel-chosen), the others join it.
      await fork();
      await Promise.all(Array.from({ length: config.workers - 1 }, fork));
      log.info({ workers: live.size, port }, 'dns workers listening');
      return port;
    },
    async stop() {
      stopping = true;
      unsubscribe?.();
      const exits = [...live.keys()].map(
        (worker) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => worker.kill('SIGKILL'), 5000);
            worker.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            send(worker, { kind: 'stop' });
          }),
      );
      await Promise.all(exits);
    },
    workers: () =>
      [...live].map(([worker, state]) => ({ pid: worker.process.pid ?? 0, version: state.version })),
  };
}

/** isDnsWorker tells whether this process was forked by a WorkerPool. */
export function isDnsWorker(): boolean {
  return cluster.isWorker && process.env.JW238DNS_WORKER === '1';
}

/**
 * runDnsWorker serves DNS in a worker: it waits for the snapshot, binds the shared sockets, then
 * applies every change set the primary sends, each in one synchronous step.
 */
export function runDnsWorker(): void {
  let dns: DnsService | undefined;
  let store: Store | undefined;
  let flush = () => {};
  const reply = (message: FromWorker) => process.send?.(message);
  process.on('message', (message: ToWorker) => {
    switch (message.kind) {
      case 'init': {
        const logger = createLogger(message.config.log_level);
        flush = logger.flush;
        const log = logger.log.child({ worker: cluster.worker?.id });
        store = new Store({ defaultTtl: message.config.backend.default_ttl });
        store.apply({ added: message.rrsets });
        // Queries and forwarding are counted here and the counts sent to the main process, which
        // adds them to its own and serves /metrics; a second with nothing counted sends nothing.
        const metrics = createMetrics({ rrsets: () => 0, sourceOk: () => true }, { processMetrics: false });
        const timer = setInterval(() => {
          const delta = metrics.take();
          if (delta !== undefined) reply({ kind: 'metrics', delta });
        }, METRICS_INTERVAL_MS);
        timer.unref();
        dns = createDnsService(message.config, store, log, metrics);
        dns.start().then(
          (port) => reply({ kind: 'listening', port }),
          (err: unknown) => reply({ kind: 'failed', error: (err as Error).message }),
        );
        return;
      }
      case 'change': {
        if (store === undefined) return;
        // The primary's store accepted this change set: it applies here as it did there.
        store.apply(
          { added: message.added, updated: message.updated, deleted: message.deleted },
          { reload: true },
        );
        reply({ kind: 'applied', version: message.version });
        return;
      }
      case 'stop':
        void (dns?.stop() ?? Promise.resolve()).finally(() => {
          flush();
          process.disconnect();
          process.exit(0);
        });
        return;
    }
  });
  reply({ kind: 'ready' });
  // The primary is gone: nothing will feed this copy any more.
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => {}); // the primary stops workers itself, after its own listeners
  process.on('SIGINT', () => {});
}
