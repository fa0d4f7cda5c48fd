// A TCP listener (RFC 7766): two-octet length framing, pipelined queries answered as they are
// decided, an idle timeout, a cap on connections and on queries per connection. A slow or silent
// client only ever holds its own connection.
import cluster from 'node:cluster';
import { createServer, isIPv6, type Server, type Socket } from 'node:net';
import type { Logger } from '../log.ts';
import type { Handled, Handler } from './handle.ts';

/** TcpOptions are the TCP limits (config `tcp.*`). */
export interface TcpOptions {
  /** idleTimeoutMs closes a connection that has sent no complete query for this long (Knot: 10 s). */
  readonly idleTimeoutMs: number;
  /** maxConnections caps open connections; more are closed on accept. */
  readonly maxConnections: number;
  /** maxQueriesPerConnection closes a connection after this many queries; 0 is no limit. */
  readonly maxQueriesPerConnection: number;
}

/** TcpListener is a bound TCP server serving DNS. */
export interface TcpListener {
  readonly address: string;
  readonly port: number;
  readonly connections: () => number;
  close(): Promise<void>;
}

// A client that stops reading its answers must not make us buffer without bound: past this many
// octets queued for it, stop reading its queries until it drains.
const WRITE_BACKLOG_LIMIT = 256 * 1024;

// How long a closing listener waits for clients to close their side after our answers are out.
const CLOSE_GRACE_MS = 1000;

const EMPTY = Buffer.alloc(0);

/** listenTcp binds address:port and serves framed DNS messages with handler. */
export function listenTcp(
  address: string,
  port: number,
  handler: Handler,
  options: TcpOptions,
  log: Logger,
): Promise<TcpListener> {
  const sockets = new Set<Connection>();
  const server: Server = createServer({ noDelay: true, allowHalfOpen: true }, (socket) => {
    const connection = new Connection(socket, handler, options, log, () => sockets.delete(connection));
    sockets.add(connection);
  });
  server.maxConnections = options.maxConnections;

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    // In a cluster worker the socket is the primary's, shared (exclusive false): see src/workers.ts.
    server.listen({ host: address, port, ipv6Only: isIPv6(address), exclusive: !cluster.isWorker }, () => {
      server.off('error', reject);
      server.on('error', (err) => log.error({ err }, 'tcp server error'));
      const bound = server.address();
      if (bound === null || typeof bound === 'string') throw new Error('tcp server has no address');
      resolve({
        address: bound.address,
        port: bound.port,
        connections: () => sockets.size,
        // Stop accepting; each connection finishes the answers it owes, then closes. A client that
        // never closes its side is cut off after a short grace period.
        close: () =>
          new Promise<void>((done) => {
            server.close(() => {
              clearTimeout(grace);
              done();
            });
            for (const c of sockets) c.drain();
            const grace = setTimeout(() => {
              for (const c of sockets) c.destroy();
            }, CLOSE_GRACE_MS);
            grace.unref();
          }),
      });
    });
  });
}

class Connection {
  readonly #socket: Socket;
  readonly #handler: Handler;
  readonly #options: TcpOptions;
  readonly #log: Logger;
  readonly #onClose: () => void;
  readonly #client: { address: string; port: number; transport: 'tcp' };
  readonly #idle: NodeJS.Timeout;
  #buffer: Buffer = EMPTY;
  // The answers decided while reading one chunk, written together once it is read (reused).
  readonly #batch: Uint8Array[] = [];
  #queries = 0;
  #inFlight = 0;
  #draining = false;

  constructor(socket: Socket, handler: Handler, options: TcpOptions, log: Logger, onClose: () => void) {
    this.#socket = socket;
    this.#handler = handler;
    this.#options = options;
    this.#log = log;
    this.#onClose = onClose;
    this.#client = { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0, transport: 'tcp' };
    // The timer is reset only by complete queries and by answers, so a client trickling one
    // octet at a time still times out (a slowloris holds a slot for at most idleTimeoutMs).
    this.#idle = setTimeout(() => socket.destroy(), options.idleTimeoutMs);
    this.#idle.unref();
    socket.on('data', (chunk) => this.#onData(chunk));
    socket.on('drain', () => socket.resume());
    socket.on('error', (err) => log.debug({ err, client: this.#client.address }, 'tcp connection error'));
    socket.on('close', () => {
      clearTimeout(this.#idle);
      this.#onClose();
    });
    socket.on('end', () => {
      // The client half-closed: answer what it sent, then close our side.
      this.#draining = true;
      this.#maybeEnd();
    });
  }

  #onData(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const before = this.#queries;
    this.#drainFrames();
    // Answers to the queries in one chunk leave in one write (pipelining, RFC 7766 §6.2.1.1): one
    // buffer and one call into the stream for them all, rather than per answer.
    if (this.#batch.length > 0) {
      this.#write(this.#batch);
      this.#batch.length = 0;
    }
    if (this.#queries !== before) this.#idle.refresh();
    if (this.#draining) this.#maybeEnd();
  }

  #drainFrames(): void {
    const buffer = this.#buffer;
    let at = 0;
    while (buffer.length - at >= 2 && !this.#draining) {
      const length = ((buffer[at] as number) << 8) | (buffer[at + 1] as number);
      if (buffer.length - at < 2 + length) break;
      const message = buffer.subarray(at + 2, at + 2 + length);
      at += 2 + length;
      this.#queries += 1;
      const out = this.#dispatch(message);
      if (out !== undefined) this.#batch.push(out);
      const cap = this.#options.maxQueriesPerConnection;
      if (cap > 0 && this.#queries >= cap) this.#draining = true;
    }
    // What is left is the start of the next frame (or frames not read because we are draining).
    this.#buffer = at === buffer.length ? EMPTY : buffer.subarray(at);
  }

  // Returns a synchronous answer for the caller to batch; an asynchronous one is written when it
  // settles.
  #dispatch(message: Buffer): Handled {
    let out: ReturnType<Handler>;
    try {
      out = this.#handler(message, this.#client);
    } catch (err) {
      this.#log.error({ err }, 'tcp handler threw');
      return undefined;
    }
    if (!(out instanceof Promise)) return out;
    this.#inFlight += 1;
    out.then(
      (bytes) => {
        this.#inFlight -= 1;
        this.#idle.refresh();
        if (bytes !== undefined) this.#write([bytes]);
        this.#maybeEnd();
      },
      (err: unknown) => {
        this.#inFlight -= 1;
        this.#log.error({ err }, 'tcp handler failed');
        this.#maybeEnd();
      },
    );
    return undefined;
  }

  // Writes answers as length-prefixed frames, in one buffer.
  #write(answers: readonly Uint8Array[]): void {
    if (this.#socket.destroyed) return;
    let total = 0;
    for (const bytes of answers) total += 2 + bytes.length;
    const frames = Buffer.allocUnsafe(total); // every octet is written below
    let at = 0;
    for (const bytes of answers) {
      frames[at] = bytes.length >> 8;
      frames[at + 1] = bytes.length & 0xff;
      frames.set(bytes, at + 2);
      at += 2 + bytes.length;
    }
    const flushed = this.#socket.write(frames);
    if (!flushed && this.#socket.writableLength > WRITE_BACKLOG_LIMIT) this.#socket.pause();
  }

  #maybeEnd(): void {
    if (this.#draining && this.#inFlight === 0 && !this.#socket.destroyed) this.#socket.end();
  }

  /** destroy closes the connection at once. */
  destroy(): void {
    this.#socket.destroy();
  }

  /** drain stops reading and closes once every answer owed has been written. */
  drain(): void {
    this.#draining = true;
    this.#maybeEnd();
  }
}
