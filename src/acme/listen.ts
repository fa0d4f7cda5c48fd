// Binding one HTTP(S) server per listen address on a shared port, and closing them: the HTTP-01
// responder and the cert-manager webhook both serve on every `listen` address.
import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { isIPv6 } from 'node:net';
import type { Logger } from '../log.ts';

type AnyServer = HttpServer | HttpsServer;

/**
 * listenOnAll pushes one server per address into servers, all on port (0: the kernel picks for the
 * first address, the others take the same), and returns the port. On failure it throws, leaving
 * what it bound in servers for the caller's close (closeAll).
 */
export async function listenOnAll<S extends AnyServer>(
  servers: S[],
  addresses: readonly string[],
  port: number,
  make: () => S,
  log: Logger,
  what: string,
): Promise<number> {
  for (const host of addresses) {
    const server = make();
    servers.push(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // ipv6Only lets "::" and "0.0.0.0" share a port.
      server.listen({ host, port, ipv6Only: isIPv6(host) }, () => {
        server.off('error', reject);
        server.on('error', (err) => log.error({ err, address: host }, `${what} error`));
        resolve();
      });
    });
    port = (server.address() as { port: number }).port;
  }
  return port;
}

/** closeAll closes and forgets every server, cutting idle keep-alive connections. */
export async function closeAll(servers: AnyServer[]): Promise<void> {
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    ),
  );
}
