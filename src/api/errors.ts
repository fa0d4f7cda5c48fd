// The API's error table and its one error handler (architecture.md §6: map errors in one place
// per boundary; Fastify lib/errors.js). Every error reply is `{ "error": "<message>", "code": "<CODE>" }`
// (behavior.md §6), plus `line` and `problems` when a source was refused. docs/errors.md lists the
// same codes and statuses; errors.test.ts fails when the two drift apart.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AcmeError } from '../acme/errors.ts';
import type { Logger } from '../log.ts';
import { PersistError, SourceError } from '../sources/source.ts';
import { RecordError } from '../store/record.ts';

/** API_ERRORS maps every error code the API answers with to its HTTP status. */
export const API_ERRORS = {
  INVALID_REQUEST: 400,
  INVALID_NAME: 400,
  INVALID_RECORD_TYPE: 400,
  INVALID_TTL: 400,
  INVALID_VALUE: 400,
  INVALID_CHALLENGE: 400,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  RECORD_NOT_FOUND: 404,
  ACME_CHALLENGE_NOT_FOUND: 404,
  RECORD_EXISTS: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RELOAD_FAILED: 422,
  INTERNAL_ERROR: 500,
  PERSIST_FAILED: 503,
} as const;

/** ApiErrorCode is one of the codes of API_ERRORS. */
export type ApiErrorCode = keyof typeof API_ERRORS;

/** ErrorBody is the JSON body of every error reply. */
export interface ErrorBody {
  error: string;
  code: ApiErrorCode;
  /** line is where a refused source's first problem is (POST /api/v1/reload). */
  line?: number;
  /** problems lists every problem of a refused source, each with its line when known. */
  problems?: string[];
}

/** ApiError is an error a route throws to answer with code (and its status). */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly code: ApiErrorCode;

  constructor(code: ApiErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** errorBody returns the status and body for error, the way the error handler answers it. */
export function errorBody(error: unknown): { status: number; body: ErrorBody } {
  const reply = (code: ApiErrorCode, message: string, extra: Partial<ErrorBody> = {}) => ({
    status: API_ERRORS[code],
    body: { error: message, code, ...extra },
  });
  if (error instanceof ApiError || error instanceof AcmeError) return reply(error.code, error.message);
  if (error instanceof RecordError) {
    // RELOAD_FAILED from the store is a change set naming one (name, type) twice: a bad request.
    return error.code === 'RELOAD_FAILED'
      ? reply('INVALID_REQUEST', error.message)
      : reply(error.code, error.message);
  }
  if (error instanceof SourceError) {
    const problems = error.problems.map((p) =>
      p.line === undefined ? p.message : `line ${p.line}: ${p.message}`,
    );
    return reply('RELOAD_FAILED', error.message, { ...(error.line ? { line: error.line } : {}), problems });
  }
  if (error instanceof PersistError) return reply('PERSIST_FAILED', error.message);

  const fastify = error as Partial<FastifyError>;
  if (fastify.validation !== undefined) return reply('INVALID_REQUEST', fastify.message ?? 'invalid request');
  switch (fastify.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return reply('PAYLOAD_TOO_LARGE', 'request body is too large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return reply('UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json');
  }
  // secure-json-parse throws SyntaxError (or a prototype-poisoning Error) with statusCode 400.
  if (error instanceof SyntaxError)
    return reply('INVALID_REQUEST', `body is not valid JSON: ${error.message}`);
  const status = fastify.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return { status, body: { error: fastify.message ?? 'bad request', code: 'INVALID_REQUEST' } };
  }
  return reply('INTERNAL_ERROR', 'internal error');
}

/** errorHandler is the API's error handler: every error becomes an ErrorBody; a 500 is logged. */
export function errorHandler(log: Logger) {
  return (error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const { status, body } = errorBody(error);
    if (status >= 500) {
      const message =
        body.code === 'PERSIST_FAILED' ? 'write-back failed; change not applied' : 'api request failed';
      log.error({ err: error, method: request.method, url: request.url }, message);
    }
    return reply.code(status).type('application/json; charset=utf-8').send(body);
  };
}
