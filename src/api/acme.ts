// The ACME routes (behavior.md §7). Public: GET /.well-known/acme-challenge/:token, the HTTP-01
// responder (RFC 8555 §8.3), which needs no token because the ACME server fetches it. Under
// /api/v1 (bearer token): DNS-01 values and HTTP-01 tokens, set and cleared through acme/challenges.ts,
// which persists them before it answers.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { Challenges } from '../acme/challenges.ts';
import { challengeName, dns01Value } from '../acme/dns01.ts';
import { AcmeError } from '../acme/errors.ts';
import { http01Token, keyAuthorizationOf } from '../acme/http01.ts';
import { iso } from '../acme/state.ts';
import type { Logger } from '../log.ts';
import { errorResponses } from './schemas.ts';

/** AcmeRouteOptions are the dependencies of the ACME routes. */
export interface AcmeRouteOptions {
  readonly challenges: Challenges;
  readonly log: Logger;
}

const Dns01Body = Type.Object(
  {
    domain: Type.String({
      description: 'The domain being validated (`example.com`, or `*.example.com` for a wildcard).',
    }),
    value: Type.String({
      description: 'The TXT value: base64url(SHA-256(key authorisation)), RFC 8555 §8.4.',
    }),
  },
  { additionalProperties: false },
);

const Dns01Json = Type.Object({
  name: Type.String({ description: 'The name holding the value: `_acme-challenge.<domain>.`' }),
  value: Type.String(),
  expires: Type.String({ description: 'When the value is removed on its own (RFC 3339).' }),
});

const TokenParams = Type.Object({
  token: Type.String({ description: 'The challenge token (base64url).' }),
});

const Http01Body = Type.Object(
  {
    keyAuthorization: Type.String({
      description: '`<token>.<base64url account key thumbprint>`, RFC 8555 §8.1.',
    }),
  },
  { additionalProperties: false },
);

const Http01Json = Type.Object({
  token: Type.String(),
  keyAuthorization: Type.String(),
  expires: Type.String({ description: 'When the token stops being served (RFC 3339).' }),
});

const ChallengesJson = Type.Object({
  dns01: Type.Array(Dns01Json),
  http01: Type.Array(Http01Json),
});

/** acmePublicRoutes registers the HTTP-01 responder: no token, text/plain (RFC 8555 §8.3). */
export const acmePublicRoutes: FastifyPluginAsyncTypebox<AcmeRouteOptions> = async (app, options) => {
  app.get(
    '/.well-known/acme-challenge/:token',
    {
      schema: {
        tags: ['acme'],
        summary: 'HTTP-01 responder',
        description: 'The key authorisation of the token, as text/plain; 404 for a token not set or expired.',
        security: [],
        params: TokenParams,
        produces: ['text/plain'],
        response: { 200: Type.String(), ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      const keyAuthorization = options.challenges.keyAuthorization(request.params.token);
      if (keyAuthorization === undefined)
        throw notFound(`no HTTP-01 challenge for token ${request.params.token}`);
      return reply.type('text/plain; charset=utf-8').send(keyAuthorization);
    },
  );
};

function notFound(message: string): AcmeError {
  return new AcmeError('ACME_CHALLENGE_NOT_FOUND', message);
}

/** acmeRoutes registers /acme/* (prefix /api/v1 in app.ts). */
export const acmeRoutes: FastifyPluginAsyncTypebox<AcmeRouteOptions> = async (app, options) => {
  const { challenges, log } = options;
  const tags = ['acme'];

  app.get(
    '/acme/challenges',
    {
      schema: {
        tags,
        summary: 'List the challenges in progress',
        response: { 200: ChallengesJson, ...errorResponses(401) },
      },
    },
    async () => {
      const state = challenges.state();
      return {
        dns01: state.dns01.map((e) => ({ name: e.name, value: e.value, expires: iso(e.expires) })),
        http01: state.http01.map((e) => ({
          token: e.token,
          keyAuthorization: e.keyAuthorization,
          expires: iso(e.expires),
        })),
      };
    },
  );

  app.post(
    '/acme/dns01',
    {
      schema: {
        tags,
        summary: 'Present a DNS-01 value',
        description:
          'Adds the value to the TXT RRset at `_acme-challenge.<domain>.`, keeping the values already there; 201, or 200 if the value was there already (its expiry moves on).',
        body: Dns01Body,
        response: { 200: Dns01Json, 201: Dns01Json, ...errorResponses(400, 401, 503) },
      },
    },
    async (request, reply) => {
      const name = challengeName(request.body.domain);
      const value = dns01Value(request.body.value);
      const { created, entry } = await challenges.presentDns01(name, value);
      log.info({ op: 'acme-dns01-present', name, created }, 'DNS-01 value presented');
      return reply.code(created ? 201 : 200).send({ name, value, expires: iso(entry.expires) });
    },
  );

  app.delete(
    '/acme/dns01',
    {
      schema: {
        tags,
        summary: 'Clean up a DNS-01 value',
        description:
          'Removes only this value from the TXT RRset at `_acme-challenge.<domain>.` (the RRset when it was the last one); 404 if the value is not there.',
        body: Dns01Body,
        response: { 204: Type.Null({ description: 'Removed.' }), ...errorResponses(400, 401, 404, 503) },
      },
    },
    async (request, reply) => {
      const name = challengeName(request.body.domain);
      const value = dns01Value(request.body.value);
      if (!(await challenges.cleanUpDns01(name, value))) {
        throw notFound(`no DNS-01 value ${JSON.stringify(value)} at ${name}`);
      }
      log.info({ op: 'acme-dns01-cleanup', name }, 'DNS-01 value cleaned up');
      return reply.code(204).send(null);
    },
  );

  app.put(
    '/acme/http01/:token',
    {
      schema: {
        tags,
        summary: 'Set an HTTP-01 token',
        description:
          'Serves the key authorisation at /.well-known/acme-challenge/<token> until it is deleted or expires.',
        params: TokenParams,
        body: Http01Body,
        response: { 200: Http01Json, ...errorResponses(400, 401, 503) },
      },
    },
    async (request) => {
      const token = http01Token(request.params.token);
      const keyAuthorization = keyAuthorizationOf(token, request.body.keyAuthorization);
      const entry = await challenges.putHttp01(token, keyAuthorization);
      log.info({ op: 'acme-http01-put', token }, 'HTTP-01 token set');
      return { token, keyAuthorization, expires: iso(entry.expires) };
    },
  );

  app.delete(
    '/acme/http01/:token',
    {
      schema: {
        tags,
        summary: 'Remove an HTTP-01 token',
        params: TokenParams,
        response: { 204: Type.Null({ description: 'Removed.' }), ...errorResponses(400, 401, 404, 503) },
      },
    },
    async (request, reply) => {
      const token = http01Token(request.params.token);
      if (!(await challenges.removeHttp01(token))) throw notFound(`no HTTP-01 challenge for token ${token}`);
      log.info({ op: 'acme-http01-delete', token }, 'HTTP-01 token removed');
      return reply.code(204).send(null);
    },
  );
};
