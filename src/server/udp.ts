// A UDP listener: one datagram in, at most one datagram out. The socket is composed, not
// subclassed; the handler returns bytes and this file sends them.
import cluster from 'node:cluster';
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { Logger } from '../log.ts';
import type { Handled, Handler } from './handle.ts';

const UDP_BUFFER_OCTETS = 4 * 1024 * 1024;

// How long a closing listener waits for answers the kernel has not taken yet (see close below).
const CLOSE_GRACE_MS = 1000;

/** UdpListener is a bound UDP socket serving DNS. */
export interface UdpListener {
  readonly address: string;
  readonly port: number;
  close(): Promise<void>;
}

/** listenUdp binds address:port and answers every datagram with handler. */
export function listenUdp(
  address: string,
  port: number,
  handler: Handler,
  log: Logger,
): Promise<UdpListener> {
  const ipv6 = isIPv6(address);
  const family = ipv6 ? 6 : 4;
  // ipv6Only lets "::" and "0.0.0.0" share a port, as two sockets (behavior.md §3: IPv4 and IPv6).
  // A receive buffer larger than the default 208 KiB rides out garbage-collection pauses under
  // load instead of dropping queries (the kernel caps it at net.core.rmem_max).
  const socket: Socket = createSocket({
    type: ipv6 ? 'udp6' : 'udp4',
    ipv6Only: ipv6,
    recvBufferSize: UDP_BUFFER_OCTETS,
    sendBufferSize: UDP_BUFFER_OCTETS,
    // Answers go back to the address their query came from, always an IP literal: hand it
    // straight back. dns.lookup would validate it and call back on the next tick, every datagram.
    lookup: (literal, _options, callback) => callback(null, literal, family),
  });
  // Answers whose handler has not settled yet (forwarding); close waits for them.
  let pending = 0;
  let closing: (() => void) | undefined;
  let closed = false;

  // No callback: Node then hands the datagram to the kernel at once (uv_udp_try_send) and calls
  // nothing back, where a callback costs a tick and a closure per answer. A datagram the kernel
  // cannot take at once waits in libuv's send queue, which close lets drain; one the kernel
  // refuses is lost as a datagram on the wire can be.
  const send = (out: Handled, rinfo: { address: string; port: number }): void => {
    if (out !== undefined && !closed) socket.send(out, rinfo.port, rinfo.address);
  };

  socket.on('message', (msg, rinfo) => {
    const client = { address: rinfo.address, port: rinfo.port, transport: 'udp' as const };
    let out: ReturnType<Handler>;
    try {
      out = handler(msg, client);
    } catch (err) {
      log.error({ err }, 'udp handler threw');
      return;
    }
    if (out instanceof Promise) {
      pending += 1;
      out.then(
        (bytes) => {
          pending -= 1;
          send(bytes, rinfo);
          if (pending === 0) closing?.();
        },
        (err: unknown) => {
          pending -= 1;
          log.error({ err }, 'udp handler failed');
          if (pending === 0) closing?.();
        },
      );
    } else {
      send(out, rinfo);
    }
  });

  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    // In a cluster worker the socket is the primary's, shared (exclusive false): see src/workers.ts.
    socket.bind({ address, port, exclusive: !cluster.isWorker }, () => {
      socket.off('error', reject);
      socket.on('error', (err) => log.error({ err }, 'udp socket error'));
      const bound = socket.address();
      resolve({
        address: bound.address,
        port: bound.port,
        // Stop reading at once, let answers already decided go out, then close.
        close: () =>
          new Promise<void>((done) => {
            socket.removeAllListeners('message');
            // Closing cancels what is still in libuv's send queue: let it drain first (it seldom
            // holds anything), unless the kernel keeps refusing it past a grace period.
            const finish = (deadline = Date.now() + CLOSE_GRACE_MS) => {
              if (socket.getSendQueueCount() > 0 && Date.now() < deadline) {
                setTimeout(finish, 1, deadline);
                return;
              }
              closed = true;
              socket.close(() => done());
            };
            if (pending === 0) finish();
            else closing = finish;
          }),
      });
    });
  });
}
