// Bounded waits for tests: poll until something holds, or fail naming what was awaited. The
// deadline only bounds the wait (generous, for a loaded machine); it is never a timing assertion.

/** WaitOptions say what is awaited and for how long at most. */
export interface WaitOptions {
  /** what names what is awaited in the failure; a function is called at the failure (for output so far). */
  readonly what: string | (() => string);
  /** timeoutMs is the deadline (20 s unless given). */
  readonly timeoutMs?: number;
  /** intervalMs is the pause between checks (25 ms unless given). */
  readonly intervalMs?: number;
}

/**
 * waitFor calls check until it returns true, and fails once timeoutMs have passed without. An
 * error thrown by check fails the wait at once.
 */
export async function waitFor(check: () => boolean | Promise<boolean>, options: WaitOptions): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (performance.now() >= deadline) {
      const what = typeof options.what === 'string' ? options.what : options.what();
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 25));
  }
}
