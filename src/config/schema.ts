// The one declarative description of the process config (architecture.md §7, modelled on Knot
// conf/schema.c): every key with its type, default, bounds and description. load.ts validates
// against it and docs/config.md is checked against it by schema.test.ts.
//
// Records are data, not config: only their shape is checked here. What a record means (name
// syntax, type, TTL range, value syntax) is the store's validateRecord.

import { isIP } from 'node:net';
import Type, { type Static, type TSchema } from 'typebox';
import { parseDuration } from './duration.ts';

/** LOG_LEVELS lists the pino levels `log_level` accepts, most verbose first. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** LogLevel is one of LOG_LEVELS. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** DEFAULT_RECURSION_ALLOW is loopback plus the private ranges: never an open resolver by default (behavior.md §4). */
export const DEFAULT_RECURSION_ALLOW: readonly string[] = [
  '127.0.0.0/8', // RFC 1122 loopback
  '::1/128', // RFC 4291 loopback
  '10.0.0.0/8', // RFC 1918
  '172.16.0.0/12', // RFC 1918
  '192.168.0.0/16', // RFC 1918
  'fc00::/7', // RFC 4193 unique local
  'fe80::/10', // RFC 4291 link-local
];

/** HostPort is an upstream server address split into its parts. */
export interface HostPort {
  /** host is an IPv4 or IPv6 literal (without brackets) or a hostname. */
  readonly host: string;
  readonly port: number;
}

/** Cidr is an address range split into its parts. */
export interface Cidr {
  readonly address: string;
  readonly prefix: number;
  readonly family: 'ipv4' | 'ipv6';
}

// A hostname for an upstream server: LDH labels of 1–63 octets, at most 253 in all, with an
// optional trailing dot (RFC 1123 §2.1). Names with underscores are not hosts.
const HOSTNAME_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

function isHostname(text: string): boolean {
  const name = text.endsWith('.') ? text.slice(0, -1) : text;
  if (name === '' || name.length > 253) return false;
  const labels = name.split('.');
  // An all-numeric last label would be a mistyped IPv4 address such as "1.2.3", not a hostname.
  if (/^\d+$/.test(labels[labels.length - 1]!)) return false;
  return labels.every((label) => HOSTNAME_LABEL.test(label));
}

function hostPortProblem(text: string): string | undefined {
  const m = /^(?:\[([^\]]*)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  if (m === null) {
    if (isIP(text) === 6) return 'an IPv6 address goes in brackets before the port, as in "[2001:db8::1]:53"';
    return 'expected host:port, as in "192.0.2.1:53", "[2001:db8::1]:53" or "dns.example.net:53"';
  }
  const [, bracketed, plain, portText] = m;
  const port = Number(portText);
  if (port < 1 || port > 65535) return `port ${portText} is out of range 1–65535`;
  if (bracketed !== undefined) {
    return isIP(bracketed) === 6 ? undefined : `"${bracketed}" in brackets is not an IPv6 address`;
  }
  const host = plain ?? '';
  if (isIP(host) === 4 || isHostname(host)) return undefined;
  return `"${host}" is neither an IPv4 address nor a hostname`;
}

/** parseHostPort splits "host:port" ("[::1]:53" for IPv6); it throws an Error saying why on bad input. */
export function parseHostPort(text: string): HostPort {
  const problem = hostPortProblem(text);
  if (problem !== undefined) throw new Error(`invalid server address ${JSON.stringify(text)}: ${problem}`);
  const colon = text.lastIndexOf(':');
  const host = text.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(text.slice(colon + 1)) };
}

function cidrProblem(text: string): string | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return 'expected address/prefix, as in "10.0.0.0/8" or "fc00::/7"';
  const address = text.slice(0, slash);
  const prefixText = text.slice(slash + 1);
  const family = isIP(address);
  if (family === 0) return `"${address}" is not an IP address`;
  const max = family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) {
    return `prefix length "${prefixText}" must be an integer from 0 to ${max}`;
  }
  return undefined;
}

/** parseCidr splits "address/prefix"; it throws an Error saying why on bad input. */
export function parseCidr(text: string): Cidr {
  const problem = cidrProblem(text);
  if (problem !== undefined) throw new Error(`invalid CIDR ${JSON.stringify(text)}: ${problem}`);
  const [address = '', prefix = ''] = text.split('/');
  return { address, prefix: Number(prefix), family: isIP(address) === 4 ? 'ipv4' : 'ipv6' };
}

function durationProblem(
  text: string,
  minMs: number,
  maxMs: number,
  min: string,
  max: string,
): string | undefined {
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch (error) {
    return (error as Error).message;
  }
  if (ms < minMs || ms > maxMs) return `duration ${JSON.stringify(text)} is out of range ${min}–${max}`;
  return undefined;
}

/** checked adds a check to a string schema whose failure reason is the text problem() returns. */
function checked<T extends TSchema>(type: T, problem: (text: string) => string | undefined) {
  return Type.Refine(
    type,
    (value: unknown) => typeof value !== 'string' || problem(value) === undefined,
    (value: unknown) => (typeof value === 'string' ? (problem(value) ?? 'invalid') : 'invalid'),
  );
}

/**
 * Duration is a Go-style duration string ("5s", "500ms") between min and max. The bounds are kept
 * on the schema as `x-duration-min` / `x-duration-max` for the docs check.
 */
function Duration(options: { default: string; min: string; max: string; description: string }) {
  const minMs = parseDuration(options.min);
  const maxMs = parseDuration(options.max);
  return checked(
    Type.String({
      default: options.default,
      description: options.description,
      'x-duration-min': options.min,
      'x-duration-max': options.max,
    }),
    (text) => durationProblem(text, minMs, maxMs, options.min, options.max),
  );
}

const IpAddress = checked(Type.String(), (text) =>
  isIP(text) === 0 ? `"${text}" is not an IP address` : undefined,
);
const ServerAddress = checked(Type.String(), hostPortProblem);
const CidrRange = checked(Type.String(), cidrProblem);

const closed = { additionalProperties: false } as const;

const TcpSchema = Type.Object(
  {
    idle_timeout: Duration({
      default: '10s',
      min: '10ms',
      max: '1h',
      description: 'Close a TCP connection after this long without a complete query (Knot DNS default: 10s).',
    }),
    max_connections: Type.Integer({
      minimum: 1,
      maximum: 100000,
      default: 1024,
      description: 'Open TCP connections at most; further connections are closed at once.',
    }),
    max_queries_per_connection: Type.Integer({
      minimum: 0,
      maximum: 1000000,
      default: 0,
      description:
        'Queries answered on one TCP connection before the server closes it; 0 means no limit, as in Knot DNS (pipelining clients such as resolvers keep connections open).',
    }),
  },
  { ...closed, default: {}, description: 'DNS over TCP limits.' },
);

const ApiSchema = Type.Object(
  {
    token: Type.String({
      default: '',
      description:
        'Bearer token for /api/v1. Empty: a token is generated at start and logged once. ' +
        'The environment variable JW238DNS_API_TOKEN overrides it.',
    }),
  },
  { ...closed, default: {}, description: 'HTTP API settings.' },
);

const UpstreamSchema = Type.Object(
  {
    enabled: Type.Boolean({
      default: false,
      description: 'Forward queries for names outside the local data to the upstream servers.',
    }),
    servers: Type.Array(ServerAddress, {
      default: [],
      description:
        'Upstream servers as host:port ("192.0.2.53:53", "[2001:db8::53]:53", "dns.example.net:53"), ' +
        'tried in order; a network error or timeout moves to the next.',
    }),
    timeout: Duration({
      default: '5s',
      min: '10ms',
      max: '1m',
      description: 'How long to wait for one upstream server before trying the next.',
    }),
    allow: Type.Array(CidrRange, {
      default: DEFAULT_RECURSION_ALLOW,
      description:
        'Client ranges (CIDR) that may recurse (RD=1) through the upstream servers; others get REFUSED. ' +
        'The default is loopback and the private ranges.',
    }),
  },
  { ...closed, default: {}, description: 'Forwarding of queries the server is not authoritative for.' },
);

const BackendSchema = Type.Object(
  {
    default_ttl: Type.Integer({
      minimum: 60,
      maximum: 86400,
      default: 300,
      description: 'TTL in seconds for records that give none (or 0).',
    }),
    resolve_cname_chain: Type.Boolean({
      default: true,
      description: 'Follow CNAME chains inside the local data and append each step to the answer.',
    }),
    max_cname_depth: Type.Integer({
      minimum: 1,
      maximum: 16,
      default: 10,
      description:
        'At most this many CNAME records in one answer; the chase stops there, or earlier at a loop.',
    }),
    return_soa_on_nxdomain: Type.Boolean({
      default: true,
      description: 'Put the zone SOA in the authority section of NXDOMAIN answers (RFC 2308).',
    }),
    upstream: UpstreamSchema,
  },
  { ...closed, default: {}, description: 'How answers are built.' },
);

// Kubernetes object names (RFC 1123, as the API server checks them): a namespace is a DNS label, a
// ConfigMap name a DNS subdomain, a key letters, digits, '-', '_' and '.'.
const DNS_LABEL = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?$/;
const CONFIGMAP_KEY = /^[-._a-zA-Z0-9]{1,253}$/;

const ConfigMapSchema = Type.Object(
  {
    namespace: checked(
      Type.String({
        default: '',
        description:
          "Namespace of the ConfigMap; empty means the server's own (the pod's namespace in a cluster, else the kubeconfig context's).",
      }),
      (text) =>
        text === '' || DNS_LABEL.test(text)
          ? undefined
          : `"${text}" is not a namespace name (lower-case letters, digits and '-', at most 63)`,
    ),
    name: checked(Type.String({ description: 'Name of the ConfigMap.' }), (text) =>
      DNS_SUBDOMAIN.test(text)
        ? undefined
        : `"${text}" is not a ConfigMap name (lower-case letters, digits, '-' and '.', at most 253)`,
    ),
    key: checked(
      Type.String({
        default: 'config.yaml',
        description: 'Key of the ConfigMap that holds the config text.',
      }),
      (text) =>
        CONFIGMAP_KEY.test(text)
          ? undefined
          : `"${text}" is not a ConfigMap key (letters, digits, '-', '_' and '.', at most 253)`,
    ),
  },
  {
    ...closed,
    description:
      'The ConfigMap key that holds the config text: when set, it is the source of truth instead of the config file (watched and written back through the API server).',
  },
);

const KubernetesSchema = Type.Object(
  { configmap: Type.Optional(ConfigMapSchema) },
  { ...closed, default: {}, description: 'Kubernetes integration.' },
);

/** RecordSchema is the shape of one entry of `records`. */
export const RecordSchema = Type.Object(
  {
    name: Type.String({ description: 'Owner name, e.g. "www.example.com." (trailing dot optional).' }),
    type: Type.String({ description: 'A, AAAA, CNAME, MX, TXT, NS, SRV, PTR, SOA or CAA.' }),
    ttl: Type.Optional(
      Type.Integer({ description: 'TTL in seconds, 60–86400; missing or 0 means backend.default_ttl.' }),
    ),
    value: Type.Array(Type.String(), {
      minItems: 1,
      description: 'One entry per record in presentation form; a single string is accepted too.',
    }),
  },
  { ...closed, description: 'One RRset: every record of one name and type.' },
);

// RFC 3339 date-time (§5.6), as the server writes expiry times: "2026-11-29T10:00:00.000Z".
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;
const Timestamp = checked(
  Type.String({ description: 'An RFC 3339 time, such as "2026-11-29T10:00:00Z".' }),
  (t) =>
    RFC3339.test(t) && !Number.isNaN(Date.parse(t))
      ? undefined
      : `"${t}" is not an RFC 3339 time such as "2026-11-29T10:00:00Z"`,
);

// A Kubernetes API group is a DNS subdomain (RFC 1123) with at least one dot; a resource name is
// a lower-case RFC 1123 label.
const API_GROUP = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+$/;
const RESOURCE = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

const WebhookSchema = Type.Object(
  {
    enabled: Type.Boolean({
      default: false,
      description: 'Serve the cert-manager DNS-01 webhook solver over HTTPS.',
    }),
    port: Type.Integer({
      minimum: 1,
      maximum: 65535,
      default: 8443,
      description:
        'HTTPS port of the webhook, on every listen address; the Kubernetes API server proxies to it.',
    }),
    tls_cert_file: Type.String({
      default: '/tls/tls.crt',
      description: 'PEM serving certificate (with its chain) of the webhook; re-read when the file changes.',
    }),
    tls_key_file: Type.String({
      default: '/tls/tls.key',
      description: 'PEM private key of the serving certificate; re-read when the file changes.',
    }),
    client_ca_file: Type.String({
      default: '',
      description:
        "PEM CA of the API server's front-proxy client certificate (requestheader-client-ca-file). " +
        'When set, every request but the health checks must present a certificate it signed.',
    }),
    group_name: checked(
      Type.String({
        default: 'acme.jw238dns.io',
        description: "API group of the solver: the issuer's webhook.groupName.",
      }),
      (t) => (API_GROUP.test(t) ? undefined : `"${t}" is not an API group such as "acme.example.com"`),
    ),
    solver_name: checked(
      Type.String({
        default: 'jw238dns',
        description: "Resource name of the solver: the issuer's webhook.solverName.",
      }),
      (t) => (RESOURCE.test(t) ? undefined : `"${t}" is not a lower-case name such as "jw238dns"`),
    ),
  },
  { ...closed, default: {}, description: 'cert-manager DNS-01 webhook solver.' },
);

const AcmeSchema = Type.Object(
  {
    challenge_ttl: Duration({
      default: '1h',
      min: '1s',
      max: '168h',
      description: 'DNS-01 values and HTTP-01 tokens expire this long after they were last set.',
    }),
    http01_port: Type.Integer({
      minimum: 0,
      maximum: 65535,
      default: 0,
      description:
        'Extra plain-HTTP listener that serves only /.well-known/acme-challenge/ (to sit behind port 80); 0 turns it off.',
    }),
    webhook: WebhookSchema,
  },
  { ...closed, default: {}, description: 'ACME challenges (DNS-01, HTTP-01) and the cert-manager webhook.' },
);

const AcmeChallengesSchema = Type.Object(
  {
    dns01: Type.Array(
      Type.Object(
        {
          name: Type.String({ description: 'The challenge name, _acme-challenge.<domain>.' }),
          value: Type.String({ description: 'The TXT value published in records.' }),
          expires: Timestamp,
        },
        { ...closed, description: 'One DNS-01 value.' },
      ),
      { default: [], description: 'DNS-01 values published in records, with their expiry.' },
    ),
    http01: Type.Array(
      Type.Object(
        {
          token: Type.String({ description: 'The token, the last segment of the challenge URL.' }),
          key_authorization: Type.String({ description: 'The body served for the token.' }),
          expires: Timestamp,
        },
        { ...closed, description: 'One HTTP-01 token.' },
      ),
      { default: [], description: 'HTTP-01 tokens served, with their key authorisations and expiry.' },
    ),
  },
  {
    ...closed,
    default: {},
    description: 'ACME challenges in progress: written by the server, removed when they expire.',
  },
);

/** ConfigSchema describes the whole config file. Every key has a default, so `{}` is a valid config. */
export const ConfigSchema = Type.Object(
  {
    dns_port: Type.Integer({
      minimum: 1,
      maximum: 65535,
      default: 53,
      description: 'UDP and TCP port the DNS server listens on.',
    }),
    http_port: Type.Integer({
      minimum: 0,
      maximum: 65535,
      default: 8080,
      description: 'TCP port of the HTTP API, /health, /ready and /metrics; 0 turns the HTTP server off.',
    }),
    log_level: Type.Enum(LOG_LEVELS, {
      default: 'info',
      description: 'Least severe level written to the JSON log on stdout.',
    }),
    listen: Type.Array(IpAddress, {
      minItems: 1,
      uniqueItems: true,
      default: ['0.0.0.0', '::'],
      description: 'Addresses the DNS and HTTP servers bind to.',
    }),
    query_log: Type.Boolean({
      default: false,
      description: 'Log every query (name, type, client, rcode, duration) at info level.',
    }),
    workers: Type.Integer({
      minimum: 1,
      maximum: 64,
      default: 1,
      description:
        'DNS processes. Above 1, worker processes share the DNS sockets and each serves a copy of the records that the main process keeps current; the main process keeps the API and the source.',
    }),
    tcp: TcpSchema,
    api: ApiSchema,
    backend: BackendSchema,
    kubernetes: KubernetesSchema,
    records: Type.Array(RecordSchema, {
      default: [],
      description: 'The records served; checked record by record by the store when loaded.',
    }),
    acme: AcmeSchema,
    acme_challenges: AcmeChallengesSchema,
  },
  { ...closed, description: 'jw238dns configuration file.' },
);

/** DeepReadonly makes every property and array at every depth readonly. */
export type DeepReadonly<T> = T extends readonly (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** ConfigFile is a config as written in the file, after defaults, before durations are resolved. */
export type ConfigFile = Static<typeof ConfigSchema>;

/**
 * Config is the validated, fully defaulted, frozen config. Each duration key also appears as
 * `<key>_ms`, in milliseconds.
 */
export type Config = DeepReadonly<
  Omit<ConfigFile, 'tcp' | 'backend' | 'acme'> & {
    acme: ConfigFile['acme'] & { challenge_ttl_ms: number };
    tcp: ConfigFile['tcp'] & { idle_timeout_ms: number };
    backend: Omit<ConfigFile['backend'], 'upstream'> & {
      upstream: ConfigFile['backend']['upstream'] & { timeout_ms: number };
    };
  }
>;

/** TcpConfig is the `tcp` slice of Config. */
export type TcpConfig = Config['tcp'];
/** ApiConfig is the `api` slice of Config. */
export type ApiConfig = Config['api'];
/** BackendConfig is the `backend` slice of Config. */
export type BackendConfig = Config['backend'];
/** UpstreamConfig is the `backend.upstream` slice of Config. */
export type UpstreamConfig = Config['backend']['upstream'];
/** AcmeConfig is the `acme` slice of Config. */
export type AcmeConfig = Config['acme'];
/** ConfigMapConfig is the `kubernetes.configmap` slice of Config, when set. */
export type ConfigMapConfig = NonNullable<Config['kubernetes']['configmap']>;
/** ConfigRecord is one entry of `records` as written in the config (shape checked only). */
export type ConfigRecord = Config['records'][number];
