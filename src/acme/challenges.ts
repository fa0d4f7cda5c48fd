// The ACME challenge handlers (behavior.md §7): DNS-01 values and HTTP-01 tokens, set and cleared
// through the records' one write path (sources/sync.ts: plan → check → persist → apply), so a
// challenge is persisted in the source before it is answered, and every replica, reading the same
// source, serves it. Each challenge carries an absolute expiry time in the source; a timer removes
// what has expired, through the same write path. Several replicas may race to do it: the write is
// optimistic, so the loser re-reads, finds nothing left to remove, and writes nothing.
import type { Document } from 'yaml';
import type { Name } from '../dns/name.ts';
import type { Logger } from '../log.ts';
import type { Plan, WriteResult } from '../sources/sync.ts';
import { planCleanUp, planExpiry, planPresent } from './dns01.ts';
import { planPut, planRemove } from './http01.ts';
import {
  type ChallengeState,
  type Dns01Entry,
  EMPTY_STATE,
  type Http01Entry,
  readState,
  stateFromText,
  writeState,
} from './state.ts';

/** MAX_TIMER_MS is the longest setTimeout delay Node honours (2^31 − 1 ms, about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** DEFAULT_RETRY_MS is how long to wait before trying again when removing expired challenges failed. */
export const DEFAULT_RETRY_MS = 30_000;

/** ChallengeWriter is what the handlers need from sources/sync.ts RecordSync. */
export interface ChallengeWriter {
  change(plan: Plan): Promise<WriteResult>;
  /**
   * onAccepted hears every source text taken as the truth (read and applied, or written);
   * recordsOnly says it differs from the one heard before only inside `records`.
   */
  onAccepted(listener: (text: string, recordsOnly: boolean) => void): () => void;
}

/** ChallengeOptions configure the handlers. */
export interface ChallengeOptions {
  /** ttlMs is acme.challenge_ttl: how long a challenge lives after it was last set. */
  readonly ttlMs: number;
  readonly log: Logger;
  /** now is the clock (ms since the epoch); tests pass a fake one. */
  readonly now?: () => number;
  /** retryMs is the wait after a failed removal of expired challenges (DEFAULT_RETRY_MS). */
  readonly retryMs?: number;
}

/** Challenges sets, clears, serves and expires ACME challenges; see the top of this file. */
export class Challenges {
  readonly #writer: ChallengeWriter;
  readonly #ttlMs: number;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #retryMs: number;
  readonly #unsubscribe: () => void;
  #state: ChallengeState = EMPTY_STATE;
  // The state as read from the text the writer told last; #state differs from it while a write
  // planned on an edited document (which may not have been written) is the last word.
  #heard: ChallengeState | undefined;
  #timer: NodeJS.Timeout | undefined;
  #expiring: Promise<number> | undefined;
  #closed = false;

  constructor(writer: ChallengeWriter, options: ChallengeOptions) {
    this.#writer = writer;
    this.#ttlMs = options.ttlMs;
    this.#log = options.log;
    this.#now = options.now ?? Date.now;
    this.#retryMs = options.retryMs ?? DEFAULT_RETRY_MS;
    this.#unsubscribe = writer.onAccepted((text, recordsOnly) => {
      // acme_challenges lies outside `records`: the state heard last stands, and a large records
      // file is not searched for the key on every reload.
      if (recordsOnly && this.#state === this.#heard) return;
      try {
        const state = stateFromText(text, (problem) => this.#log.warn({ problem }, 'ACME challenge ignored'));
        this.#heard = state;
        this.#accept(state);
      } catch (error) {
        // The sync checked the text as a config already; only a bug gets here.
        this.#log.error({ err: error }, 'could not read the ACME challenges of the source');
      }
    });
  }

  /** state is every challenge in progress, as last read or written. */
  state(): ChallengeState {
    return this.#state;
  }

  /** keyAuthorization is the key authorisation of an unexpired HTTP-01 token, else undefined. */
  keyAuthorization(token: string): string | undefined {
    const entry = this.#state.http01.find((e) => e.token === token);
    return entry !== undefined && entry.expires > this.#now() ? entry.keyAuthorization : undefined;
  }

  /**
   * presentDns01 adds value to the TXT RRset at name (dns01.ts planPresent), persisted and applied
   * before it returns; `created` is false when the value was there already (its expiry moves on).
   * Throws RecordError (a CNAME at name, say) or PersistError.
   */
  async presentDns01(name: Name, value: string): Promise<{ created: boolean; entry: Dns01Entry }> {
    let outcome: { created: boolean; entry: Dns01Entry } | undefined;
    await this.#writer.change((view, doc) => {
      const plan = planPresent(view, this.#read(doc()), name, value, this.#now() + this.#ttlMs);
      outcome = { created: plan.created, entry: plan.entry };
      return { ...plan.changes, edit: (d) => writeState(d, plan.state) };
    });
    return outcome as { created: boolean; entry: Dns01Entry };
  }

  /** cleanUpDns01 removes value from the TXT RRset at name; false when it was not there. */
  async cleanUpDns01(name: Name, value: string): Promise<boolean> {
    let removed = false;
    await this.#writer.change((view, doc) => {
      const plan = planCleanUp(view, this.#read(doc()), name, value);
      removed = plan.removed;
      return removed ? { ...plan.changes, edit: (d) => writeState(d, plan.state) } : {};
    });
    return removed;
  }

  /** putHttp01 sets the key authorisation of token, with a new expiry. */
  async putHttp01(token: string, keyAuthorization: string): Promise<Http01Entry> {
    const entry: Http01Entry = { token, keyAuthorization, expires: this.#now() + this.#ttlMs };
    await this.#writer.change((_view, doc) => {
      const state = planPut(this.#read(doc()), entry);
      return { edit: (d) => writeState(d, state) };
    });
    return entry;
  }

  /** removeHttp01 forgets token; false when it was not there. */
  async removeHttp01(token: string): Promise<boolean> {
    let removed = false;
    await this.#writer.change((_view, doc) => {
      const plan = planRemove(this.#read(doc()), token);
      removed = plan.removed;
      return removed ? { edit: (d) => writeState(d, plan.state) } : {};
    });
    return removed;
  }

  /**
   * expire removes every challenge whose time has come (dns01.ts planExpiry) and returns how many
   * it removed; the timer calls it, tests call it after moving their clock. Calls made while one
   * runs share it.
   */
  expire(): Promise<number> {
    this.#expiring ??= this.#expireNow().finally(() => {
      this.#expiring = undefined;
    });
    return this.#expiring;
  }

  /** close stops the expiry timer and stops listening to the source. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#unsubscribe();
  }

  async #expireNow(): Promise<number> {
    let expired = 0;
    try {
      await this.#writer.change((view, doc) => {
        const plan = planExpiry(view, this.#read(doc()), this.#now());
        expired = plan.expired;
        return expired > 0 ? { ...plan.changes, edit: (d) => writeState(d, plan.state) } : {};
      });
    } catch (error) {
      this.#log.warn({ err: error }, 'could not remove expired ACME challenges; trying again later');
      this.#arm(this.#retryMs);
      throw error;
    }
    if (expired > 0) this.#log.info({ expired }, 'removed expired ACME challenges');
    this.#schedule();
    return expired;
  }

  // The state of the document a write is planned against: the source as the sync holds it, which
  // may be newer than what this replica last heard (a write of another replica, seen on conflict).
  #read(doc: Document): ChallengeState {
    const state = readState(doc);
    this.#state = state;
    return state;
  }

  #accept(state: ChallengeState): void {
    this.#state = state;
    this.#schedule();
  }

  // One timer, for the earliest expiry.
  #schedule(): void {
    const times = [...this.#state.dns01, ...this.#state.http01].map((e) => e.expires);
    if (times.length === 0) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      return;
    }
    this.#arm(Math.max(0, Math.min(...times) - this.#now()));
  }

  #arm(delayMs: number): void {
    clearTimeout(this.#timer);
    if (this.#closed) return;
    this.#timer = setTimeout(
      () => {
        this.expire().catch(() => undefined); // logged by #expireNow, retried by its timer
      },
      Math.min(delayMs, MAX_TIMER_MS),
    );
    this.#timer.unref();
  }
}
