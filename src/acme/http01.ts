// HTTP-01 (RFC 8555 §8.3): the ACME server fetches
// `http://<domain>/.well-known/acme-challenge/<token>` and expects the key authorisation,
// `<token>.<base64url(JWK thumbprint)>` (RFC 8555 §8.1), as the body. Tokens are kept in the
// source's challenge state (state.ts), so every replica answers for a token set through any of
// them. These are pure plans and checks: challenges.ts runs them through the write path.
import { AcmeError } from './errors.ts';
import type { ChallengeState, Http01Entry } from './state.ts';

/** WELL_KNOWN_PATH is where the ACME server looks for the key authorisation (RFC 8555 §8.3). */
export const WELL_KNOWN_PATH = '/.well-known/acme-challenge/';

/** MAX_TOKEN_LENGTH bounds a token: ACME servers send 43 characters (256 bits, RFC 8555 §11.3). */
const MAX_TOKEN_LENGTH = 256;

// RFC 8555 §8.1: the token "MUST NOT contain any characters outside the base64url alphabet", and
// RFC 7515 §2 base64url has no padding.
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** isToken says whether token could be an ACME token (base64url, 1–256 characters). */
export function isToken(token: string): boolean {
  return token.length <= MAX_TOKEN_LENGTH && BASE64URL.test(token);
}

/** http01Token checks a token; throws AcmeError INVALID_CHALLENGE. */
export function http01Token(token: unknown): string {
  if (typeof token !== 'string' || !isToken(token)) {
    throw new AcmeError(
      'INVALID_CHALLENGE',
      `HTTP-01 token ${JSON.stringify(token)} must be 1–${MAX_TOKEN_LENGTH} base64url characters (RFC 8555 §8.1)`,
    );
  }
  return token;
}

/**
 * keyAuthorizationOf checks that keyAuthorization is `<token>.<thumbprint>` with a base64url
 * thumbprint (RFC 8555 §8.1), which catches a digest or a wrong token pasted by mistake; throws
 * AcmeError INVALID_CHALLENGE.
 */
export function keyAuthorizationOf(token: string, keyAuthorization: unknown): string {
  const thumbprint =
    typeof keyAuthorization === 'string' && keyAuthorization.startsWith(`${token}.`)
      ? keyAuthorization.slice(token.length + 1)
      : undefined;
  if (thumbprint === undefined || !isToken(thumbprint)) {
    throw new AcmeError(
      'INVALID_CHALLENGE',
      `keyAuthorization must be "${token}." followed by the base64url account key thumbprint (RFC 8555 §8.1)`,
    );
  }
  return keyAuthorization as string;
}

/** planPut sets (or replaces, with a new expiry) the key authorisation of token. */
export function planPut(state: ChallengeState, entry: Http01Entry): ChallengeState {
  return { ...state, http01: [...state.http01.filter((e) => e.token !== entry.token), entry] };
}

/** planRemove forgets token; `removed` is false when it was not there. */
export function planRemove(
  state: ChallengeState,
  token: string,
): { state: ChallengeState; removed: boolean } {
  const http01 = state.http01.filter((e) => e.token !== token);
  return { state: { ...state, http01 }, removed: http01.length !== state.http01.length };
}
