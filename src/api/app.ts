// buildApi: the HTTP API as a Fastify instance that does not listen by itself (architecture.md §10
// example 11, after Fastify's Testing guide and Encapsulation reference). Two contexts: the public
// one (/health, /ready, /metrics) and /api/v1, where every route, its 404 included, needs the
// bearer token. Every route has a TypeBox schema; @fastify/swagger turns them into the OpenAPI 3
// document served at /api/v1/openapi.json.
import { readFileSync } from 'node:fs';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import type { Challenges } from '../acme/challenges.ts';
import type { Logger } from '../log.ts';
import type { Store } from '../store/store.ts';
import { acmePublicRoutes, acmeRoutes } from './acme.ts';
import { bearerAuth } from './auth.ts';
import { type ErrorBody, errorHandler } from './errors.ts';
import { type MetricsText, publicRoutes, type Readiness } from './public.ts';
import { type RecordWriter, recordRoutes } from './records.ts';

/** DEFAULT_BODY_LIMIT bounds a request body: far above the largest record (65535 octets of rdata). */
export const DEFAULT_BODY_LIMIT = 256 * 1024;

/** ApiMetrics is what the API needs from metrics.ts: the text for /metrics and a request counter. */
export interface ApiMetrics extends MetricsText {
  observeApiRequest(method: string, route: string, status: number, seconds: number): void;
}

/** ApiDeps are everything the API uses; app.ts builds them. */
export interface ApiDeps {
  readonly store: Store;
  readonly writer: RecordWriter;
  /** token is the bearer token /api/v1 accepts (api/auth.ts resolveToken). */
  readonly token: string;
  readonly log: Logger;
  readonly readiness: () => Readiness;
  readonly metrics: ApiMetrics;
  readonly bodyLimit?: number;
  /** challenges are the ACME handlers; without them the ACME routes are not registered. */
  readonly challenges?: Challenges;
}

// package.json sits one level above both src/ and dist/, and this file is one level deeper.
function packageVersion(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}

function notFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const body: ErrorBody = {
    error: `no route ${request.method} ${request.url.split('?')[0]}`,
    code: 'NOT_FOUND',
  };
  return reply.code(404).send(body);
}

/** buildApi returns the API, ready for inject() in tests or listen() in app.ts. */
export function buildApi(deps: ApiDeps) {
  const app = Fastify({
    loggerInstance: deps.log,
    // One log line per request would drown the DNS logs; writes are logged by the routes, and
    // failures by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.bodyLimit ?? DEFAULT_BODY_LIMIT,
    // JSON bodies are taken as sent: "300" is not a TTL and "a" is not a list of values. Unknown
    // keys are refused, not dropped, so a typo ("values") is a 400 instead of a silent default.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setErrorHandler(errorHandler(deps.log));
  app.setNotFoundHandler(notFound);

  // An empty JSON body (curl -X POST -H 'content-type: application/json' …/reload) is no body,
  // not a syntax error; anything else goes through Fastify's parser (prototype poisoning refused).
  // The API speaks JSON only: any other body (text/plain, a form) is 415, not a string that fails
  // the schema later with a less helpful message.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') done(null, undefined);
    else void parseJson(request, body as string, done); // a callback parser: it returns nothing
  });

  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, not the URL, keeps the label set bounded.
    const route = request.routeOptions.url ?? 'unmatched';
    deps.metrics.observeApiRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
  });

  void app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'jw238dns',
        description: 'Records of the jw238dns authoritative DNS server. See docs/api.md and docs/errors.md.',
        version: packageVersion(),
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });

  void app.register(publicRoutes, { readiness: deps.readiness, metrics: deps.metrics });
  const challenges = deps.challenges;
  if (challenges !== undefined) void app.register(acmePublicRoutes, { challenges, log: deps.log });

  void app.register(
    async (v1) => {
      v1.addHook('onRequest', bearerAuth(deps.token));
      v1.setNotFoundHandler(notFound);
      await v1.register(recordRoutes, { store: deps.store, writer: deps.writer, log: deps.log });
      if (challenges !== undefined) await v1.register(acmeRoutes, { challenges, log: deps.log });
      v1.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
    },
    { prefix: '/api/v1' },
  );
  return app;
}

/** Api is a built API. */
export type Api = ReturnType<typeof buildApi>;
