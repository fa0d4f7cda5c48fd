// buildApp wires the parts together: store, resolver, DNS listeners. It never listens by itself:
// start() binds, stop() drains. Tests build an app on 127.0.0.1 and a free port.
import { type Config, parseCidr, parseHostPort } from './config/schema.ts';
import { typeName } from './dns/constants.ts';
import type { Logger } from './log.ts';
import { AnswerCache } from './resolve/cache.ts';
import { invalidationKeys } from './resolve/dependencies.ts';
import { Forwarder } from './resolve/forward.ts';
import { createRecursionPolicy } from './resolve/recursion.ts';
import { createResolver, type Forwarding } from './resolve/resolve.ts';
import { createHandler, type QueryLog } from './server/handle.ts';
import { ResponseCache } from './server/response-cache.ts';
import { listenTcp, type TcpListener } from './server/tcp.ts';
import { listenUdp, type UdpListener } from './server/udp.ts';
import { RecordError, type RecordInput, validateRecord } from './store/record.ts';
import { Store } from './store/store.ts';

/** App is a built, not yet listening, server. */
export interface App {
  readonly store: Store;
  /** start binds every listen address on the DNS port (UDP and TCP) and returns the port bound. */
  start(): Promise<{ port: number }>;
  /** stop closes the listeners after answering what is in flight. */
  stop(): Promise<void>;
}

/**
 * recordProblems validates every configured record and returns one line per problem, naming the
 * record by its index (`records[3]: ...`), so a bad config reports all of them at once.
 */
export function recordProblems(records: readonly RecordInput[], defaultTtl: number): string[] {
  const problems: string[] = [];
  const seen = new Map<string, number>();
  records.forEach((input, i) => {
    try {
      const rrset = validateRecord(input, defaultTtl);
      const key = `${rrset.name} ${rrset.type}`;
      const first = seen.get(key);
      if (first !== undefined) problems.push(`records[${i}]: ${key} is already defined by records[${first}]`);
      else seen.set(key, i);
    } catch (err) {
      if (!(err instanceof RecordError)) throw err;
      problems.push(`records[${i}]: ${err.message}`);
    }
  });
  return problems;
}

/** RESPONSE_CACHE_ENTRIES bounds the fast path's cache of encoded answers (a few hundred octets each). */
const RESPONSE_CACHE_ENTRIES = 100_000;

/** UPSTREAM_CACHE_ENTRIES bounds the cache of upstream answers (about 1–2 KiB each). */
const UPSTREAM_CACHE_ENTRIES = 10_000;

/** buildForwarding returns the forwarder and recursion policy when backend.upstream.enabled. */
export function buildForwarding(
  upstream: Config['backend']['upstream'],
  log: Logger,
): Forwarding | undefined {
  if (!upstream.enabled) return undefined;
  return {
    forwarder: new Forwarder({
      servers: upstream.servers.map(parseHostPort),
      timeoutMs: upstream.timeout_ms,
      log: log.child({ module: 'forward' }),
      cache: new AnswerCache(UPSTREAM_CACHE_ENTRIES),
    }),
    mayRecurse: createRecursionPolicy(upstream.allow.map(parseCidr)),
  };
}

/** buildApp creates the store from config.records and the DNS server around it. */
export function buildApp(config: Config, log: Logger): App {
  const store = new Store({ defaultTtl: config.backend.default_ttl });
  store.hotReload(config.records as RecordInput[]);
  const resolve = createResolver(
    store,
    {
      returnSoaOnNxdomain: config.backend.return_soa_on_nxdomain,
      resolveCnameChain: config.backend.resolve_cname_chain,
      maxCnameDepth: config.backend.max_cname_depth,
    },
    buildForwarding(config.backend.upstream, log),
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
  const handler = createHandler({
    resolve,
    log: log.child({ module: 'server' }),
    cache,
    ...(queryLog ? { queryLog } : {}),
  });
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

  return {
    store,
    async start() {
      for (let attempt = 0; ; attempt++) {
        try {
          const port = await bindAll(config.dns_port);
          log.info({ addresses: config.listen, port, records: store.size }, 'dns listening');
          return { port };
        } catch (err) {
          await Promise.all(listeners.splice(0).map((l) => l.close()));
          // A kernel-chosen TCP port can be taken for UDP by someone else: pick again.
          const retry = config.dns_port === 0 && (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
          if (!retry || attempt >= 10) throw err;
        }
      }
    },
    async stop() {
      await Promise.all(listeners.splice(0).map((l) => l.close()));
    },
  };
}
