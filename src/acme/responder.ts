// The optional plain-HTTP listener of acme.http01_port (behavior.md §7): it serves only
// /.well-known/acme-challenge/<token> (RFC 8555 §8.3, which the ACME server fetches over plain
// HTTP on port 80), so that it can sit behind port 80 without exposing the API there. It answers
// like the same route on the API port (api/acme.ts): the key authorisation as text/plain, else a
// JSON error body.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from '../log.ts';
import type { Challenges } from './challenges.ts';
import { WELL_KNOWN_PATH } from './http01.ts';
import { closeAll, listenOnAll } from './listen.ts';

/** Responder is a bound HTTP-01 listener. */
export interface Responder {
  readonly port: number;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, type: string, body: string, head: boolean): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(head ? undefined : body);
}

/** respond answers one request of the listener. */
export function respond(
  challenges: Pick<Challenges, 'keyAuthorization'>,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const path = (req.url ?? '/').split('?')[0] as string;
  const head = req.method === 'HEAD';
  const error = (status: number, code: string, message: string) =>
    send(res, status, 'application/json; charset=utf-8', JSON.stringify({ error: message, code }), head);
  const token = path.startsWith(WELL_KNOWN_PATH) ? path.slice(WELL_KNOWN_PATH.length) : '';
  if (token === '' || token.includes('/')) {
    error(404, 'NOT_FOUND', `no route ${req.method} ${path}`);
    return;
  }
  if (req.method !== 'GET' && !head) {
    res.setHeader('allow', 'GET, HEAD');
    error(405, 'INVALID_REQUEST', `${req.method} is not allowed here: use GET`);
    return;
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(token);
  } catch {
    decoded = token;
  }
  const keyAuthorization = challenges.keyAuthorization(decoded);
  if (keyAuthorization === undefined) {
    error(404, 'ACME_CHALLENGE_NOT_FOUND', `no HTTP-01 challenge for token ${decoded}`);
    return;
  }
  send(res, 200, 'text/plain; charset=utf-8', keyAuthorization, head);
}

/** listenResponder binds the listener on port (0: the kernel picks) on every address. */
export async function listenResponder(
  challenges: Pick<Challenges, 'keyAuthorization'>,
  addresses: readonly string[],
  port: number,
  log: Logger,
): Promise<Responder> {
  const servers: Server[] = [];
  const close = () => closeAll(servers);
  try {
    port = await listenOnAll(
      servers,
      addresses,
      port,
      () => createServer((req, res) => respond(challenges, req, res)),
      log,
      'http-01 listener',
    );
  } catch (error) {
    await close();
    throw error;
  }
  log.info({ addresses, port }, 'http-01 responder listening');
  return { port, close };
}
