// The narrow module around @kubernetes/client-node 1.4.0 (architecture.md §9: the k8s client
// behind a small seam): loading the library on first use, finding credentials, a deadline on every
// request, and one-line error messages. sources/configmap.ts is its only user.
//
// The library is imported on first use only: it costs ~0.5 s and ~80 MB at import, which a server
// without `kubernetes.configmap` should not pay.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type * as K8s from '@kubernetes/client-node';

/** K8s is the client library as a namespace of types (its values come through connectKube). */
export type { K8s };

/** DEFAULT_REQUEST_TIMEOUT_MS bounds one GET, LIST or PUT (not a watch, which stays open). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/** SERVICE_ACCOUNT_TOKEN is where a pod's service-account token is mounted. */
const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/** KubeOptions say how to reach the API server. */
export interface KubeOptions {
  /**
   * kubeconfig is the text of a kubeconfig to use. Without it: $KUBECONFIG or ~/.kube/config when
   * present (as kubectl), else the pod's service account (in cluster).
   */
  readonly kubeconfig?: string;
  /** namespace to use; empty means the kubeconfig context's (in a pod: the pod's own), else "default". */
  readonly namespace: string;
  /** requestTimeoutMs bounds each request but watches (DEFAULT_REQUEST_TIMEOUT_MS). */
  readonly requestTimeoutMs?: number;
}

/** KubeClient is a loaded client: the library, the credentials, the core/v1 API and the namespace. */
export interface KubeClient {
  readonly k8s: typeof K8s;
  readonly kc: K8s.KubeConfig;
  readonly api: K8s.CoreV1Api;
  readonly namespace: string;
  /** requestOptions goes with every GET, LIST and PUT: it gives each its deadline. */
  readonly requestOptions: K8s.ConfigurationOptions;
}

/** connectKube imports the library and loads the credentials; it throws an Error saying what is missing. */
export async function connectKube(options: KubeOptions): Promise<KubeClient> {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  if (options.kubeconfig !== undefined) kc.loadFromString(options.kubeconfig);
  else loadDefaultCredentials(kc);
  if (kc.getCurrentCluster() === null) throw new Error('the kubeconfig has no current cluster');
  const namespace =
    options.namespace || kc.getContextObject(kc.getCurrentContext())?.namespace?.trim() || 'default';
  // client-node sets no deadline: a request to an API server that went silent would otherwise hang
  // the sync queue behind it. pre() runs per request, so each gets a fresh signal.
  const ms = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const requestOptions: K8s.ConfigurationOptions = {
    middleware: [
      {
        pre: (context) => {
          context.setSignal(AbortSignal.timeout(ms));
          return new k8s.Observable(Promise.resolve(context));
        },
        post: (response) => new k8s.Observable(Promise.resolve(response)),
      },
    ],
    middlewareMergeStrategy: 'append',
  };
  return { k8s, kc, api: kc.makeApiClient(k8s.CoreV1Api), namespace, requestOptions };
}

/**
 * loadDefaultCredentials finds credentials as kubectl does ($KUBECONFIG, ~/.kube/config), else the
 * pod's service account. client-node's own last resort, a plain http://localhost:8080, is refused:
 * that is jw238dns's own HTTP port.
 */
function loadDefaultCredentials(kc: K8s.KubeConfig): void {
  if ((process.env.KUBECONFIG ?? '') !== '' || existsSync(join(homedir(), '.kube', 'config'))) {
    kc.loadFromDefault();
    return;
  }
  if (existsSync(SERVICE_ACCOUNT_TOKEN) && (process.env.KUBERNETES_SERVICE_HOST ?? '') !== '') {
    kc.loadFromCluster();
    return;
  }
  throw new Error(
    'no Kubernetes credentials: not in a pod with a service account token, and no kubeconfig ($KUBECONFIG, ~/.kube/config)',
  );
}

/** statusOf returns the HTTP status of a failed call: ApiException.code (GET, LIST, PUT) or statusCode (watch). */
export function statusOf(error: unknown): number | undefined {
  const e = error as { code?: unknown; statusCode?: unknown } | null;
  if (typeof e?.code === 'number') return e.code;
  if (typeof e?.statusCode === 'number') return e.statusCode;
  return undefined;
}

/** describeKubeError turns a client-node error into one line: the Status message, or the network reason. */
export function describeKubeError(error: unknown): string {
  const status = statusOf(error);
  if (status !== undefined) {
    const body = (error as { body?: unknown }).body;
    let message: string | undefined;
    if (typeof body === 'string') {
      try {
        message = (JSON.parse(body) as { message?: string }).message;
      } catch {
        message = body.slice(0, 200) || undefined;
      }
    } else if (typeof body === 'object' && body !== null) {
      message = (body as { message?: string }).message;
    }
    if (status === 401) return 'the API server refused the credentials (401 Unauthorized)';
    return `the API server answered ${status}${message ? `: ${message}` : ` ${(error as Error).message}`}`;
  }
  const e = error as { name?: string; code?: string; message?: string; cause?: unknown } | null;
  if (e?.name === 'AbortError' || e?.name === 'TimeoutError') return 'the API server did not answer in time';
  const code = typeof e?.code === 'string' ? e.code : undefined;
  if (code !== undefined) return `cannot reach the API server: ${code}`;
  if (e?.cause !== undefined && e.cause !== error) return describeKubeError(e.cause);
  return e?.message ?? String(error);
}
