// Errors of the ACME challenge handlers. The API maps each code to a status (src/api/errors.ts);
// the cert-manager webhook turns them into a failed `response` (src/acme/webhook.ts).

/** ACME_ERROR_CODES are the codes an AcmeError carries. */
export const ACME_ERROR_CODES = ['INVALID_CHALLENGE', 'ACME_CHALLENGE_NOT_FOUND'] as const;

/** AcmeErrorCode is one of ACME_ERROR_CODES. */
export type AcmeErrorCode = (typeof ACME_ERROR_CODES)[number];

/** AcmeError is a challenge the handlers refuse (a bad token, value or domain) or cannot find. */
export class AcmeError extends Error {
  override readonly name = 'AcmeError';
  readonly code: AcmeErrorCode;

  constructor(code: AcmeErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
