// Prometheus metrics (prom-client), namespace jw238dns, subsystem = the folder that counts
// (architecture.md §5). Labels are bounded sets only: no client address, no qname.
//
// The DNS path must not slow down. instrumentHandler wraps the server's handler and reads what
// it counts straight from the octets: the qtype after the question name (labels skipped, not
// decoded), the rcode from the response header. A query then costs two clock reads, two
// typed-array increments and a short bucket scan: about 0.1 µs on Node 20 here. The alternatives
// measured on the same machine cost more: prom-client's own Counter.inc/Histogram.observe hash
// their label objects on every call (about 0.5 µs), and the handler's per-query log callback
// decodes each cached query's name for the log entry (about 0.4 µs, and 12–16 % fewer queries
// per second under dnsperf). The query families are kept in arrays and turned into samples only
// when /metrics is scraped.
import {
  collectDefaultMetrics,
  Gauge,
  type Metric,
  type MetricObjectWithValues,
  type MetricValue,
  Registry,
} from 'prom-client';
import { Rcode, RRType } from './dns/constants.ts';
import type { ForwardObserver } from './resolve/forward.ts';

/** QTYPE_LABELS are the qtype label values; any other type counts as OTHER. */
export const QTYPE_LABELS = [
  'A',
  'NS',
  'CNAME',
  'SOA',
  'PTR',
  'MX',
  'TXT',
  'AAAA',
  'SRV',
  'NAPTR',
  'DS',
  'DNSKEY',
  'SVCB',
  'HTTPS',
  'CAA',
  'ANY',
  'AXFR',
  'IXFR',
  'OTHER',
] as const;

/** RCODE_LABELS are the rcode label values; any other rcode counts as OTHER. */
export const RCODE_LABELS = [...(Object.keys(Rcode) as (keyof typeof Rcode)[]), 'OTHER'] as const;

const TRANSPORTS = ['udp', 'tcp'] as const;

/** QUERY_BUCKETS are the latency buckets in seconds: 100 µs for a cached answer up to a 5 s upstream timeout. */
export const QUERY_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
] as const;

// The buckets of the slower histograms (reloads, API requests, upstream exchanges), in seconds.
const SECONDS_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5];

// Type and rcode numbers → label index, by table lookup (types are 16 bits, rcodes 12 with EDNS).
const QTYPE_SLOT = new Uint8Array(0x10000).fill(QTYPE_LABELS.length - 1);
QTYPE_LABELS.forEach((label, i) => {
  const n = (RRType as Record<string, number>)[label];
  if (n !== undefined) QTYPE_SLOT[n] = i;
});
const RCODE_SLOT = new Uint8Array(0x1000).fill(RCODE_LABELS.length - 1);
RCODE_LABELS.forEach((label, i) => {
  const n = (Rcode as Record<string, number>)[label];
  if (n !== undefined) RCODE_SLOT[n] = i;
});

/** Transport is how a query came in (server/handle.ts Client.transport). */
export type Transport = 'udp' | 'tcp';

/** MetricsSources are what the gauges read at scrape time. */
export interface MetricsSources {
  /** rrsets returns the number of RRsets held. */
  readonly rrsets: () => number;
  /** sourceOk returns whether the source's current text is accepted (false: last good records served). */
  readonly sourceOk: () => boolean;
}

/** Metrics is the process's registry and the recording functions the parts call. */
export interface Metrics {
  readonly registry: Registry;
  readonly contentType: string;
  /** text renders every metric in the Prometheus text format. */
  text(): Promise<string>;
  /** observeQuery records one answered query; cheap enough for every query. */
  observeQuery(transport: Transport, qtype: number, rcode: number, seconds: number): void;
  /** observeReload records one reload of the source that read new text. */
  observeReload(trigger: string, ok: boolean, durationMs: number): void;
  /** observePersistFailure records a write-back that failed. */
  observePersistFailure(): void;
  /** observeApiRequest records one HTTP request by method, route pattern and status. */
  observeApiRequest(method: string, route: string, status: number, seconds: number): void;
  /** forward receives the forwarder's exchanges, cache lookups and failures. */
  readonly forward: ForwardObserver;
  /**
   * take returns what every counter and histogram recorded since the last take, and zeroes them;
   * undefined when nothing was. A DNS worker process sends it to the main process, which serves
   * /metrics (src/workers.ts).
   */
  take(): MetricsDelta | undefined;
  /** add adds what another process took: its counters to these counters, its buckets and sums to these. */
  add(delta: MetricsDelta): void;
}

/** LabelValues are a series' label values, in the order of its metric's label names. */
export type LabelValues = readonly string[];

/** CounterSeries is one counter series as it crosses processes: its label values and its count. */
export type CounterSeries = readonly [labels: LabelValues, value: number];

/**
 * HistogramSeries is one histogram series as it crosses processes: its label values, the
 * observations in each bucket (per bucket, not cumulative; one more than the bounds, the last for
 * those above every bound) and their sum.
 */
export type HistogramSeries = readonly [labels: LabelValues, buckets: readonly number[], sum: number];

/**
 * MetricsDelta is what a process recorded since its last take, by metric name, in plain arrays
 * (it crosses the IPC channel). Only series that changed are in it: its size is bounded by the
 * label sets, whatever the number of queries.
 */
export interface MetricsDelta {
  readonly counters: Readonly<Record<string, readonly CounterSeries[]>>;
  readonly histograms: Readonly<Record<string, readonly HistogramSeries[]>>;
}

/** MetricsOptions configure createMetrics. */
export interface MetricsOptions {
  /** processMetrics adds prom-client's process_* and nodejs_* metrics (on by default). */
  readonly processMetrics?: boolean;
}

// The counters and histograms are kept by this file rather than by prom-client's classes, for the
// DNS workers (src/workers.ts): a worker must read and zero its counts in one synchronous step,
// while prom-client reads asynchronously (an increment may land between the read and the reset),
// and the main process must add bucket counts and sums, which a prom-client Histogram cannot take.
// The registry renders them at scrape time, like any other metric.

/** Shared is a metric whose counts a worker hands over (take) and the main process adds up (add). */
interface Shared<S> {
  readonly name: string;
  take(): S[];
  add(series: readonly S[]): void;
}

/** Families are a registry and its shared counters and histograms, by name. */
interface Families {
  readonly registry: Registry;
  readonly counters: Map<string, Shared<CounterSeries>>;
  readonly histograms: Map<string, Shared<HistogramSeries>>;
}

type Sample = MetricValue<string> & { metricName?: string };

function labelObject(names: readonly string[], values: LabelValues): Record<string, string> {
  const labels: Record<string, string> = {};
  names.forEach((name, i) => {
    labels[name] = values[i] as string;
  });
  return labels;
}

/** CounterFamily is a counter with labels; a series appears at its first increment. */
class CounterFamily implements Shared<CounterSeries> {
  readonly name: string;
  readonly #labelNames: readonly string[];
  readonly #series = new Map<string, { readonly labels: LabelValues; value: number }>();

  constructor(into: Families, name: string, help: string, labelNames: readonly string[] = []) {
    this.name = name;
    this.#labelNames = labelNames;
    if (labelNames.length === 0) this.inc([], 0); // one series, there from the start (as prom-client's)
    into.counters.set(name, this);
    expose(into.registry, name, help, 'counter', () =>
      [...this.#series.values()].map((s) => ({ value: s.value, labels: labelObject(labelNames, s.labels) })),
    );
  }

  inc(labels: LabelValues, by = 1): void {
    const key = labels.join('\0');
    const series = this.#series.get(key);
    if (series === undefined) this.#series.set(key, { labels: [...labels], value: by });
    else series.value += by;
  }

  take(): CounterSeries[] {
    const taken: CounterSeries[] = [];
    for (const series of this.#series.values()) {
      if (series.value === 0) continue;
      taken.push([series.labels, series.value]);
      series.value = 0;
    }
    return taken;
  }

  add(series: readonly CounterSeries[]): void {
    // A series of another label layout (another version's worker) is left out rather than misfiled.
    for (const [labels, value] of series)
      if (labels.length === this.#labelNames.length) this.inc(labels, value);
  }
}

/**
 * SlotCounter is a counter over a fixed product of label sets, one slot per combination in a
 * typed array that the DNS path increments by index; a slot at 0 is not rendered.
 */
class SlotCounter implements Shared<CounterSeries> {
  readonly name: string;
  readonly slots: Float64Array;
  readonly #labelNames: readonly string[];
  readonly #sets: readonly (readonly string[])[];

  constructor(
    into: Families,
    name: string,
    help: string,
    labels: Readonly<Record<string, readonly string[]>>,
  ) {
    this.name = name;
    this.#labelNames = Object.keys(labels);
    this.#sets = Object.values(labels);
    this.slots = new Float64Array(this.#sets.reduce((n, set) => n * set.length, 1));
    into.counters.set(name, this);
    expose(into.registry, name, help, 'counter', () => {
      const samples: Sample[] = [];
      this.slots.forEach((value, slot) => {
        if (value !== 0) samples.push({ value, labels: labelObject(this.#labelNames, this.#labelsOf(slot)) });
      });
      return samples;
    });
  }

  // The slot's label values: its index in mixed radix, the last label varying fastest.
  #labelsOf(slot: number): string[] {
    const labels: string[] = [];
    for (let d = this.#sets.length - 1; d >= 0; d--) {
      const set = this.#sets[d] as readonly string[];
      labels[d] = set[slot % set.length] as string;
      slot = Math.floor(slot / set.length);
    }
    return labels;
  }

  take(): CounterSeries[] {
    const taken: CounterSeries[] = [];
    this.slots.forEach((value, slot) => {
      if (value !== 0) taken.push([this.#labelsOf(slot), value]);
    });
    this.slots.fill(0);
    return taken;
  }

  add(series: readonly CounterSeries[]): void {
    for (const [labels, value] of series) {
      if (labels.length !== this.#sets.length) continue;
      let slot = 0;
      for (let d = 0; d < this.#sets.length && slot >= 0; d++) {
        const set = this.#sets[d] as readonly string[];
        const i = set.indexOf(labels[d] as string);
        slot = i < 0 ? -1 : slot * set.length + i;
      }
      if (slot >= 0) this.slots[slot]! += value;
    }
  }
}

/** HistogramState is one histogram series: observations per bucket, the last above every bound, and their sum. */
interface HistogramState {
  readonly labels: LabelValues;
  readonly counts: Float64Array;
  sum: number;
}

/** HistogramFamily is a histogram with labels; a series appears when first observed or asked for. */
class HistogramFamily implements Shared<HistogramSeries> {
  readonly name: string;
  readonly bounds: readonly number[];
  readonly #labelNames: readonly string[];
  readonly #series = new Map<string, HistogramState>();

  constructor(
    into: Families,
    name: string,
    help: string,
    bounds: readonly number[],
    labelNames: readonly string[] = [],
  ) {
    this.name = name;
    this.bounds = bounds;
    this.#labelNames = labelNames;
    if (labelNames.length === 0) this.series([]);
    into.histograms.set(name, this);
    expose(into.registry, name, help, 'histogram', () => {
      const samples: Sample[] = [];
      for (const s of this.#series.values()) {
        const labels = labelObject(labelNames, s.labels);
        let cumulative = 0;
        bounds.forEach((le, b) => {
          cumulative += s.counts[b] as number;
          samples.push({ metricName: `${name}_bucket`, value: cumulative, labels: { ...labels, le } });
        });
        const count = cumulative + (s.counts[bounds.length] as number);
        samples.push({ metricName: `${name}_bucket`, value: count, labels: { ...labels, le: '+Inf' } });
        samples.push({ metricName: `${name}_sum`, value: s.sum, labels });
        samples.push({ metricName: `${name}_count`, value: count, labels });
      }
      return samples;
    });
  }

  /** series returns one series, created empty: the DNS path keeps it and observes into it directly. */
  series(labels: LabelValues): HistogramState {
    const key = labels.join('\0');
    let series = this.#series.get(key);
    if (series === undefined) {
      series = { labels: [...labels], counts: new Float64Array(this.bounds.length + 1), sum: 0 };
      this.#series.set(key, series);
    }
    return series;
  }

  observe(labels: LabelValues, value: number): void {
    observe(this.series(labels), this.bounds, value);
  }

  take(): HistogramSeries[] {
    const taken: HistogramSeries[] = [];
    for (const series of this.#series.values()) {
      if (series.counts.every((n) => n === 0)) continue;
      taken.push([series.labels, [...series.counts], series.sum]);
      series.counts.fill(0);
      series.sum = 0;
    }
    return taken;
  }

  add(series: readonly HistogramSeries[]): void {
    for (const [labels, counts, sum] of series) {
      if (labels.length !== this.#labelNames.length || counts.length !== this.bounds.length + 1) continue;
      const into = this.series(labels);
      counts.forEach((n, b) => {
        into.counts[b]! += n;
      });
      into.sum += sum;
    }
  }
}

// One observation: the first bucket whose bound is at least value (a short scan), and the sum.
function observe(series: HistogramState, bounds: readonly number[], value: number): void {
  let b = 0;
  while (b < bounds.length && value > (bounds[b] as number)) b++;
  series.counts[b]! += 1;
  series.sum += value;
}

/** createMetrics creates a registry of its own (never the global one) with every metric of the process. */
export function createMetrics(sources: MetricsSources, options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry });
  const families: Families = { registry, counters: new Map(), histograms: new Map() };

  const nq = QTYPE_LABELS.length;
  const nr = RCODE_LABELS.length;
  const queries = new SlotCounter(
    families,
    'jw238dns_server_queries_total',
    'Queries answered, by transport, qtype and rcode.',
    { transport: TRANSPORTS, qtype: QTYPE_LABELS, rcode: RCODE_LABELS },
  ).slots;
  const queryDuration = new HistogramFamily(
    families,
    'jw238dns_server_query_duration_seconds',
    'Time from a query read to its answer handed to the socket, by transport.',
    QUERY_BUCKETS,
    ['transport'],
  );
  const durations = TRANSPORTS.map((t) => queryDuration.series([t]));

  new Gauge({
    name: 'jw238dns_store_rrsets',
    help: 'RRsets held in the store.',
    registers: [registry],
    collect() {
      this.set(sources.rrsets());
    },
  });
  new Gauge({
    name: 'jw238dns_sources_source_ok',
    help: '1 while the source text is accepted; 0 while it is refused and the last good records are served.',
    registers: [registry],
    collect() {
      this.set(sources.sourceOk() ? 1 : 0);
    },
  });
  const reloads = new CounterFamily(
    families,
    'jw238dns_sources_reloads_total',
    'Reloads of the source that read new text, by trigger (start, watch, signal, api, conflict).',
    ['trigger'],
  );
  const reloadFailures = new CounterFamily(
    families,
    'jw238dns_sources_reload_failures_total',
    'Reloads whose text was refused (the last good records kept serving), by trigger.',
    ['trigger'],
  );
  const reloadDuration = new HistogramFamily(
    families,
    'jw238dns_sources_reload_duration_seconds',
    'Time to read, check and apply the source.',
    SECONDS_BUCKETS,
  );
  const persistFailures = new CounterFamily(
    families,
    'jw238dns_sources_persist_failures_total',
    'Writes that could not be persisted to the source (answered PERSIST_FAILED, not applied).',
  );
  const apiRequests = new CounterFamily(
    families,
    'jw238dns_api_requests_total',
    'HTTP requests, by method, route pattern and status code.',
    ['method', 'route', 'status'],
  );
  const apiDuration = new HistogramFamily(
    families,
    'jw238dns_api_request_duration_seconds',
    'HTTP request duration, by route pattern.',
    SECONDS_BUCKETS,
    ['route'],
  );
  // Upstream forwarding (issue 5): the server label is bounded by backend.upstream.servers.
  const upstreamExchanges = new CounterFamily(
    families,
    'jw238dns_resolve_upstream_exchanges_total',
    'Exchanges with upstream servers, by server and outcome (answer, final, refused, timeout, error).',
    ['server', 'outcome'],
  );
  const upstreamDuration = new HistogramFamily(
    families,
    'jw238dns_resolve_upstream_duration_seconds',
    'Time of one exchange with one upstream server, by server.',
    SECONDS_BUCKETS,
    ['server'],
  );
  const upstreamFailures = new CounterFamily(
    families,
    'jw238dns_resolve_upstream_failures_total',
    'Forwarded queries answered SERVFAIL because no upstream server answered (or the outstanding cap was hit).',
  );
  const cacheLookups = new CounterFamily(
    families,
    'jw238dns_resolve_cache_lookups_total',
    'Lookups in the cache of upstream answers, by result (hit or miss).',
    ['result'],
  );
  reloadFailures.inc(['watch'], 0); // present from the start, so alerts can use rate()

  return {
    registry,
    contentType: registry.contentType,
    text: () => registry.metrics(),
    observeQuery(transport, qtype, rcode, seconds) {
      const t = transport === 'udp' ? 0 : 1;
      const q = qtype < 0 ? nq - 1 : (QTYPE_SLOT[qtype & 0xffff] as number);
      queries[(t * nq + q) * nr + (RCODE_SLOT[rcode & 0xfff] as number)]! += 1;
      observe(durations[t] as HistogramState, QUERY_BUCKETS, seconds);
    },
    observeReload(trigger, ok, durationMs) {
      reloads.inc([trigger]);
      if (!ok) reloadFailures.inc([trigger]);
      reloadDuration.observe([], durationMs / 1000);
    },
    observePersistFailure() {
      persistFailures.inc([]);
    },
    observeApiRequest(method, route, status, seconds) {
      apiRequests.inc([method, route, String(status)]);
      apiDuration.observe([route], seconds);
    },
    take() {
      const taken = <S>(from: Map<string, Shared<S>>) => {
        const out: Record<string, S[]> = {};
        for (const [name, metric] of from) {
          const series = metric.take();
          if (series.length > 0) out[name] = series;
        }
        return out;
      };
      const counters = taken(families.counters);
      const histograms = taken(families.histograms);
      if (Object.keys(counters).length === 0 && Object.keys(histograms).length === 0) return undefined;
      return { counters, histograms };
    },
    add(delta) {
      for (const [name, series] of Object.entries(delta.counters)) families.counters.get(name)?.add(series);
      for (const [name, series] of Object.entries(delta.histograms))
        families.histograms.get(name)?.add(series);
    },
    forward: {
      exchange(server, outcome, ms) {
        upstreamExchanges.inc([server, outcome]);
        upstreamDuration.observe([server], ms / 1000);
      },
      cache(hit) {
        cacheLookups.inc([hit ? 'hit' : 'miss']);
      },
      failed() {
        upstreamFailures.inc([]);
      },
    },
  };
}

// A metric whose samples are computed at scrape time by this file. prom-client's registry renders
// any object with a name, help, type and get(); its TypeScript types only name its own classes,
// hence the one cast.
function expose(
  registry: Registry,
  name: string,
  help: string,
  type: 'counter' | 'histogram',
  values: () => Sample[],
): void {
  const metric = {
    name,
    help,
    type,
    aggregator: 'sum' as const,
    get: async (): Promise<MetricObjectWithValues<MetricValue<string>>> =>
      ({ name, help, type, aggregator: 'sum', values: values() }) as unknown as MetricObjectWithValues<
        MetricValue<string>
      >,
    reset: () => undefined,
  };
  registry.registerMetric(metric as unknown as Metric);
}

/** DnsHandler is the shape of server/handle.ts Handler: query octets and client in, response octets (or nothing) out. */
export type DnsHandler<C extends { readonly transport: Transport }> = (
  bytes: Uint8Array,
  client: C,
) => Uint8Array | undefined | Promise<Uint8Array | undefined>;

/**
 * instrumentHandler returns handler with every answered query counted in metrics: transport,
 * qtype, rcode and the time to the answer (a forwarded query's too, as its promise settles).
 * Queries that get no answer (dropped by the admission rules) are not counted.
 */
export function instrumentHandler<C extends { readonly transport: Transport }>(
  handler: DnsHandler<C>,
  metrics: Metrics,
): DnsHandler<C> {
  return (bytes, client) => {
    const started = performance.now();
    const out = handler(bytes, client);
    if (out instanceof Promise) {
      return out.then((response) => {
        if (response !== undefined) {
          const seconds = (performance.now() - started) / 1000;
          metrics.observeQuery(client.transport, queryType(bytes), responseRcode(response), seconds);
        }
        return response;
      });
    }
    if (out !== undefined) {
      const seconds = (performance.now() - started) / 1000;
      metrics.observeQuery(client.transport, queryType(bytes), responseRcode(out), seconds);
    }
    return out;
  };
}

const HEADER = 12; // RFC 1035 §4.1.1
const OPT = 41; // RFC 6891 §6.1.1

// skipName returns the offset just past the name at `at`, or -1 if it runs off the end. A
// pointer (RFC 1035 §4.1.4) ends a name in two octets; 128 labels is more than any legal name.
function skipName(bytes: Uint8Array, at: number): number {
  for (let labels = 0; labels < 128; labels++) {
    const length = bytes[at];
    if (length === undefined) return -1;
    if (length === 0) return at + 1;
    if (length >= 0xc0) return at + 2;
    at += length + 1;
  }
  return -1;
}

/** queryType returns the qtype of the first question in a DNS message, or -1 if it cannot be read. */
export function queryType(bytes: Uint8Array): number {
  if (bytes.length < HEADER) return -1;
  const at = skipName(bytes, HEADER);
  if (at < 0 || at + 2 > bytes.length) return -1;
  return ((bytes[at] as number) << 8) | (bytes[at + 1] as number);
}

/**
 * responseRcode returns the rcode of a response we encoded. The header holds its low four bits;
 * an extended rcode (BADVERS, RFC 6891 §6.1.3) has its upper bits in the OPT record, and such a
 * response has no answer and no authority, so the OPT is the first additional record. Only that
 * case is parsed; any other response's rcode is the header's.
 */
export function responseRcode(bytes: Uint8Array): number {
  if (bytes.length < HEADER) return 0;
  const low = (bytes[3] as number) & 0x0f;
  // Most answers stop here: an rcode in the header, or records in answer or authority.
  if (low !== 0 || u16(bytes, 6) !== 0 || u16(bytes, 8) !== 0 || u16(bytes, 10) === 0) return low;
  let at = HEADER;
  for (let q = u16(bytes, 4); q > 0; q--) {
    at = skipName(bytes, at);
    if (at < 0) return low;
    at += 4; // QTYPE, QCLASS
  }
  at = skipName(bytes, at);
  // TYPE, CLASS, then TTL whose first octet is the extended rcode
  if (at < 0 || at + 5 > bytes.length || u16(bytes, at) !== OPT) return low;
  return ((bytes[at + 4] as number) << 4) | low;
}

function u16(bytes: Uint8Array, at: number): number {
  return ((bytes[at] as number) << 8) | (bytes[at + 1] as number);
}
