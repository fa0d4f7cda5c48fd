// Go-style durations (time.ParseDuration): a sequence of decimal numbers, each with an optional
// fraction and a unit, such as "300ms", "1.5h" or "2h45m". The config uses them for timeouts
// (`tcp.idle_timeout`, `backend.upstream.timeout`), as the seed's `timeout: "5s"` does.

const NS_PER_UNIT: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n, // U+00B5 MICRO SIGN, accepted by Go
  μs: 1_000n, // U+03BC GREEK SMALL LETTER MU, accepted by Go
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

const NS_PER_MS = 1_000_000n;

const EXPECTED = 'expected a number followed by a unit (ns, us, ms, s, m, h), as in "5s" or "1m30s"';

// One "<number><unit>" term: digits with an optional fraction (".5" and "5." are valid, "." is not).
const TERM = /^(\d*)(?:\.(\d*))?([a-zµμ]+)/;

/**
 * parseDuration returns the length of a Go-style duration in milliseconds ("1m30s" → 90000,
 * "500us" → 0.5). A bare "0" is 0. It throws an Error naming the text when it is not a duration.
 */
export function parseDuration(text: string): number {
  if (text === '0') return 0;
  if (text === '') throw invalid(text, 'empty');
  if (text.startsWith('-') || text.startsWith('+')) throw invalid(text, 'a sign is not allowed');
  let rest = text;
  let ns = 0n;
  while (rest !== '') {
    const m = TERM.exec(rest);
    if (m === null && /^[\d.]+$/.test(rest))
      throw invalid(text, `missing unit after "${rest}" (use ns, us, ms, s, m or h)`);
    if (m === null) throw invalid(text, EXPECTED);
    const [whole, intPart = '', fracPart = '', unit = ''] = m;
    if (intPart === '' && fracPart === '') throw invalid(text, EXPECTED);
    const perUnit = NS_PER_UNIT[unit];
    if (perUnit === undefined) throw invalid(text, `unknown unit "${unit}" (use ns, us, ms, s, m or h)`);
    // Exact integer arithmetic in nanoseconds, so "1.1s" is 1100 ms and not 1100.0000000000002.
    const scale = 10n ** BigInt(fracPart.length);
    ns += BigInt(intPart || '0') * perUnit + (BigInt(fracPart || '0') * perUnit) / scale;
    rest = rest.slice(whole.length);
  }
  if (!Number.isSafeInteger(Number(ns / NS_PER_MS))) throw invalid(text, 'too large');
  return Number(ns / NS_PER_MS) + Number(ns % NS_PER_MS) / 1e6;
}

function invalid(text: string, why: string): Error {
  return new Error(`invalid duration ${JSON.stringify(text)}: ${why}`);
}

/**
 * formatDuration writes milliseconds as the shortest Go-style duration that parseDuration reads
 * back to the same value: 90000 → "1m30s", 1500 → "1s500ms", 0 → "0s".
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) throw new RangeError(`formatDuration: not a finite number: ${ms}`);
  if (ms < 0) return `-${formatDuration(-ms)}`;
  let ns = BigInt(Math.round(ms * 1e6));
  if (ns === 0n) return '0s';
  let out = '';
  for (const unit of ['h', 'm', 's', 'ms', 'us', 'ns'] as const) {
    const perUnit = NS_PER_UNIT[unit]!;
    const count = ns / perUnit;
    if (count > 0n) out += `${count}${unit}`;
    ns %= perUnit;
  }
  return out;
}
