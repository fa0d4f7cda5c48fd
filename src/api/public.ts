// The routes that need no token (behavior.md §6): liveness, readiness and metrics, for kubelet
// probes and Prometheus. (/.well-known/acme-challenge/* joins them with ACME.)
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';

/** Readiness is what /ready reports: ready, or the reasons it is not. */
export interface Readiness {
  readonly ready: boolean;
  readonly reasons: readonly string[];
}

/** MetricsText renders the metrics in the Prometheus text format. */
export interface MetricsText {
  readonly contentType: string;
  text(): Promise<string>;
}

/** PublicRouteOptions are the dependencies of the public routes. */
export interface PublicRouteOptions {
  readonly readiness: () => Readiness;
  readonly metrics: MetricsText;
}

const ReadyJson = Type.Object({
  ready: Type.Boolean(),
  reasons: Type.Array(Type.String(), {
    description:
      'Why the server is not ready. When ready, empty, or (ConfigMap source) why the last good records are served.',
  }),
});

/** publicRoutes registers /health, /ready and /metrics. */
export const publicRoutes: FastifyPluginAsyncTypebox<PublicRouteOptions> = async (app, options) => {
  const security: { [name: string]: string[] }[] = [];
  app.get(
    '/health',
    {
      schema: {
        tags: ['health'],
        summary: 'Liveness: 200 while the process serves',
        security,
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/ready',
    {
      schema: {
        tags: ['health'],
        summary: 'Readiness',
        description:
          '200 once the records are loaded and the DNS listeners are bound; 503 before, while the config file is refused, and while shutting down. A ConfigMap refused (or unreachable) after its records were loaded keeps 200 and is listed in reasons: every replica shares it.',
        security,
        response: { 200: ReadyJson, 503: ReadyJson },
      },
    },
    async (_request, reply) => {
      const { ready, reasons } = options.readiness();
      return reply.code(ready ? 200 : 503).send({ ready, reasons: [...reasons] });
    },
  );

  app.get(
    '/metrics',
    {
      schema: {
        tags: ['health'],
        summary: 'Metrics in the Prometheus text format',
        security,
        produces: ['text/plain'],
        response: { 200: Type.String() },
      },
    },
    async (_request, reply) => reply.type(options.metrics.contentType).send(await options.metrics.text()),
  );
};
