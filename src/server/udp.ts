// A UDP listener: one datagram in, at most one datagram out. The socket is composed, not
// subclassed; the handler returns bytes and this file sends them.
import cluster from 'node:cluster';
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { Logger } from '../log.ts';
import type { Handled, Handler } from './handle.ts';

const UDP_BUFFER_OCTETS = 4 * 1024 * 1024;

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
  // ipv6Only lets "::" and "0.0.0.0" share a port, as two sockets (behavior.md §3: IPv4 and IPv6).
  // A receive buffer larger than the default 208 KiB rides out garbage-collection pauses under
  // load instead of dropping queries (the kernel caps it at net.core.rmem_max).
  const socket: Socket = createSocket({
    type: ipv6 ? 'udp6' : 'udp4',
    ipv6Only: ipv6,
    recvBufferSize: UDP_BUFFER_OCTETS,
    sendBufferSize: UDP_BUFFER_OCTETS,
  });
  let pending = 0;
  let closing: (() => void) | undefined;
  let closed = false;

  const send = (out: Handled, rinfo: { address: string; port: number }): void => {
    if (out !== undefined && !closed) {
      pending += 1;
      socket.send(out, rinfo.port, rinfo.address, (err) => {
        pending -= 1;
        if (err) log.debug({ err, client: rinfo.address }, 'udp send failed');
        if (pending === 0) closing?.();
      });
    }
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
            const finish = () => {
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
