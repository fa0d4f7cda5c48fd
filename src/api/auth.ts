// Bearer-token authentication for /api/v1 (behavior.md §6; RFC 6750). The API is never open: with
// no token configured one is generated at start and logged once.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorBody } from './errors.ts';

/** ApiToken is the token the API accepts and whether it was generated (so it must be logged once). */
export interface ApiToken {
  readonly token: string;
  readonly generated: boolean;
}

/** resolveToken returns configured (api.token, or JW238DNS_API_TOKEN), or a new random token. */
export function resolveToken(configured: string): ApiToken {
  if (configured !== '') return { token: configured, generated: false };
  // 256 bits from the CSPRNG, URL-safe so it pastes into a header or a shell unquoted.
  return { token: randomBytes(32).toString('base64url'), generated: true };
}

// RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token; the scheme is case-insensitive (RFC 9110 §11.1).
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * bearerAuth returns an onRequest hook that lets a request through only with
 * `Authorization: Bearer <token>`. The comparison is of SHA-256 digests with timingSafeEqual, so
 * neither the token's content nor its length shows in the response time.
 */
export function bearerAuth(token: string) {
  const expected = createHash('sha256').update(token).digest();
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const header = request.headers.authorization;
    const given = header === undefined ? undefined : BEARER.exec(header)?.[1];
    if (given !== undefined && timingSafeEqual(createHash('sha256').update(given).digest(), expected)) {
      return undefined;
    }
    const missing = header === undefined;
    const body: ErrorBody = {
      error: missing ? 'missing bearer token: send Authorization: Bearer <token>' : 'invalid bearer token',
      code: 'UNAUTHORIZED',
    };
    // RFC 6750 §3: say which scheme is expected, and (§3.1) invalid_token when one was given.
    const challenge = missing ? 'Bearer realm="jw238dns"' : 'Bearer realm="jw238dns", error="invalid_token"';
    // An async hook that answers returns the reply, which ends the request here.
    return reply.code(401).header('www-authenticate', challenge).send(body);
  };
}
