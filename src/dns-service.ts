// The DNS service: resolver, fast-path cache, handler and the UDP and TCP listeners on every
// listen address, over one store. The single-process server runs one; with `workers`, each worker
// process runs one over its own copy of the store (src/workers.ts).
import type { Config } from './config/schema.ts';
import { parseCidr, parseHostPort } from './config/schema.ts';
import { typeName } from './dns/constants.ts';
import type { Logger } from './log.ts';
import { instrumentHandler, type Metrics } from './metrics.ts';
import { AnswerCache } from './resolve/cache.ts';
import { invalidationKeys } from './resolve/dependencies.ts';
import { Forwarder, type ForwardObserver } from './resolve/forward.ts';
import { createRecursionPolicy } from './resolve/recursion.ts';
import { createResolver, type Forwarding } from './resolve/resolve.ts';
import { createHandler, type QueryLog } from './server/handle.ts';
import { ResponseCache } from './server/response-cache.ts';
import { listenTcp, type TcpListener } from './server/tcp.ts';
import { listenUdp, type UdpListener } from './server/udp.ts';
import type { Store } from './store/store.ts';

/** DnsService binds and serves DNS for a store; start resolves with the port bound. */
export interface DnsService {
  start(): Promise<number>;
  stop(): Promise<void>;
}

/** RESPONSE_CACHE_ENTRIES bounds the fast path's cache of encoded answers (a few hundred octets each). */
const RESPONSE_CACHE_ENTRIES = 100_000;

/** UPSTREAM_CACHE_ENTRIES bounds the cache of upstream answers (about 1–2 KiB each). */
const UPSTREAM_CACHE_ENTRIES = 10_000;

/** buildForwarding returns the forwarder and recursion policy when backend.upstream.enabled. */
export function buildForwarding(
  upstream: Config['backend']['upstream'],
  log: Logger,
  observer?: ForwardObserver,
): Forwarding | undefined {
  if (!upstream.enabled) return undefined;
  return {
    forwarder: new Forwarder({
      servers: upstream.servers.map(parseHostPort),
      timeoutMs: upstream.timeout_ms,
      log: log.child({ module: 'forward' }),
      cache: new AnswerCache(UPSTREAM_CACHE_ENTRIES),
      ...(observer ? { observer } : {}),
    }),
    mayRecurse: createRecursionPolicy(upstream.allow.map(parseCidr)),
  };
}

/** createDnsService builds the DNS server over store; metrics, when given, count every query. */
export function createDnsService(config: Config, store: Store, log: Logger, metrics?: Metrics): DnsService {
  const resolve = createResolver(
    store,
    {
      returnSoaOnNxdomain: config.backend.return_soa_on_nxdomain,
      resolveCnameChain: config.backend.resolve_cname_chain,
      maxCnameDepth: config.backend.max_cname_depth,
    },
    buildForwarding(config.backend.upstream, log, metrics?.forward),
  );
  const queryLogger = log.child({ module: 'query' });
  const queryLog: QueryLog | undefined = config.query_log
    ? (e) =>
        queryLogger.info(
          {
            client: e.client.address,
            transport: e.client.transport,
            qname: e.qname,
            qtype: typeName(e.qtype),
            rcode: e.rcode,
            tc: e.truncated,
            size: e.size,
            ms: Math.round(e.durationMs * 1000) / 1000,
          },
          'query',
        )
    : undefined;
  // The fast path's cache of encoded local answers, kept exact by the store's change events.
  const cache = new ResponseCache(RESPONSE_CACHE_ENTRIES);
  store.onChange((change) => cache.invalidate(invalidationKeys(change)));
  // Metrics wrap the handler rather than ride on queryLog: with a queryLog set, the handler
  // decodes every cached query's name for the log entry, which costs more than the metrics do
  // (measured in metrics.ts).
  const plain = createHandler({
    resolve,
    log: log.child({ module: 'server' }),
    cache,
    ...(queryLog ? { queryLog } : {}),
  });
  const handler = metrics === undefined ? plain : instrumentHandler(plain, metrics);
  const listeners: (UdpListener | TcpListener)[] = [];
  const tcpOptions = {
    idleTimeoutMs: config.tcp.idle_timeout_ms,
    maxConnections: config.tcp.max_connections,
    maxQueriesPerConnection: config.tcp.max_queries_per_connection,
  };

  async function bindAll(port: number): Promise<number> {
    for (const address of config.listen) {
      // TCP first: with port 0 the kernel picks one, and UDP then takes the same number.
      const tcp = await listenTcp(address, port, handler, tcpOptions, log);
      listeners.push(tcp);
      port = tcp.port;
      listeners.push(await listenUdp(address, port, handler, log));
    }
    return port;
  }

  async function bindDns(): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      try {
        const port = await bindAll(config.dns_port);
        log.info({ addresses: config.listen, port, records: store.size }, 'dns listening');
        return port;
      } catch (err) {
        await Promise.all(listeners.splice(0).map((l) => l.close()));
        // A kernel-chosen TCP port can be taken for UDP by someone else: pick again.
        const retry = config.dns_port === 0 && (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
        if (!retry || attempt >= 10) throw err;
      }
    }
  }

  return {
    start: bindDns,
    stop: async () => {
      await Promise.all(listeners.splice(0).map((l) => l.close()));
    },
  };
}
