// A fake Kubernetes API server for core/v1 ConfigMaps, on node:http over loopback, speaking the
// protocol ../shared/notes/kubernetes.md lays down, so that the real @kubernetes/client-node talks
// to it exactly as it would to kube-apiserver (no API server can be installed here):
//
// - Every error is a `Status` object with the reason and code kube-apiserver gives.
// - Requests need `Authorization: Bearer <token>` (401 otherwise) and, when rules are given, are
//   authorised as the RBAC authoriser does it: verb from method and `watch`, the object's name from
//   the path or, for list and watch, from a `metadata.name=` field selector (that is how a Role's
//   resourceNames can cover list and watch); 403 otherwise.
// - resourceVersions come from one counter for the whole store, are strings, and change on every
//   write; an update that changes nothing keeps the version and sends no event (as etcd does).
// - Watches flush their headers at once, send one JSON event per line, replay what happened after
//   the resourceVersion they start from, answer a version older than the compaction point with an
//   ERROR event carrying a 410 `Expired` Status and close, and send synthetic ADDED events when
//   started from "" or "0".
// - PUT with a stale resourceVersion is a 409 `Conflict`; without one it is an unconditional update
//   (allowed, and logged so that tests can check nobody does it); an object over 1 MiB is a 422.
//
// Test hooks are plain calls, not HTTP: edit() as `kubectl edit` would, compact(), dropWatches(),
// pauseWatches()/resumeWatches() (watch requests wait unanswered), stallWatches() (connections stay
// open and go silent: a dead network path), down()/up() (connections refused: an API server
// restart), beforeNextUpdate() (a concurrent writer slips in before the next PUT) and failNext().
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { TestContext } from 'node:test';
import { parse } from 'yaml';
import { buildApp } from '../../src/app.ts';
import { validateConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { type Logger, silentLogger } from '../../src/log.ts';
import { type Running, TEST_TOKEN } from './server.ts';

/** MAX_CONFIGMAP_BYTES is kube-apiserver's limit on a ConfigMap's keys and values together (core.MaxConfigMapSize). */
export const MAX_CONFIGMAP_BYTES = 1024 * 1024;

/** ConfigMapObject is a ConfigMap as the API server stores and returns it. */
export interface ConfigMapObject {
  kind: 'ConfigMap';
  apiVersion: 'v1';
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    resourceVersion: string;
    creationTimestamp: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}

/** PolicyRule is one rule of an RBAC Role, as written in the manifest. */
export interface PolicyRule {
  readonly apiGroups?: readonly string[];
  readonly resources?: readonly string[];
  readonly resourceNames?: readonly string[];
  readonly verbs: readonly string[];
}

/** Verb is an RBAC verb, as the authoriser derives it from a request. */
export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';

/** LoggedRequest is one request the fake answered. */
export interface LoggedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly verb: Verb | undefined;
  readonly status: number;
  /** unconditional is set on a PUT that carried no resourceVersion (an overwrite). */
  readonly unconditional?: boolean;
  /** expired is set on a watch answered with a 410 ERROR event. */
  readonly expired?: boolean;
}

/** FakeKubeOptions configure a FakeKube. */
export interface FakeKubeOptions {
  /** token is the bearer token requests must carry ('fake-kube-token' unless given). */
  readonly token?: string;
  /**
   * tls serves HTTPS with this certificate, as every real API server does; kubeconfig() then
   * carries the CA (as a pod's service account does) instead of insecure-skip-tls-verify.
   */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer; readonly ca: Buffer };
  /** rules, when given, authorise every request like RBAC with one Role holding them. */
  readonly rules?: readonly PolicyRule[];
}

interface Event {
  readonly rv: number;
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly object: ConfigMapObject;
}

interface Watcher {
  readonly res: ServerResponse;
  readonly namespace: string;
  readonly name: string | undefined;
  readonly bookmarks: boolean;
  stalled: boolean;
}

interface Failure {
  readonly match: (method: string, verb: Verb | undefined) => boolean;
  readonly status: number;
  remaining: number;
}

const CONFLICT_MESSAGE =
  'the object has been modified; please apply your changes to the latest version and try again';

/** FakeKube is the fake API server; see the top of this file. */
export class FakeKube {
  readonly token: string;
  /** requests lists every request answered, in order. */
  readonly requests: LoggedRequest[] = [];
  readonly #rules: readonly PolicyRule[] | undefined;
  readonly #ca: Buffer | undefined;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #objects = new Map<string, ConfigMapObject>();
  readonly #history: Event[] = [];
  readonly #watchers = new Set<Watcher>();
  readonly #paused: (() => void)[] = [];
  readonly #failures: Failure[] = [];
  #rv = 1;
  #compactedRv = 0;
  #port = 0;
  #watchesPaused = false;
  #endAtOnce = false;
  #beforeUpdate: (() => void) | undefined;

  private constructor(options: FakeKubeOptions) {
    this.token = options.token ?? 'fake-kube-token';
    this.#rules = options.rules;
    this.#ca = options.tls?.ca;
    const handler = (req: IncomingMessage, res: ServerResponse) => this.#handle(req, res);
    this.#server = options.tls
      ? createTlsServer({ cert: options.tls.cert, key: options.tls.key }, handler)
      : createServer(handler);
    this.#server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
  }

  /** start listens on 127.0.0.1 and a free port. */
  static async start(options: FakeKubeOptions = {}): Promise<FakeKube> {
    const fake = new FakeKube(options);
    await fake.up();
    return fake;
  }

  /** url is the server's base URL (http://127.0.0.1:PORT, or https:// with tls). */
  get url(): string {
    return `${this.#ca ? 'https' : 'http'}://127.0.0.1:${this.#port}`;
  }

  /** resourceVersion is the store's current resourceVersion. */
  get resourceVersion(): string {
    return String(this.#rv);
  }

  /** openWatches counts the watch streams open now. */
  get openWatches(): number {
    return this.#watchers.size;
  }

  /**
   * kubeconfig returns a kubeconfig for this server and token. A plain-http server needs
   * insecure-skip-tls-verify, or client-node 1.4.0 refuses it (notes/kubernetes.md).
   */
  kubeconfig(namespace = 'default'): string {
    return [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '  - name: fake',
      '    cluster:',
      `      server: ${this.url}`,
      this.#ca
        ? `      certificate-authority-data: ${this.#ca.toString('base64')}`
        : '      insecure-skip-tls-verify: true',
      'users:',
      '  - name: fake',
      '    user:',
      `      token: ${this.token}`,
      'contexts:',
      '  - name: fake',
      '    context:',
      '      cluster: fake',
      '      user: fake',
      `      namespace: ${namespace}`,
      'current-context: fake',
      '',
    ].join('\n');
  }

  /** get returns a copy of the stored ConfigMap, or undefined. */
  get(namespace: string, name: string): ConfigMapObject | undefined {
    const object = this.#objects.get(`${namespace}/${name}`);
    return object === undefined ? undefined : structuredClone(object);
  }

  /** create stores a new ConfigMap (as `kubectl create` would) and returns it. */
  create(namespace: string, name: string, data: Record<string, string>): ConfigMapObject {
    if (this.#objects.has(`${namespace}/${name}`)) throw new Error(`${namespace}/${name} exists`);
    return this.#store('ADDED', {
      kind: 'ConfigMap',
      apiVersion: 'v1',
      metadata: {
        name,
        namespace,
        uid: randomUUID(),
        resourceVersion: '',
        creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      },
      data: { ...data },
    });
  }

  /** edit changes a ConfigMap's data out of band (someone ran `kubectl edit`) and returns it. */
  edit(namespace: string, name: string, change: (data: Record<string, string>) => void): ConfigMapObject {
    const current = this.#objects.get(`${namespace}/${name}`);
    if (current === undefined) throw new Error(`${namespace}/${name} does not exist`);
    const next = structuredClone(current);
    next.data ??= {};
    change(next.data);
    return this.#store('MODIFIED', next);
  }

  /** delete removes a ConfigMap (as `kubectl delete` would). */
  delete(namespace: string, name: string): void {
    const current = this.#objects.get(`${namespace}/${name}`);
    if (current === undefined) throw new Error(`${namespace}/${name} does not exist`);
    this.#remove(current);
  }

  /** compact forgets the history: a watch from any older resourceVersion now gets 410 Expired. */
  compact(): void {
    this.#compactedRv = this.#rv;
    this.#history.length = 0;
  }

  /** dropWatches ends every open watch stream cleanly, as the server does on its watch timeout. */
  dropWatches(): void {
    for (const w of this.#watchers) w.res.end();
    this.#watchers.clear();
  }

  /** stallWatches leaves every open watch connected but sends it nothing more (a dead network path). */
  stallWatches(): void {
    for (const w of this.#watchers) w.stalled = true;
  }

  /** endWatchesAtOnce(true) ends every new watch right after its replay: a proxy that keeps cutting streams. */
  endWatchesAtOnce(on: boolean): void {
    this.#endAtOnce = on;
  }

  /** pauseWatches holds new watch requests unanswered until resumeWatches(). */
  pauseWatches(): void {
    this.#watchesPaused = true;
  }

  /** resumeWatches answers the held watch requests, as of the store's state now. */
  resumeWatches(): void {
    this.#watchesPaused = false;
    for (const go of this.#paused.splice(0)) go();
  }

  /** bookmark sends a BOOKMARK with the current resourceVersion to watches that asked for bookmarks. */
  bookmark(): void {
    const object = { kind: 'ConfigMap', apiVersion: 'v1', metadata: { resourceVersion: String(this.#rv) } };
    for (const w of this.#watchers) {
      if (w.bookmarks && !w.stalled) w.res.write(`${JSON.stringify({ type: 'BOOKMARK', object })}\n`);
    }
  }

  /** beforeNextUpdate runs change just before the next PUT is handled: a concurrent writer wins the race. */
  beforeNextUpdate(change: () => void): void {
    this.#beforeUpdate = change;
  }

  /** failNext answers the next `count` requests with that method (and verb, if given) with status. */
  failNext(method: string, status: number, count = 1, verb?: Verb): void {
    this.#failures.push({
      match: (m, v) => m === method && (verb === undefined || v === verb),
      status,
      remaining: count,
    });
  }

  /** verbs returns the set of RBAC verbs the requests so far needed. */
  verbs(): Set<Verb> {
    return new Set(this.requests.flatMap((r) => (r.verb === undefined ? [] : [r.verb])));
  }

  /** down stops listening and cuts every connection: clients now get ECONNREFUSED. */
  async down(): Promise<void> {
    this.#watchers.clear();
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }

  /** up listens again, on the same port after down(). */
  async up(): Promise<void> {
    this.#server.listen(this.#port, '127.0.0.1');
    await once(this.#server, 'listening');
    this.#port = (this.#server.address() as { port: number }).port;
  }

  /** close stops the server for good. */
  async close(): Promise<void> {
    if (this.#server.listening) await this.down();
  }

  #store(type: 'ADDED' | 'MODIFIED', object: ConfigMapObject): ConfigMapObject {
    this.#rv += 1;
    object.metadata.resourceVersion = String(this.#rv);
    this.#objects.set(`${object.metadata.namespace}/${object.metadata.name}`, object);
    this.#emit({ rv: this.#rv, type, object: structuredClone(object) });
    return structuredClone(object);
  }

  #remove(object: ConfigMapObject): void {
    this.#rv += 1;
    this.#objects.delete(`${object.metadata.namespace}/${object.metadata.name}`);
    const gone = structuredClone(object);
    gone.metadata.resourceVersion = String(this.#rv); // the deletion has its own revision
    this.#emit({ rv: this.#rv, type: 'DELETED', object: gone });
  }

  #emit(event: Event): void {
    this.#history.push(event);
    for (const w of this.#watchers) if (matches(w, event.object)) send(w, event);
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const query = Object.fromEntries(url.searchParams);
    const route = parseRoute(url.pathname);
    const isWatch = query.watch === 'true' || query.watch === '1';
    const verb = route === undefined ? undefined : verbOf(req.method ?? 'GET', route.name, isWatch);
    const log = (status: number, extra: Partial<LoggedRequest> = {}): void => {
      this.requests.push({ method: req.method ?? '', path: url.pathname, query, verb, status, ...extra });
    };
    const fail = (status: number, reason: string, message: string, name?: string): undefined => {
      log(status);
      sendStatus(res, status, reason, message, name);
    };

    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.headers.authorization !== `Bearer ${this.token}`) {
        fail(401, 'Unauthorized', 'Unauthorized');
        return;
      }
      const discovery = discoveryDocument(url.pathname, this.url);
      if (discovery !== undefined && req.method === 'GET') {
        log(200);
        sendJson(res, 200, discovery);
        return;
      }
      if (route === undefined || verb === undefined) {
        fail(404, 'NotFound', 'the server could not find the requested resource');
        return;
      }
      const failure = this.#failures.find((f) => f.remaining > 0 && f.match(req.method ?? '', verb));
      if (failure !== undefined) {
        failure.remaining -= 1;
        fail(failure.status, reasonFor(failure.status), `injected failure ${failure.status}`, route.name);
        return;
      }
      let selected: string | undefined;
      if (verb === 'list' || verb === 'watch') {
        const selector = parseFieldSelector(query.fieldSelector ?? '');
        if (typeof selector === 'string') {
          fail(400, 'BadRequest', selector);
          return;
        }
        selected = selector.name;
      }
      const name = route.name ?? selected;
      if (!this.#allowed(verb, name)) {
        const who = 'system:serviceaccount:test:jw238dns';
        const target = name === undefined ? 'configmaps' : `configmaps "${name}"`;
        fail(
          403,
          'Forbidden',
          `${target} is forbidden: User "${who}" cannot ${verb} resource "configmaps" in API group "" in the namespace "${route.namespace}"`,
          name,
        );
        return;
      }
      const body = Buffer.concat(chunks).toString('utf8');
      switch (verb) {
        case 'get':
          return this.#get(route.namespace, route.name as string, log, fail, res);
        case 'list':
          return this.#list(route.namespace, selected, log, res);
        case 'watch':
          if (this.#watchesPaused) {
            this.#paused.push(() => this.#watch(route.namespace, selected, query, log, res));
            return;
          }
          return this.#watch(route.namespace, selected, query, log, res);
        case 'update':
          return this.#update(route.namespace, route.name as string, body, log, fail, res);
        case 'patch':
          return this.#patch(
            route.namespace,
            route.name as string,
            req.headers['content-type'],
            body,
            log,
            fail,
            res,
          );
        case 'create':
          return this.#create(route.namespace, body, log, fail, res);
        case 'delete':
          return this.#delete(route.namespace, route.name as string, log, fail, res);
        default:
          fail(405, 'MethodNotAllowed', `${verb} is not supported by this fake`);
      }
    });
  }

  #allowed(verb: Verb, name: string | undefined): boolean {
    if (this.#rules === undefined) return true;
    return this.#rules.some(
      (r) =>
        (r.apiGroups ?? []).some((g) => g === '' || g === '*') &&
        (r.resources ?? []).some((x) => x === 'configmaps' || x === '*') &&
        r.verbs.some((v) => v === verb || v === '*') &&
        // resourceNames restricts a rule to named objects; a request without a name never matches it.
        (r.resourceNames === undefined ||
          r.resourceNames.length === 0 ||
          (name !== undefined && r.resourceNames.includes(name))),
    );
  }

  #get(
    namespace: string,
    name: string,
    log: (status: number) => void,
    fail: (status: number, reason: string, message: string, name?: string) => undefined,
    res: ServerResponse,
  ): undefined {
    const object = this.#objects.get(`${namespace}/${name}`);
    if (object === undefined) return fail(404, 'NotFound', `configmaps "${name}" not found`, name);
    log(200);
    sendJson(res, 200, object);
  }

  #list(
    namespace: string,
    name: string | undefined,
    log: (status: number) => void,
    res: ServerResponse,
  ): undefined {
    const items = [...this.#objects.values()]
      .filter((o) => o.metadata.namespace === namespace && (name === undefined || o.metadata.name === name))
      .map(({ kind: _kind, apiVersion: _apiVersion, ...item }) => item); // list items carry no kind/apiVersion
    log(200);
    sendJson(res, 200, {
      kind: 'ConfigMapList',
      apiVersion: 'v1',
      metadata: { resourceVersion: String(this.#rv) },
      items,
    });
  }

  #watch(
    namespace: string,
    name: string | undefined,
    query: Record<string, string>,
    log: (status: number, extra?: Partial<LoggedRequest>) => void,
    res: ServerResponse,
  ): undefined {
    const from = query.resourceVersion ?? '';
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache, private' });
    res.flushHeaders(); // without this the 1.4 client waits forever on a quiet watch (notes/kubernetes.md)
    const watcher: Watcher = {
      res,
      namespace,
      name,
      bookmarks: query.allowWatchBookmarks === 'true',
      stalled: false,
    };
    if (from === '' || from === '0') {
      log(200);
      for (const object of this.#objects.values()) {
        if (matches(watcher, object)) send(watcher, { type: 'ADDED', object });
      }
    } else {
      const rv = Number(from);
      if (!Number.isInteger(rv) || rv < this.#compactedRv) {
        log(200, { expired: true });
        const status = statusBody(410, 'Expired', `too old resource version: ${from} (${this.#compactedRv})`);
        res.end(`${JSON.stringify({ type: 'ERROR', object: status })}\n`);
        return;
      }
      log(200);
      for (const event of this.#history)
        if (event.rv > rv && matches(watcher, event.object)) send(watcher, event);
    }
    if (this.#endAtOnce) {
      res.end();
      return;
    }
    this.#watchers.add(watcher);
    const seconds = Number(query.timeoutSeconds);
    const timer =
      Number.isFinite(seconds) && seconds > 0
        ? setTimeout(() => {
            this.#watchers.delete(watcher);
            res.end();
          }, seconds * 1000)
        : undefined;
    res.on('close', () => {
      clearTimeout(timer);
      this.#watchers.delete(watcher);
    });
  }

  #update(
    namespace: string,
    name: string,
    text: string,
    log: (status: number, extra?: Partial<LoggedRequest>) => void,
    fail: (status: number, reason: string, message: string, name?: string) => undefined,
    res: ServerResponse,
  ): undefined {
    const body = parseObject(text);
    if (typeof body === 'string') return fail(400, 'BadRequest', body);
    if (body.metadata?.name !== name) {
      return fail(
        400,
        'BadRequest',
        `the name of the object (${body.metadata?.name}) does not match the name on the URL (${name})`,
      );
    }
    if (body.metadata.namespace !== undefined && body.metadata.namespace !== namespace) {
      return fail(
        400,
        'BadRequest',
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    const change = this.#beforeUpdate;
    this.#beforeUpdate = undefined;
    change?.();
    const current = this.#objects.get(`${namespace}/${name}`);
    if (current === undefined) return fail(404, 'NotFound', `configmaps "${name}" not found`, name);
    const expected = body.metadata.resourceVersion;
    const unconditional = expected === undefined || expected === '';
    if (!unconditional && expected !== current.metadata.resourceVersion) {
      return fail(
        409,
        'Conflict',
        `Operation cannot be fulfilled on configmaps "${name}": ${CONFLICT_MESSAGE}`,
        name,
      );
    }
    const invalid = validateData(body);
    if (invalid !== undefined)
      return fail(422, 'Invalid', `ConfigMap "${name}" is invalid: ${invalid}`, name);
    const next: ConfigMapObject = {
      kind: 'ConfigMap',
      apiVersion: 'v1',
      metadata: {
        ...current.metadata,
        ...(body.metadata.labels === undefined ? {} : { labels: body.metadata.labels }),
        ...(body.metadata.annotations === undefined ? {} : { annotations: body.metadata.annotations }),
      },
      ...(body.data === undefined ? {} : { data: body.data }),
      ...(body.binaryData === undefined ? {} : { binaryData: body.binaryData }),
    };
    if (body.metadata.labels === undefined) delete next.metadata.labels;
    if (body.metadata.annotations === undefined) delete next.metadata.annotations;
    if (sameContent(current, next)) {
      log(200, unconditional ? { unconditional } : {});
      sendJson(res, 200, current); // a no-op update keeps the version and sends no event
      return;
    }
    log(200, unconditional ? { unconditional } : {});
    sendJson(res, 200, this.#store('MODIFIED', next));
  }

  // PATCH as `kubectl edit` and `kubectl patch` send it: a JSON merge patch (RFC 7386), or a
  // strategic merge patch, which for a ConfigMap's maps (data, binaryData, labels, annotations) is
  // the same merge. A resourceVersion in the patch is a precondition (409 when stale).
  #patch(
    namespace: string,
    name: string,
    contentType: string | undefined,
    text: string,
    log: (status: number) => void,
    fail: (status: number, reason: string, message: string, name?: string) => undefined,
    res: ServerResponse,
  ): undefined {
    const type = (contentType ?? '').split(';')[0]?.trim();
    if (type !== 'application/merge-patch+json' && type !== 'application/strategic-merge-patch+json') {
      return fail(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: application/merge-patch+json, application/strategic-merge-patch+json`,
      );
    }
    const patch = parseObject(text);
    if (typeof patch === 'string') return fail(400, 'BadRequest', patch);
    const current = this.#objects.get(`${namespace}/${name}`);
    if (current === undefined) return fail(404, 'NotFound', `configmaps "${name}" not found`, name);
    const expected = patch.metadata?.resourceVersion;
    if (expected !== undefined && expected !== current.metadata.resourceVersion) {
      return fail(
        409,
        'Conflict',
        `Operation cannot be fulfilled on configmaps "${name}": ${CONFLICT_MESSAGE}`,
        name,
      );
    }
    const next = mergePatch(structuredClone(current), patch) as ConfigMapObject;
    next.metadata.name = current.metadata.name;
    next.metadata.namespace = current.metadata.namespace;
    next.metadata.uid = current.metadata.uid;
    next.metadata.resourceVersion = current.metadata.resourceVersion;
    const invalid = validateData(next);
    if (invalid !== undefined)
      return fail(422, 'Invalid', `ConfigMap "${name}" is invalid: ${invalid}`, name);
    log(200);
    sendJson(res, 200, sameContent(current, next) ? current : this.#store('MODIFIED', next));
  }

  #create(
    namespace: string,
    text: string,
    log: (status: number) => void,
    fail: (status: number, reason: string, message: string, name?: string) => undefined,
    res: ServerResponse,
  ): undefined {
    const body = parseObject(text);
    if (typeof body === 'string') return fail(400, 'BadRequest', body);
    const name = body.metadata?.name;
    if (name === undefined || name === '')
      return fail(422, 'Invalid', 'ConfigMap "" is invalid: metadata.name: Required value');
    if (this.#objects.has(`${namespace}/${name}`)) {
      return fail(409, 'AlreadyExists', `configmaps "${name}" already exists`, name);
    }
    const invalid = validateData(body);
    if (invalid !== undefined)
      return fail(422, 'Invalid', `ConfigMap "${name}" is invalid: ${invalid}`, name);
    log(201);
    sendJson(
      res,
      201,
      this.#store('ADDED', {
        kind: 'ConfigMap',
        apiVersion: 'v1',
        metadata: {
          name,
          namespace,
          uid: randomUUID(),
          resourceVersion: '',
          creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
          ...(body.metadata?.labels === undefined ? {} : { labels: body.metadata.labels }),
        },
        ...(body.data === undefined ? {} : { data: body.data }),
      }),
    );
  }

  #delete(
    namespace: string,
    name: string,
    log: (status: number) => void,
    fail: (status: number, reason: string, message: string, name?: string) => undefined,
    res: ServerResponse,
  ): undefined {
    const current = this.#objects.get(`${namespace}/${name}`);
    if (current === undefined) return fail(404, 'NotFound', `configmaps "${name}" not found`, name);
    this.#remove(current);
    log(200);
    sendJson(res, 200, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: { name, kind: 'configmaps', uid: current.metadata.uid },
    });
  }
}

// RFC 7386: objects merge key by key, null deletes, anything else replaces.
function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...(target as object) } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

// The discovery documents kubectl (client-go) reads before it makes a request: the legacy
// (unaggregated) forms, which client-go accepts when the server does not offer the aggregated ones.
function discoveryDocument(path: string, url: string): object | undefined {
  switch (path) {
    case '/version':
      return { major: '1', minor: '32', gitVersion: 'v1.32.0-fake', platform: 'linux/amd64' };
    case '/api':
      return {
        kind: 'APIVersions',
        versions: ['v1'],
        serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: new URL(url).host }],
      };
    case '/apis':
      return { kind: 'APIGroupList', apiVersion: 'v1', groups: [] };
    case '/api/v1':
      return {
        kind: 'APIResourceList',
        groupVersion: 'v1',
        resources: [
          {
            name: 'configmaps',
            singularName: 'configmap',
            namespaced: true,
            kind: 'ConfigMap',
            verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
            shortNames: ['cm'],
          },
        ],
      };
    default:
      return undefined;
  }
}

interface Route {
  readonly namespace: string;
  readonly name: string | undefined;
}

// /api/v1/namespaces/{ns}/configmaps[/{name}]
function parseRoute(path: string): Route | undefined {
  const m = /^\/api\/v1\/namespaces\/([^/]+)\/configmaps(?:\/([^/]+))?\/?$/.exec(path);
  if (m === null) return undefined;
  return {
    namespace: decodeURIComponent(m[1] as string),
    name: m[2] === undefined ? undefined : decodeURIComponent(m[2]),
  };
}

function verbOf(method: string, name: string | undefined, watch: boolean): Verb | undefined {
  switch (method) {
    case 'GET':
      if (watch) return 'watch';
      return name === undefined ? 'list' : 'get';
    case 'PUT':
      return name === undefined ? undefined : 'update';
    case 'PATCH':
      return name === undefined ? undefined : 'patch';
    case 'POST':
      return name === undefined ? 'create' : undefined;
    case 'DELETE':
      return name === undefined ? undefined : 'delete';
    default:
      return undefined;
  }
}

// The field selectors kube-apiserver accepts for ConfigMaps: metadata.name and metadata.namespace,
// with =, == or !=. Returns the selected name (for `metadata.name=`), or the error message.
function parseFieldSelector(text: string): { name: string | undefined } | string {
  let name: string | undefined;
  for (const term of text.split(',').filter((t) => t !== '')) {
    const m = /^([^!=]+)(==|=|!=)(.*)$/.exec(term);
    if (m === null) return `invalid field selector: '${term}'`;
    const [, field, op, value] = m as unknown as [string, string, string, string];
    if (field !== 'metadata.name' && field !== 'metadata.namespace') {
      return `"${field}" is not a known field selector: only "metadata.name", "metadata.namespace"`;
    }
    if (field === 'metadata.name' && op !== '!=') name = value;
  }
  return { name };
}

function matches(w: Pick<Watcher, 'namespace' | 'name'>, object: ConfigMapObject): boolean {
  return (
    object.metadata.namespace === w.namespace && (w.name === undefined || object.metadata.name === w.name)
  );
}

function send(w: Watcher, event: Pick<Event, 'type' | 'object'>): void {
  if (w.stalled) return;
  w.res.write(`${JSON.stringify({ type: event.type, object: event.object })}\n`);
}

type Incoming = Partial<Omit<ConfigMapObject, 'metadata'>> & {
  metadata?: Partial<ConfigMapObject['metadata']>;
};

function parseObject(text: string): Incoming | string {
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      return 'the body is not an object';
    return value as Incoming;
  } catch (error) {
    return `couldn't get version/kind; json parse error: ${(error as Error).message}`;
  }
}

// ValidateConfigMap: keys are [-._a-zA-Z0-9]+, data values strings, and keys plus values (binaryData
// decoded) at most 1 MiB together.
function validateData(body: Incoming): string | undefined {
  let total = 0;
  for (const [key, value] of Object.entries(body.data ?? {})) {
    if (!/^[-._a-zA-Z0-9]+$/.test(key))
      return `data[${key}]: Invalid value: "${key}": a valid config key must consist of alphanumeric characters, '-', '_' or '.'`;
    if (typeof value !== 'string') return `data[${key}]: Invalid value: must be a string`;
    total += Buffer.byteLength(key) + Buffer.byteLength(value);
  }
  for (const [key, value] of Object.entries(body.binaryData ?? {})) {
    total += Buffer.byteLength(key) + Buffer.from(String(value), 'base64').length;
  }
  if (total > MAX_CONFIGMAP_BYTES) return `[]: Too long: must have at most ${MAX_CONFIGMAP_BYTES} bytes`;
  return undefined;
}

function sameContent(a: ConfigMapObject, b: ConfigMapObject): boolean {
  const content = (o: ConfigMapObject) =>
    JSON.stringify([o.data ?? {}, o.binaryData ?? {}, o.metadata.labels ?? {}, o.metadata.annotations ?? {}]);
  return content(a) === content(b);
}

function reasonFor(status: number): string {
  const reasons: Record<number, string> = {
    400: 'BadRequest',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'NotFound',
    409: 'Conflict',
    410: 'Expired',
    422: 'Invalid',
    429: 'TooManyRequests',
    500: 'InternalError',
    503: 'ServiceUnavailable',
  };
  return reasons[status] ?? 'Unknown';
}

function statusBody(code: number, reason: string, message: string, name?: string): object {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(name === undefined ? {} : { details: { name, kind: 'configmaps' } }),
    code,
  };
}

function sendStatus(res: ServerResponse, code: number, reason: string, message: string, name?: string): void {
  sendJson(res, code, statusBody(code, reason, message, name));
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** ConfigMapServerOptions choose how a test server reaches its ConfigMap. */
export interface ConfigMapServerOptions {
  readonly namespace: string;
  readonly name: string;
  /** config is YAML for the process config (beside kubernetes.configmap), as the mounted file would hold. */
  readonly config?: string;
  /** resyncMs is the source's re-read period: an hour unless given, so that only the watch delivers. */
  readonly resyncMs?: number;
  readonly log?: Logger;
}

/**
 * startConfigMapServer builds and starts a real app whose source of truth is the ConfigMap
 * namespace/name on fake (`kubernetes.configmap` set, as in production), with DNS and HTTP on free
 * ports of 127.0.0.1, and stops it when the test ends.
 */
export async function startConfigMapServer(
  t: TestContext,
  fake: FakeKube,
  options: ConfigMapServerOptions,
): Promise<Running> {
  const raw = (parse(options.config ?? '') ?? {}) as Record<string, unknown>;
  const validated = validateConfig(
    {
      listen: ['127.0.0.1'],
      api: { token: TEST_TOKEN },
      ...raw,
      kubernetes: { configmap: { namespace: options.namespace, name: options.name } },
    },
    'test',
  );
  const config = { ...validated, dns_port: 0, http_port: 0 } as Config;
  const app = buildApp(config, options.log ?? silentLogger(), {
    httpPort: 0,
    debounceMs: 20,
    processMetrics: false,
    configMap: {
      kubeconfig: fake.kubeconfig(),
      resyncMs: options.resyncMs ?? 3_600_000,
      backoff: { initialMs: 20, maxMs: 200 },
    },
  });
  const { port, httpPort } = await app.start();
  t.after(() => app.stop());
  return {
    app,
    port,
    config,
    httpPort,
    url: `http://127.0.0.1:${httpPort}`,
    token: app.token,
    configPath: undefined,
  };
}
