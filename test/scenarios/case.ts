// The shape of a scenario (test/scenarios/<name>/cases.ts) and of its cases; the runner is
// scenarios.test.ts. A scenario's records.yaml is a YAML list of records in config form.
import type { AdditionalMode, CompareOptions, Expected } from '../helpers/compare.ts';

/** Backend is a `backend:` config section (default_ttl, resolve_cname_chain, …). */
export type Backend = Readonly<Record<string, unknown>>;

/** Case is one query sent to jw238dns and, unless told otherwise, to knotd, with the answers compared. */
export interface Case {
  /** q is `name TYPE`; the name is sent exactly as written, letter case included. */
  readonly q: string;
  /** why says what the case checks (shown in the test name). */
  readonly why: string;
  /** tcp sends the query over TCP (default UDP). */
  readonly tcp?: boolean;
  /** edns adds an OPT record with this payload size (default: no EDNS). */
  readonly edns?: { readonly udpSize: number; readonly do?: boolean };
  /** rd sets RD (default true, as dig and kdig send it). */
  readonly rd?: boolean;
  /** variant asks the jw238dns started with the scenario's variants[variant] backend instead of the base one. */
  readonly variant?: string;
  /**
   * knot compares with knotd (default: true for the base server, false for a variant). Set false
   * where Knot cannot serve the data (zone-less records) or has no equivalent option.
   */
  readonly knot?: boolean;
  /** additional says what of the additional section to compare with Knot (default 'skip'). */
  readonly additional?: AdditionalMode;
  /** compare passes further options to assertSameAnswer (ANY, where RFC 8482 lets servers differ). */
  readonly compare?: Omit<CompareOptions, 'additional'>;
  /** expect is checked on jw238dns's answer, in addition to (or instead of) the Knot comparison. */
  readonly expect?: Expected;
  /**
   * knotExpect is checked on Knot's answer (Knot is asked even when knot is false): it pins down
   * the Knot behaviour a case relies on or deliberately departs from.
   */
  readonly knotExpect?: Expected;
}

/** Scenario is what a cases.ts exports as `scenario`. */
export interface Scenario {
  /** backend is the base server's `backend:` section; knotd's TTL default follows its default_ttl. */
  readonly backend?: Backend;
  /** variants are further jw238dns servers on the same records, with these backend sections. */
  readonly variants?: Readonly<Record<string, Backend>>;
  readonly cases: readonly Case[];
}
