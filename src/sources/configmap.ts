// One Kubernetes ConfigMap key as the Source (behavior.md §5; requirements.md "ConfigMap
// Integration", "Bidirectional Sync"; ../shared/notes/kubernetes.md). RecordSync does the rest:
// parse, diff, PartialReload, and persist-before-apply for writes.
//
// Read through the API server, never the kubelet-mounted file: a mounted ConfigMap reaches the pod
// a minute or two late and never through a subPath mount, while a watch delivers a change in
// milliseconds, to every replica at once.
//
// - read: GET the object; the revision is its resourceVersion (opaque: compared for equality only).
// - write: PUT the object as it was at the expected resourceVersion, with only the key changed and
//   that resourceVersion in it (never without: that would be an unconditional overwrite). 409 →
//   SourceConflictError, and RecordSync re-reads, re-applies and retries a bounded number of times.
//   Unchanged text is not sent. An object over 1 MiB is refused before it is sent.
// - watch: client-node's ListWatch with a `metadata.name=` field selector (so a Role restricted by
//   resourceNames covers it). It lists, then watches from the list's resourceVersion; 410 Gone makes
//   it relist; a stream the server closes is resumed from the last resourceVersion (streams that
//   keep ending at once count as an error). Any other error stops it for good, so it is restarted
//   here with capped exponential backoff and jitter. It has no inactivity timeout, so a resync
//   GETs the object every resyncMs: a change the watch did not deliver is applied at once, and if
//   the watch still lags a period later it is restarted.
//
// The client library itself is behind sources/kube.ts (loaded on first use, credentials, deadlines).
import type { Logger } from '../log.ts';
import { connectKube, describeKubeError, type K8s, type KubeClient, statusOf } from './kube.ts';
import { PersistError, type Source, SourceConflictError, type SourceSnapshot } from './source.ts';

/** MAX_CONFIGMAP_BYTES is what a ConfigMap may hold, keys and values together (Kubernetes core.MaxConfigMapSize). */
export const MAX_CONFIGMAP_BYTES = 1024 * 1024;

/** DEFAULT_RESYNC_MS is how often the object is re-read besides being watched. */
export const DEFAULT_RESYNC_MS = 60_000;

/** DEFAULT_BACKOFF is the watch restart delay: doubling from initialMs up to maxMs, with jitter. */
export const DEFAULT_BACKOFF = { initialMs: 500, maxMs: 30_000 } as const;

/** RAPID_RECONNECTS in RAPID_RECONNECT_WINDOW_MS is a watch that keeps ending at once: back off. */
const RAPID_RECONNECTS = 10;
const RAPID_RECONNECT_WINDOW_MS = 1000;

/** ConfigMapRef names the ConfigMap key that holds the config text (config `kubernetes.configmap`). */
export interface ConfigMapRef {
  /** namespace is the ConfigMap's namespace; empty means the pod's own (or the kubeconfig context's). */
  readonly namespace: string;
  readonly name: string;
  readonly key: string;
}

/** ConfigMapSourceOptions tune a ConfigMapSource; tests use them to reach a fake API server fast. */
export interface ConfigMapSourceOptions {
  /**
   * kubeconfig is the text of a kubeconfig to use. Without it: $KUBECONFIG or ~/.kube/config when
   * present (as kubectl), else the pod's service account (in cluster).
   */
  readonly kubeconfig?: string;
  readonly log?: Logger;
  /** resyncMs is the re-read period backing the watch (DEFAULT_RESYNC_MS). */
  readonly resyncMs?: number;
  /** requestTimeoutMs bounds each GET, LIST and PUT (kube.ts DEFAULT_REQUEST_TIMEOUT_MS). */
  readonly requestTimeoutMs?: number;
  /** backoff is the watch restart delay (DEFAULT_BACKOFF). */
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
}

/** ConfigMapSource reads, watches and writes one key of one ConfigMap; see the top of this file. */
export class ConfigMapSource implements Source {
  readonly #ref: ConfigMapRef;
  readonly #options: ConfigMapSourceOptions;
  readonly #log: Logger | undefined;
  #client: Promise<KubeClient> | undefined;
  #namespace: string | undefined;
  /** The object as last read or written, the base of the next write. */
  #last: { readonly object: K8s.V1ConfigMap; readonly revision: string } | undefined;
  /** The resourceVersion of the object the watch delivered last (undefined: none, or deleted). */
  #watchRevision: string | undefined;

  constructor(ref: ConfigMapRef, options: ConfigMapSourceOptions = {}) {
    this.#ref = ref;
    this.#options = options;
    this.#log = options.log;
    if (ref.namespace !== '') this.#namespace = ref.namespace;
  }

  /** description names the ConfigMap and key, e.g. `ConfigMap dns/jw238dns, key config.yaml`. */
  get description(): string {
    return `ConfigMap ${this.#namespace ?? '(own namespace)'}/${this.#ref.name}, key ${this.#ref.key}`;
  }

  /** read GETs the ConfigMap and returns its key's text, with the resourceVersion as revision. */
  async read(): Promise<SourceSnapshot> {
    const object = await this.#fetch();
    const text = object.data?.[this.#ref.key];
    if (text === undefined) {
      throw new Error(`${this.#ref.key} is not a key of ConfigMap ${this.#namespace}/${this.#ref.name}`);
    }
    const revision = revisionOf(object);
    this.#last = { object, revision };
    return { text, revision };
  }

  /**
   * write replaces the key's text with a PUT carrying resourceVersion expected: a 409 throws
   * SourceConflictError, anything else that fails throws PersistError (nothing was written).
   */
  async write(text: string, expected: string): Promise<SourceSnapshot> {
    const client = await this.#connectForWrite();
    let base = this.#last?.revision === expected ? this.#last.object : undefined;
    if (base === undefined) {
      try {
        base = await this.#fetch();
      } catch (error) {
        throw new PersistError(`${this.description}: not written back: ${(error as Error).message}`, {
          cause: error,
        });
      }
      if (revisionOf(base) !== expected) throw new SourceConflictError(this.description);
    }
    if (base.data?.[this.#ref.key] === text) return { text, revision: expected }; // nothing to send

    const body: K8s.V1ConfigMap = {
      ...base,
      metadata: { ...base.metadata, resourceVersion: expected },
      data: { ...base.data, [this.#ref.key]: text },
    };
    const size = configMapSize(body);
    if (size > MAX_CONFIGMAP_BYTES) {
      throw new PersistError(
        `${this.description}: not written back: the ConfigMap would hold ${size} bytes, over the ${MAX_CONFIGMAP_BYTES} bytes (1 MiB) Kubernetes allows`,
      );
    }
    let written: K8s.V1ConfigMap;
    try {
      written = await client.api.replaceNamespacedConfigMap(
        { name: this.#ref.name, namespace: client.namespace, body },
        client.requestOptions,
      );
    } catch (error) {
      if (statusOf(error) === 409) throw new SourceConflictError(this.description);
      throw new PersistError(`${this.description}: not written back: ${describeKubeError(error)}`, {
        cause: error,
      });
    }
    const revision = revisionOf(written);
    this.#last = { object: written, revision };
    return { text: written.data?.[this.#ref.key] ?? text, revision };
  }

  /**
   * watch runs the ListWatch (restarted with backoff when it stops) and the resync, and calls
   * onChange when the object may have changed, onError once per outage. Returns the stop function.
   */
  watch(onChange: () => void, onError: (error: Error) => void): () => void {
    const backoff = this.#options.backoff ?? DEFAULT_BACKOFF;
    let stopped = false;
    let generation = 0;
    let current: K8s.ListWatch<K8s.V1ConfigMap> | undefined;
    let attempt = 0;
    let startedAt = 0;
    let failing = false;
    let retry: NodeJS.Timeout | undefined;
    let lagging: string | undefined;

    const changed = (revision: string | undefined): void => {
      this.#watchRevision = revision;
      // The revision last read or written is the one RecordSync holds: our own write echoed back.
      if (revision !== undefined && revision === this.#last?.revision) return;
      onChange();
    };

    const fail = (gen: number, error: unknown): void => {
      if (stopped || gen !== generation) return; // a stopped ListWatch reporting its own abort
      generation += 1;
      void current?.stop();
      current = undefined;
      // A watch that ran longer than the longest delay was healthy: start the backoff afresh.
      if (performance.now() - startedAt >= backoff.maxMs) attempt = 0;
      const ceiling = Math.min(backoff.maxMs, backoff.initialMs * 2 ** attempt);
      const delay = ceiling / 2 + (Math.random() * ceiling) / 2; // equal jitter: replicas spread out
      attempt += 1;
      const reason = describeKubeError(error);
      if (!failing) {
        failing = true;
        onError(new Error(`${this.description}: watch stopped: ${reason}`));
      }
      this.#log?.debug({ source: this.description, reason, retryMs: Math.round(delay) }, 'watch restarting');
      retry = setTimeout(() => void begin(), delay);
      retry.unref();
    };

    const begin = async (): Promise<void> => {
      if (stopped) return;
      const gen = ++generation;
      startedAt = performance.now();
      let client: KubeClient;
      try {
        client = await this.#connect();
      } catch (error) {
        fail(gen, error);
        return;
      }
      const live = (): boolean => !stopped && gen === generation;
      if (!live()) return; // stopped while the client was loading
      const path = `/api/v1/namespaces/${encodeURIComponent(client.namespace)}/configmaps`;
      const fieldSelector = `metadata.name=${this.#ref.name}`;
      const watch = new client.k8s.Watch(client.kc);
      // ListWatch.stop() aborts only the request it holds: one still being opened is assigned
      // after the stop and would stay open. Abort it as soon as it is known to be stale.
      const open = watch.watch.bind(watch);
      watch.watch = async (...args) => {
        const controller = await open(...args);
        if (!live()) controller.abort();
        return controller;
      };
      const list = async (): Promise<K8s.V1ConfigMapList> => {
        const result = await client.api.listNamespacedConfigMap(
          { namespace: client.namespace, fieldSelector },
          client.requestOptions,
        );
        if (!live()) throw new Error('stale list'); // do not let a stopped ListWatch go on to watch
        if (failing) {
          failing = false;
          this.#log?.info({ source: this.description }, 'watch resumed');
        }
        // A new ListWatch starts with an empty cache, so it reports no deletion: an object gone
        // since the last read (or since the last watch) shows only as an empty list.
        if (result.items.length === 0) changed(undefined);
        return result;
      };
      const lw = new client.k8s.ListWatch<K8s.V1ConfigMap>(
        path,
        watch,
        list,
        false,
        undefined,
        fieldSelector,
      );
      lw.on('add', (object) => live() && changed(object.metadata?.resourceVersion));
      lw.on('update', (object) => live() && changed(object.metadata?.resourceVersion));
      lw.on('delete', () => live() && changed(undefined));
      lw.on('error', (error) => fail(gen, error));
      // ListWatch resumes a stream the server ended at once, with no delay: right for the API
      // server's watch timeout (minutes apart), a busy loop if something keeps cutting it. Many
      // (re)connects in a short time are treated as an error, so the backoff applies.
      const connects: number[] = [];
      lw.on('connect', () => {
        if (!live()) return;
        const now = performance.now();
        connects.push(now);
        while ((connects[0] as number) < now - RAPID_RECONNECT_WINDOW_MS) connects.shift();
        if (connects.length > RAPID_RECONNECTS) {
          fail(gen, new Error('the watch stream keeps ending as soon as it opens'));
        }
      });
      current = lw;
      try {
        await lw.start();
      } catch (error) {
        fail(gen, error);
      }
    };

    // The resync: a change the watch missed is applied now; a watch still behind a full period
    // later is taken for dead and restarted. A failed GET changes nothing: outages are the
    // watch's to report, and the records keep serving meanwhile.
    const resync = async (): Promise<void> => {
      let revision: string;
      try {
        revision = revisionOf(await this.#fetch());
      } catch {
        return;
      }
      if (stopped || revision === this.#watchRevision) {
        lagging = undefined;
        return;
      }
      onChange();
      if (lagging !== revision) {
        lagging = revision;
        return;
      }
      lagging = undefined;
      this.#log?.warn({ source: this.description, revision }, 'watch missed a change; restarting it');
      generation += 1;
      void current?.stop();
      current = undefined;
      void begin();
    };
    const timer = setInterval(() => void resync(), this.#options.resyncMs ?? DEFAULT_RESYNC_MS);
    timer.unref();

    void begin();
    return () => {
      stopped = true;
      generation += 1;
      clearInterval(timer);
      clearTimeout(retry);
      void current?.stop();
      current = undefined;
    };
  }

  /** #fetch GETs the ConfigMap; its errors name what failed (not found, forbidden, unreachable). */
  async #fetch(): Promise<K8s.V1ConfigMap> {
    const client = await this.#connect();
    try {
      return await client.api.readNamespacedConfigMap(
        { name: this.#ref.name, namespace: client.namespace },
        client.requestOptions,
      );
    } catch (error) {
      if (statusOf(error) === 404)
        throw new Error(`ConfigMap ${client.namespace}/${this.#ref.name} not found`);
      throw new Error(describeKubeError(error), { cause: error });
    }
  }

  async #connectForWrite(): Promise<KubeClient> {
    try {
      return await this.#connect();
    } catch (error) {
      throw new PersistError(`${this.description}: not written back: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  /** #connect loads the client library and the credentials once (again after a failure). */
  #connect(): Promise<KubeClient> {
    this.#client ??= connectKube({
      namespace: this.#ref.namespace,
      ...(this.#options.kubeconfig === undefined ? {} : { kubeconfig: this.#options.kubeconfig }),
      ...(this.#options.requestTimeoutMs === undefined
        ? {}
        : { requestTimeoutMs: this.#options.requestTimeoutMs }),
    }).then(
      (client) => {
        this.#namespace = client.namespace;
        return client;
      },
      (error: unknown) => {
        this.#client = undefined;
        throw error;
      },
    );
    return this.#client;
  }
}

function revisionOf(object: K8s.V1ConfigMap): string {
  return object.metadata?.resourceVersion ?? '';
}

/** configMapSize counts what the API server limits: every key and value, binaryData decoded. */
function configMapSize(object: K8s.V1ConfigMap): number {
  let total = 0;
  for (const [key, value] of Object.entries(object.data ?? {})) {
    total += Buffer.byteLength(key) + Buffer.byteLength(value);
  }
  for (const [key, value] of Object.entries(object.binaryData ?? {})) {
    total += Buffer.byteLength(key) + Buffer.from(value, 'base64').length;
  }
  return total;
}
