// DNS-01 (RFC 8555 §8.4): the value is published as a TXT record at `_acme-challenge.<domain>.`.
// The values at that name are a set (architecture.md §11): an apex and a wildcard order for one
// domain need two values there at once, and so do parallel orders. Presenting adds one value,
// cleaning up removes only that value (and the RRset once empty), and both are idempotent, which
// is what cert-manager's conformance suite checks (test/acme/suite.go). Nothing else at the name is
// touched. These are pure plans: challenges.ts runs them through the records' write path.
import { PresentationError } from '../dns/errors.ts';
import { type Name, normaliseName } from '../dns/name.ts';
import type { RecordView } from '../sources/overlay.ts';
import { MIN_TTL, type RecordKey, type RRset, validateRecord } from '../store/record.ts';
import type { Changes } from '../store/store.ts';
import { AcmeError } from './errors.ts';
import type { ChallengeState, Dns01Entry } from './state.ts';

/** CHALLENGE_LABEL is the label put before the domain being validated (RFC 8555 §8.4). */
export const CHALLENGE_LABEL = '_acme-challenge';

/**
 * CHALLENGE_TTL is the TTL of a TXT RRset created for a challenge: the lowest the store allows, so
 * resolvers forget a value soon after it is cleaned up (cert-manager's RFC 2136 solver uses 60 too).
 */
export const CHALLENGE_TTL = MIN_TTL;

/** MAX_VALUE_OCTETS bounds a value: one TXT character-string (RFC 1035 §3.3.14); a digest is 43. */
const MAX_VALUE_OCTETS = 255;

/**
 * challengeName returns the name that holds the DNS-01 value for domain. A wildcard's `*.` is
 * dropped: its authorisation is for the base domain (RFC 8555 §7.1.3, §8.4), so `*.example.com`
 * and `example.com` share `_acme-challenge.example.com.`. Throws AcmeError INVALID_CHALLENGE.
 */
export function challengeName(domain: unknown): Name {
  if (typeof domain !== 'string' || domain.trim() === '') {
    throw new AcmeError('INVALID_CHALLENGE', 'domain must be a domain name, such as "example.com"');
  }
  const base = domain.trim().replace(/^\*\./, '');
  return fqdn(`${CHALLENGE_LABEL}.${base}`, `domain "${domain}"`);
}

/** fqdn normalises name (a resolved FQDN from cert-manager); throws AcmeError INVALID_CHALLENGE. */
export function fqdn(name: string, what = `name "${name}"`): Name {
  try {
    return normaliseName(name);
  } catch (error) {
    if (!(error instanceof PresentationError)) throw error;
    throw new AcmeError('INVALID_CHALLENGE', `${what} is not a domain name: ${error.message}`);
  }
}

/**
 * dns01Value checks a value to publish: the base64url SHA-256 digest of the key authorisation
 * (RFC 8555 §8.4), or any token a client chose, as long as it is 1–255 printable ASCII characters
 * without spaces (one TXT character-string, no quoting questions). Throws AcmeError INVALID_CHALLENGE.
 */
export function dns01Value(value: unknown): string {
  if (typeof value !== 'string' || !/^[\x21-\x7e]+$/.test(value) || value.length > MAX_VALUE_OCTETS) {
    throw new AcmeError(
      'INVALID_CHALLENGE',
      `DNS-01 value ${JSON.stringify(value)} must be 1–${MAX_VALUE_OCTETS} printable ASCII characters without spaces`,
    );
  }
  return value;
}

/** Dns01Plan is a planned DNS-01 write: the record changes and the challenge state after it. */
export interface Dns01Plan {
  readonly changes: Changes;
  readonly state: ChallengeState;
}

/** txtChange returns the change that makes the TXT RRset at name hold values (none: delete it). */
function txtChange(view: RecordView, name: Name, values: readonly string[]): Changes {
  const held = view.getRRset(name, 'TXT');
  if (values.length === 0) return held === undefined ? {} : { deleted: [{ name, type: 'TXT' } as RecordKey] };
  const rrset: RRset = validateRecord(
    { name, type: 'TXT', ttl: held?.ttl ?? CHALLENGE_TTL, value: values },
    view.defaultTtl,
  );
  return held === undefined ? { added: [rrset] } : { updated: [rrset] };
}

/**
 * planPresent adds value to the TXT RRset at name (creating it with CHALLENGE_TTL, or keeping the
 * TTL and every other value of one that exists) and records its expiry. Presenting a value that is
 * there already changes no record and only moves its expiry: `created` says which it was.
 */
export function planPresent(
  view: RecordView,
  state: ChallengeState,
  name: Name,
  value: string,
  expires: number,
): Dns01Plan & { created: boolean; entry: Dns01Entry } {
  const held = view.getRRset(name, 'TXT')?.values ?? [];
  const created = !held.includes(value);
  const entry: Dns01Entry = { name, value, expires };
  const others = state.dns01.filter((e) => !(e.name === name && e.value === value));
  return {
    changes: created ? txtChange(view, name, [...held, value]) : {},
    state: { ...state, dns01: [...others, entry] },
    created,
    entry,
  };
}

/**
 * planCleanUp removes value from the TXT RRset at name (the RRset with it when it was the last
 * value) and forgets its expiry. `removed` is false when neither the value nor its entry was there:
 * cleaning up twice is no error for cert-manager, and the API answers it 404.
 */
export function planCleanUp(
  view: RecordView,
  state: ChallengeState,
  name: Name,
  value: string,
): Dns01Plan & { removed: boolean } {
  const held = view.getRRset(name, 'TXT')?.values ?? [];
  const others = state.dns01.filter((e) => !(e.name === name && e.value === value));
  const removed = held.includes(value) || others.length !== state.dns01.length;
  return {
    changes: held.includes(value)
      ? txtChange(
          view,
          name,
          held.filter((v) => v !== value),
        )
      : {},
    state: { ...state, dns01: others },
    removed,
  };
}

/**
 * planExpiry removes every DNS-01 value and HTTP-01 token whose expiry is at or before now, each
 * value from its TXT RRset (several at one name in one change), and returns how many expired.
 */
export function planExpiry(
  view: RecordView,
  state: ChallengeState,
  now: number,
): Dns01Plan & { expired: number } {
  const expired = state.dns01.filter((e) => e.expires <= now);
  const byName = new Map<Name, Set<string>>();
  for (const e of expired) byName.set(e.name, (byName.get(e.name) ?? new Set()).add(e.value));
  const changes = { added: [] as RRset[], updated: [] as RRset[], deleted: [] as RecordKey[] };
  for (const [name, values] of byName) {
    const held = view.getRRset(name, 'TXT')?.values ?? [];
    const change = txtChange(
      view,
      name,
      held.filter((v) => !values.has(v)),
    );
    if (held.some((v) => values.has(v))) {
      changes.updated.push(...(change.updated ?? []));
      changes.deleted.push(...(change.deleted ?? []));
    }
  }
  const http01 = state.http01.filter((e) => e.expires > now);
  return {
    changes,
    state: { dns01: state.dns01.filter((e) => e.expires > now), http01 },
    expired: expired.length + state.http01.length - http01.length,
  };
}
