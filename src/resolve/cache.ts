// A bounded cache of upstream answers. Positive answers live for the smallest TTL among their
// records (RFC 2181 §5.2: an RRset's TTLs are one); negative answers for min(SOA TTL, SOA MINIMUM)
// (RFC 2308 §5) and only when they carry the SOA (RFC 2308 §5: without it they SHOULD NOT be
// cached). Answers come back with their TTLs decremented by the time spent in the cache.
import { Rcode, RRType } from '../dns/constants.ts';
import type { RRsetOut } from '../dns/message.ts';
import { parseSoa } from '../dns/rdata.ts';
import type { Answer } from './answer.ts';

/** MAX_CACHE_TTL caps how long anything is cached, whatever the upstream says (one day, as BIND's max-cache-ttl is a week and Unbound's a day). */
export const MAX_CACHE_TTL = 86400;

interface Entry {
  readonly answer: Answer;
  readonly storedAt: number;
  readonly expiresAt: number;
}

/** AnswerCache is an LRU map from question key to an upstream answer, bounded in entries. */
export class AnswerCache {
  readonly #entries = new Map<string, Entry>();
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(maxEntries: number, now: () => number = Date.now) {
    this.#maxEntries = maxEntries;
    this.#now = now;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** get returns the cached answer with TTLs decremented, or undefined when absent or expired. */
  get(key: string): Answer | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    const now = this.#now();
    if (now >= entry.expiresAt) {
      this.#entries.delete(key);
      return undefined;
    }
    // Most recently used last: Map keeps insertion order.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    const elapsed = Math.floor((now - entry.storedAt) / 1000);
    if (elapsed === 0) return entry.answer;
    const age = (rrsets: readonly RRsetOut[]) =>
      rrsets.map((r) => ({ ...r, ttl: Math.max(0, r.ttl - elapsed) }));
    const a = entry.answer;
    return { ...a, answer: age(a.answer), authority: age(a.authority), additional: age(a.additional) };
  }

  /** set caches answer under key when its rcode and TTLs allow; returns whether it did. */
  set(key: string, answer: Answer): boolean {
    const ttl = cacheTtl(answer);
    if (ttl === undefined || ttl <= 0 || this.#maxEntries === 0) return false;
    const now = this.#now();
    const lifetime = Math.min(ttl, MAX_CACHE_TTL);
    // RFC 2308 §5: a cached negative answer's SOA counts down from the negative TTL, not its own.
    const stored = isNegative(answer)
      ? {
          ...answer,
          authority: answer.authority.map((r) =>
            r.type === RRType.SOA ? { ...r, ttl: Math.min(r.ttl, lifetime) } : r,
          ),
        }
      : answer;
    this.#entries.delete(key);
    this.#entries.set(key, { answer: stored, storedAt: now, expiresAt: now + lifetime * 1000 });
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
    return true;
  }
}

/** cacheTtl returns how long answer may be cached in seconds, or undefined when it must not be. */
export function cacheTtl(answer: Answer): number | undefined {
  const soa = answer.authority.find((r) => r.type === RRType.SOA);
  const negative =
    answer.rcode === Rcode.NXDOMAIN || (answer.rcode === Rcode.NOERROR && answer.answer.length === 0);
  if (negative) {
    if (soa === undefined) return undefined;
    return Math.min(soa.ttl, parseSoa(soa.data[0] as string).minimum);
  }
  if (answer.rcode !== Rcode.NOERROR) return undefined; // SERVFAIL and the rest are not cached
  return Math.min(...answer.answer.map((r) => r.ttl));
}

function isNegative(answer: Answer): boolean {
  return answer.rcode === Rcode.NXDOMAIN || (answer.rcode === Rcode.NOERROR && answer.answer.length === 0);
}
