// Free TCP ports on 127.0.0.1, for servers that must be told their port before they start
// (Pebble's config, its httpPort). The port is free when returned; a test binds it at once.
import { once } from 'node:events';
import { createServer } from 'node:net';

/** freePort returns a TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** freePorts returns n distinct free ports. */
export async function freePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}
