// The cert-manager DNS-01 webhook solver (behavior.md §7; shared/notes/cert-manager.md). cert-manager
// creates a `ChallengePayload` (webhook.acme.cert-manager.io/v1alpha1) in our API group; the
// Kubernetes API server, to which the group is registered by an APIService, proxies that to this
// HTTPS server as `POST /apis/<group>/v1alpha1/<solver>`. Present adds `request.key` to the TXT
// RRset at `request.resolvedFQDN`, CleanUp removes only that value (challenges.ts, through the
// records' write path), both idempotent. The answer is always 200 with the payload and a
// `response` (cert-manager reads it without a nil check); a failure is `success: false` with the
// reason in `response.status`, never a crash or an empty body. The discovery documents the
// aggregator checks (`GET /apis/<group>/v1alpha1`, else FailedDiscoveryCheck) are served too.
//
// The API server presents its front-proxy client certificate. With acme.webhook.client_ca_file set,
// a request without a certificate signed by that CA gets 401, except the health checks (kubelet
// probes carry no certificate). The serving certificate is re-read when its files change, since
// cert-manager renews it in place.
import { readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { TLSSocket } from 'node:tls';
import Fastify, { type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import type { Logger } from '../log.ts';
import { PersistError } from '../sources/source.ts';
import { RecordError } from '../store/record.ts';
import type { Challenges } from './challenges.ts';
import { challengeName, dns01Value, fqdn } from './dns01.ts';
import { AcmeError } from './errors.ts';
import { closeAll, listenOnAll } from './listen.ts';

/** PAYLOAD_API_VERSION is the apiVersion of cert-manager's ChallengePayload. */
export const PAYLOAD_API_VERSION = 'webhook.acme.cert-manager.io/v1alpha1';

/** SOLVER_VERSION is the version under which the solver is served (the APIService's version). */
export const SOLVER_VERSION = 'v1alpha1';

/** HEALTH_PATHS answer without a client certificate: the kubelet's probes present none. */
export const HEALTH_PATHS: readonly string[] = ['/healthz', '/livez', '/readyz'];

/** BODY_LIMIT bounds a ChallengePayload (the issuer's config is copied into it). */
const BODY_LIMIT = 1024 * 1024;

/** DEFAULT_TLS_CHECK_MS is how often the certificate files are checked for a renewal. */
export const DEFAULT_TLS_CHECK_MS = 60_000;

/** WebhookOptions configure the solver. */
export interface WebhookOptions {
  /** groupName and solverName are acme.webhook.group_name and solver_name. */
  readonly groupName: string;
  readonly solverName: string;
  readonly challenges: Pick<Challenges, 'presentDns01' | 'cleanUpDns01'>;
  readonly log: Logger;
  /** requireClientCert refuses requests whose TLS client certificate was not verified (client_ca_file). */
  readonly requireClientCert: boolean;
}

// A Kubernetes metav1.Status, the body of every error of an API server.
function status(code: number, reason: string, message: string) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** SolveResult is the outcome of one ChallengePayload: a success, or a failure cert-manager reports. */
type SolveResult =
  | { readonly success: true }
  | { readonly success: false; readonly code: number; readonly reason: string; readonly message: string };

/** buildWebhook returns the solver's routes as a Fastify app, ready for inject() or listenWebhook. */
export function buildWebhook(options: WebhookOptions) {
  const { groupName, solverName, challenges, log } = options;
  const groupVersion = `${groupName}/${SOLVER_VERSION}`;
  const app = Fastify({
    loggerInstance: log,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT,
  });

  // Every body is taken as text and parsed here, so that a wrong body becomes a failed response
  // rather than a 400 or 415 from the framework.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  const reply404 = (request: FastifyRequest, reply: FastifyReply) =>
    reply
      .code(404)
      .send(status(404, 'NotFound', `the server could not find ${request.method} ${request.url}`));
  app.setNotFoundHandler(reply404);
  app.setErrorHandler((error, request, reply) => {
    const code = (error as { statusCode?: number }).statusCode ?? 500;
    if (code >= 500) log.error({ err: error, url: request.url }, 'webhook request failed');
    return reply
      .code(code)
      .send(status(code, code >= 500 ? 'InternalError' : 'BadRequest', (error as Error).message));
  });

  if (options.requireClientCert) {
    app.addHook('onRequest', async (request, reply) => {
      if (HEALTH_PATHS.includes(request.url.split('?')[0] as string)) return undefined;
      if ((request.raw.socket as Partial<TLSSocket>).authorized === true) return undefined;
      return reply
        .code(401)
        .send(
          status(
            401,
            'Unauthorized',
            'a client certificate signed by acme.webhook.client_ca_file is required',
          ),
        );
    });
  }

  for (const path of HEALTH_PATHS)
    app.get(path, async (_request, reply) => reply.type('text/plain').send('ok'));

  const group = {
    name: groupName,
    versions: [{ groupVersion, version: SOLVER_VERSION }],
    preferredVersion: { groupVersion, version: SOLVER_VERSION },
  };
  app.get('/apis', async () => ({ kind: 'APIGroupList', apiVersion: 'v1', groups: [group] }));
  app.get<{ Params: { group: string } }>('/apis/:group', async (request, reply) =>
    request.params.group === groupName
      ? { kind: 'APIGroup', apiVersion: 'v1', ...group }
      : reply404(request, reply),
  );
  app.get<{ Params: { group: string; version: string } }>('/apis/:group/:version', async (request, reply) =>
    request.params.group === groupName && request.params.version === SOLVER_VERSION
      ? {
          kind: 'APIResourceList',
          apiVersion: 'v1',
          groupVersion,
          resources: [
            {
              name: solverName,
              singularName: solverName,
              namespaced: false,
              kind: 'ChallengePayload',
              verbs: ['create'],
            },
          ],
        }
      : reply404(request, reply),
  );

  app.post<{ Params: { group: string; version: string; resource: string } }>(
    '/apis/:group/:version/:resource',
    async (request, reply) => {
      const { params } = request;
      if (params.group !== groupName || params.version !== SOLVER_VERSION || params.resource !== solverName) {
        return reply404(request, reply);
      }
      let payload: unknown;
      try {
        payload = JSON.parse(typeof request.body === 'string' ? request.body : '');
      } catch {
        payload = undefined;
      }
      const challenge = isObject(payload) && isObject(payload.request) ? payload.request : undefined;
      const uid = typeof challenge?.uid === 'string' ? challenge.uid : '';
      const result: SolveResult =
        challenge === undefined
          ? {
              success: false,
              code: 400,
              reason: 'BadRequest',
              message: 'the body is not a ChallengePayload: it needs a JSON object with a "request" object',
            }
          : await solve(challenge, challenges, log);
      return {
        apiVersion: PAYLOAD_API_VERSION,
        kind: 'ChallengePayload',
        request: challenge ?? {},
        response: {
          uid,
          success: result.success,
          ...(result.success
            ? {}
            : {
                status: {
                  status: 'Failure',
                  message: result.message,
                  reason: result.reason,
                  code: result.code,
                },
              }),
        },
      };
    },
  );
  return app;
}

// One ChallengeRequest: check it, then Present or CleanUp through the challenge handlers.
async function solve(
  request: Json,
  challenges: WebhookOptions['challenges'],
  log: Logger,
): Promise<SolveResult> {
  const fail = (code: number, reason: string, message: string): SolveResult => ({
    success: false,
    code,
    reason,
    message,
  });
  try {
    const action = typeof request.action === 'string' ? request.action.toLowerCase() : undefined;
    if (action !== 'present' && action !== 'cleanup') {
      return fail(
        400,
        'BadRequest',
        `unknown action ${JSON.stringify(request.action)}: expected Present or CleanUp`,
      );
    }
    if (request.type !== undefined && request.type !== 'dns-01') {
      return fail(
        400,
        'BadRequest',
        `challenge type ${JSON.stringify(request.type)} is not supported: only dns-01`,
      );
    }
    // resolvedFQDN is the name after cert-manager followed any CNAME: honour it (its API says so).
    const name =
      typeof request.resolvedFQDN === 'string' && request.resolvedFQDN !== ''
        ? fqdn(request.resolvedFQDN, `resolvedFQDN "${request.resolvedFQDN}"`)
        : challengeName(request.dnsName);
    const value = dns01Value(request.key);
    if (action === 'present') {
      const { created } = await challenges.presentDns01(name, value);
      log.info(
        { op: 'webhook-present', name, created, uid: request.uid },
        'cert-manager presented a DNS-01 value',
      );
    } else {
      const removed = await challenges.cleanUpDns01(name, value);
      log.info(
        { op: 'webhook-cleanup', name, removed, uid: request.uid },
        'cert-manager cleaned up a DNS-01 value',
      );
    }
    return { success: true };
  } catch (error) {
    if (error instanceof AcmeError || error instanceof RecordError)
      return fail(400, 'BadRequest', error.message);
    if (error instanceof PersistError) return fail(503, 'ServiceUnavailable', error.message);
    log.error({ err: error }, 'webhook challenge failed');
    return fail(500, 'InternalError', 'internal error');
  }
}

/** TlsFiles are the webhook's PEM files, as the config names them. */
export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  /** caFile verifies client certificates; empty or missing: none asked for. */
  readonly caFile?: string;
}

/** TlsMaterial is what the files hold. */
export interface TlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ca?: Buffer;
}

/** readTls reads the PEM files; it throws an Error naming the config key and the file. */
export function readTls(files: TlsFiles): TlsMaterial {
  const read = (key: string, path: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code;
      throw new Error(`acme.webhook.${key}: cannot read ${path}: ${why}`, { cause: error });
    }
  };
  return {
    cert: read('tls_cert_file', files.certFile),
    key: read('tls_key_file', files.keyFile),
    ...(files.caFile ? { ca: read('client_ca_file', files.caFile) } : {}),
  };
}

function signature(files: TlsFiles): string {
  return [files.certFile, files.keyFile, files.caFile ?? '']
    .map((path) => {
      if (path === '') return '';
      try {
        const s = statSync(path);
        return `${s.ino}:${s.size}:${s.mtimeMs}`;
      } catch {
        return 'missing';
      }
    })
    .join('|');
}

/** Webhook is the bound solver. */
export interface Webhook {
  readonly port: number;
  /** reload re-reads the certificate files now; false (and the old ones kept) when they do not load. */
  reload(): boolean;
  close(): Promise<void>;
}

/**
 * listenWebhook binds the solver over HTTPS on port (0: the kernel picks) on every address, and
 * checks the certificate files every checkMs for a renewal.
 */
export async function listenWebhook(
  options: WebhookOptions,
  files: TlsFiles,
  addresses: readonly string[],
  port: number,
  checkMs: number = DEFAULT_TLS_CHECK_MS,
): Promise<Webhook> {
  const { log } = options;
  let material = readTls(files);
  let seen = signature(files);
  const app = buildWebhook(options);
  await app.ready();
  const servers: Server[] = [];
  const context = (m: TlsMaterial) => ({ cert: m.cert, key: m.key, ...(m.ca ? { ca: m.ca } : {}) });
  // The client certificate is asked for but not required by TLS: the health checks go without.
  const tls = { ...context(material), requestCert: options.requireClientCert, rejectUnauthorized: false };

  const reload = (): boolean => {
    seen = signature(files);
    try {
      material = readTls(files);
      for (const server of servers) server.setSecureContext(context(material));
    } catch (error) {
      log.warn({ err: error }, 'webhook certificate not reloaded; serving the previous one');
      return false;
    }
    log.info({ file: files.certFile }, 'webhook certificate reloaded');
    return true;
  };
  const timer = setInterval(() => {
    if (signature(files) !== seen) reload();
  }, checkMs);
  timer.unref();

  const close = async (): Promise<void> => {
    clearInterval(timer);
    await closeAll(servers);
    await app.close();
  };
  try {
    port = await listenOnAll(
      servers,
      addresses,
      port,
      () => createServer(tls, app.routing),
      log,
      'webhook server',
    );
  } catch (error) {
    await close();
    throw error;
  }
  log.info(
    { addresses, port, group: options.groupName, solver: options.solverName },
    'cert-manager webhook listening',
  );
  return { port, reload, close };
}
