// The forwarder (behavior.md §4): ordered upstream servers, a timeout per server, the next server
// on a network error or timeout, NXDOMAIN and SERVFAIL final, SERVFAIL when everything failed,
// TC → the same server over TCP. It trusts nothing: random IDs from crypto, and a reply whose
// source, ID or question does not match is ignored (CoreDNS forward: state.Match).
import { randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { connect, isIPv6 } from 'node:net';
import { MAX_UDP_PAYLOAD, Rcode } from '../dns/constants.ts';
import { WireError } from '../dns/errors.ts';
import {
  decodeMessage,
  encodeQuery,
  type Message,
  type ResourceRecord,
  type RRsetOut,
} from '../dns/message.ts';
import { lowerName, type Name } from '../dns/name.ts';
import { hasCompressedNames } from '../dns/rdata.ts';
import type { Logger } from '../log.ts';
import { type Answer, EMPTY, rcodeOnly } from './answer.ts';
import type { AnswerCache } from './cache.ts';

/** Upstream is one server to forward to. */
export interface Upstream {
  readonly host: string;
  readonly port: number;
}

/** UpstreamQuestion is what is forwarded: a name, type and class, and the client's CD and DO bits. */
export interface UpstreamQuestion {
  readonly name: Name;
  readonly type: number;
  readonly class: number;
  readonly cd: boolean;
  readonly do: boolean;
}

/** Outcome is how one exchange with one upstream server ended. */
export type Outcome = 'answer' | 'final' | 'refused' | 'timeout' | 'error';

/** ForwardObserver receives what metrics and logs need; every method is optional. */
export interface ForwardObserver {
  exchange?(server: string, outcome: Outcome, ms: number): void;
  cache?(hit: boolean): void;
  failed?(): void;
}

/** ForwarderOptions configure a Forwarder. */
export interface ForwarderOptions {
  readonly servers: readonly Upstream[];
  /** timeoutMs bounds one exchange with one server (backend.upstream.timeout). */
  readonly timeoutMs: number;
  readonly log: Logger;
  readonly cache?: AnswerCache;
  readonly observer?: ForwardObserver;
  /** maxOutstanding caps upstream exchanges in flight; past it, queries get SERVFAIL at once. */
  readonly maxOutstanding?: number;
  /** randomId returns a query ID; crypto by default, replaceable in tests (miekg msg.go Id). */
  readonly randomId?: () => number;
  readonly now?: () => number;
}

// A server that timed out or failed is tried after the healthy ones for a while, so a dead first
// server does not cost the full timeout on every query; the pause doubles up to 30 s and ends at
// the first success.
const FIRST_PAUSE_MS = 1000;
const MAX_PAUSE_MS = 30_000;
const DEFAULT_MAX_OUTSTANDING = 1024;

interface ServerState {
  readonly upstream: Upstream;
  readonly label: string;
  failures: number;
  pausedUntil: number;
}

class ExchangeError extends Error {
  override readonly name = 'ExchangeError';
  readonly outcome: 'timeout' | 'error';
  constructor(outcome: 'timeout' | 'error', message: string, options?: ErrorOptions) {
    super(message, options);
    this.outcome = outcome;
  }
}

/** Forwarder answers questions from upstream servers, with a cache and in-flight de-duplication. */
export class Forwarder {
  readonly #servers: ServerState[];
  readonly #options: ForwarderOptions;
  readonly #inFlight = new Map<string, Promise<Answer>>();
  readonly #randomId: () => number;
  readonly #now: () => number;
  #outstanding = 0;

  constructor(options: ForwarderOptions) {
    this.#options = options;
    this.#servers = options.servers.map((upstream) => ({
      upstream,
      label: isIPv6(upstream.host)
        ? `[${upstream.host}]:${upstream.port}`
        : `${upstream.host}:${upstream.port}`,
      failures: 0,
      pausedUntil: 0,
    }));
    this.#randomId = options.randomId ?? (() => randomInt(0x10000));
    this.#now = options.now ?? Date.now;
  }

  /**
   * resolve answers q from the cache or the upstream servers. It never rejects: when every server
   * failed the answer is SERVFAIL (never a made-up NXDOMAIN, behavior.md §4).
   */
  resolve(q: UpstreamQuestion): Promise<Answer> {
    const key = `${q.name} ${q.type} ${q.class} ${q.cd ? 1 : 0}${q.do ? 1 : 0}`;
    const cached = this.#options.cache?.get(key);
    if (this.#options.cache) this.#options.observer?.cache?.(cached !== undefined);
    if (cached !== undefined) return Promise.resolve(cached);
    // Identical questions in flight share one upstream exchange.
    const pending = this.#inFlight.get(key);
    if (pending !== undefined) return pending;
    if (this.#outstanding >= (this.#options.maxOutstanding ?? DEFAULT_MAX_OUTSTANDING)) {
      this.#options.observer?.failed?.();
      return Promise.resolve(rcodeOnly(Rcode.SERVFAIL));
    }
    this.#outstanding += 1;
    const promise = this.#ask(q).then((answer) => {
      this.#outstanding -= 1;
      this.#inFlight.delete(key);
      if (answer.rcode === Rcode.SERVFAIL && answer.answer.length === 0) this.#options.observer?.failed?.();
      else this.#options.cache?.set(key, answer);
      return answer;
    });
    this.#inFlight.set(key, promise);
    return promise;
  }

  // Healthy servers in their configured order, then paused ones, soonest-resumed first: every
  // server is still tried before giving up.
  #order(): ServerState[] {
    const now = this.#now();
    const healthy = this.#servers.filter((s) => s.pausedUntil <= now);
    const paused = this.#servers
      .filter((s) => s.pausedUntil > now)
      .sort((a, b) => a.pausedUntil - b.pausedUntil);
    return [...healthy, ...paused];
  }

  async #ask(q: UpstreamQuestion): Promise<Answer> {
    const log = this.#options.log;
    for (const server of this.#order()) {
      const started = this.#now();
      try {
        const reply = await this.#exchange(server.upstream, q);
        server.failures = 0;
        server.pausedUntil = 0;
        // NXDOMAIN and SERVFAIL are final (behavior.md §4). REFUSED, FORMERR, NOTIMP and the like
        // say this server will not answer us: try the next one.
        const usable =
          reply.rcode === Rcode.NOERROR || reply.rcode === Rcode.NXDOMAIN || reply.rcode === Rcode.SERVFAIL;
        this.#options.observer?.exchange?.(
          server.label,
          usable ? (reply.rcode === Rcode.NOERROR ? 'answer' : 'final') : 'refused',
          this.#now() - started,
        );
        if (usable) return relay(reply);
        log.debug(
          { server: server.label, rcode: reply.rcode, qname: q.name },
          'upstream refused; trying the next',
        );
      } catch (err) {
        if (!(err instanceof ExchangeError)) throw err;
        server.failures += 1;
        server.pausedUntil =
          this.#now() + Math.min(MAX_PAUSE_MS, FIRST_PAUSE_MS * 2 ** (server.failures - 1));
        this.#options.observer?.exchange?.(server.label, err.outcome, this.#now() - started);
        log.debug(
          { server: server.label, err: err.message, qname: q.name },
          'upstream failed; trying the next',
        );
      }
    }
    log.warn({ qname: q.name, qtype: q.type }, 'every upstream server failed; answering SERVFAIL');
    return rcodeOnly(Rcode.SERVFAIL);
  }

  /** #exchange asks one server: UDP first, the same server over TCP when the reply is truncated. */
  async #exchange(server: Upstream, q: UpstreamQuestion): Promise<Message> {
    const deadline = this.#now() + this.#options.timeoutMs;
    const udp = await this.#udp(server, q, deadline);
    if (!udp.header.tc) return udp;
    return this.#tcp(server, q, deadline);
  }

  #query(q: UpstreamQuestion): { id: number; bytes: Uint8Array } {
    const id = this.#randomId();
    const bytes = encodeQuery({
      id,
      name: q.name,
      type: q.type,
      class: q.class,
      rd: true,
      cd: q.cd,
      edns: { udpSize: MAX_UDP_PAYLOAD, do: q.do },
    });
    return { id, bytes };
  }

  #udp(server: Upstream, q: UpstreamQuestion, deadline: number): Promise<Message> {
    const { id, bytes } = this.#query(q);
    return new Promise((resolve, reject) => {
      // A socket per exchange: a fresh random source port for every query (RFC 5452 §9.2).
      const socket = createSocket(isIPv6(server.host) ? 'udp6' : 'udp4');
      const finish = (err: ExchangeError | undefined, message?: Message) => {
        clearTimeout(timer);
        socket.close();
        if (err) reject(err);
        else resolve(message as Message);
      };
      const timer = setTimeout(
        () => finish(new ExchangeError('timeout', 'udp timeout')),
        Math.max(0, deadline - this.#now()),
      );
      socket.on('error', (err) => finish(new ExchangeError('error', err.message, { cause: err })));
      // The socket is connected: the kernel delivers only datagrams from the server's address and
      // port (a hostname is looked up by connect).
      socket.on('message', (msg) => {
        const message = matching(msg, id, q);
        if (message !== undefined) finish(undefined, message);
      });
      socket.connect(server.port, server.host, () => socket.send(bytes));
    });
  }

  #tcp(server: Upstream, q: UpstreamQuestion, deadline: number): Promise<Message> {
    const { id, bytes } = this.#query(q);
    return new Promise((resolve, reject) => {
      const socket = connect({ host: server.host, port: server.port });
      let received = Buffer.alloc(0);
      const finish = (err: ExchangeError | undefined, message?: Message) => {
        clearTimeout(timer);
        socket.destroy();
        if (err) reject(err);
        else resolve(message as Message);
      };
      const timer = setTimeout(
        () => finish(new ExchangeError('timeout', 'tcp timeout')),
        Math.max(0, deadline - this.#now()),
      );
      socket.on('error', (err) => finish(new ExchangeError('error', err.message, { cause: err })));
      socket.on('connect', () => {
        const framed = Buffer.alloc(bytes.length + 2);
        framed.writeUInt16BE(bytes.length, 0);
        framed.set(bytes, 2);
        socket.write(framed);
      });
      socket.on('data', (chunk) => {
        received = Buffer.concat([received, chunk]);
        while (received.length >= 2 && received.length >= 2 + received.readUInt16BE(0)) {
          const length = received.readUInt16BE(0);
          const message = matching(received.subarray(2, 2 + length), id, q);
          received = received.subarray(2 + length);
          if (message !== undefined) return finish(undefined, message);
        }
      });
      socket.on('end', () => finish(new ExchangeError('error', 'tcp connection closed before the answer')));
    });
  }
}

// The reply to our query, or undefined for anything else: unreadable, not a response, another ID,
// or another question (a spoofing attempt or a late answer to an earlier query).
function matching(bytes: Uint8Array, id: number, q: UpstreamQuestion): Message | undefined {
  let message: Message;
  try {
    message = decodeMessage(bytes);
  } catch (err) {
    if (err instanceof WireError) return undefined;
    throw err;
  }
  const question = message.question[0];
  if (
    !message.header.qr ||
    message.header.id !== id ||
    message.question.length !== 1 ||
    question === undefined
  )
    return undefined;
  if (lowerName(question.name) !== q.name || question.type !== q.type || question.class !== q.class)
    return undefined;
  return message;
}

/**
 * relay turns an upstream reply into our Answer: rcode, sections and RA as received, AA off (we
 * did not answer from our own zones). Records are grouped into RRsets in the order they came;
 * rdata without compressed names is passed on as received, octet for octet.
 */
export function relay(message: Message): Answer {
  return {
    rcode: message.rcode,
    aa: false,
    ra: message.header.ra,
    answer: group(message.answer),
    authority: group(message.authority),
    additional: group(message.additional),
  };
}

function group(records: readonly ResourceRecord[]): readonly RRsetOut[] {
  if (records.length === 0) return EMPTY;
  const sets = new Map<
    string,
    { name: string; type: number; class: number; ttl: number; data: string[]; wire: Uint8Array[] }
  >();
  for (const rr of records) {
    const key = `${lowerName(rr.name)} ${rr.type} ${rr.class}`;
    let set = sets.get(key);
    if (set === undefined) {
      set = { name: rr.name, type: rr.type, class: rr.class, ttl: rr.ttl, data: [], wire: [] };
      sets.set(key, set);
    }
    set.ttl = Math.min(set.ttl, rr.ttl); // RFC 2181 §5.2: one TTL per RRset, the least is safe
    set.data.push(rr.data);
    if (rr.wire) set.wire.push(rr.wire);
  }
  return [...sets.values()].map(({ wire, ...set }) =>
    hasCompressedNames(set.type) || wire.length !== set.data.length ? set : { ...set, wire },
  );
}
