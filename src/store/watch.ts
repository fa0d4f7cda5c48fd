// An async iterator over a listener subscription with a bounded buffer: the seed's
// `Watch(ctx) (<-chan StorageEvent, error)`, with an AbortSignal in place of the context.

/** DEFAULT_WATCH_BUFFER is how many undelivered events a watcher may hold before it is stopped. */
export const DEFAULT_WATCH_BUFFER = 1024;

/**
 * WatchOverflowError ends a watch whose consumer fell bufferSize events behind. Events are never
 * dropped silently: the consumer gets every buffered event, then this error, and should list the
 * store again (its version says where it is) and start a new watch.
 */
export class WatchOverflowError extends Error {
  override readonly name = 'WatchOverflowError';
  readonly bufferSize: number;

  constructor(bufferSize: number) {
    super(`watcher fell more than ${bufferSize} events behind and was stopped: list again, then watch again`);
    this.bufferSize = bufferSize;
  }
}

/**
 * watchEvents turns subscribe into an async iterator. It subscribes at once (events from that
 * moment on are kept), ends when signal aborts or the consumer stops early (`break` calls return),
 * and unsubscribes either way. Aborting ends the iteration quietly and drops what was buffered.
 */
export function watchEvents<T>(
  subscribe: (listener: (event: T) => void) => () => void,
  signal?: AbortSignal,
  bufferSize: number = DEFAULT_WATCH_BUFFER,
): AsyncIterableIterator<T> {
  if (!Number.isInteger(bufferSize) || bufferSize < 1) {
    throw new RangeError(`watch buffer size must be a positive integer, got ${bufferSize}`);
  }
  const buffer: T[] = [];
  const waiters: ((result: IteratorResult<T>) => void)[] = [];
  let failure: Error | undefined;
  let closed = false; // takes no more events; buffered ones (and failure) are still delivered
  let unsubscribe = (): void => {};

  const close = (): void => {
    if (closed) return;
    closed = true;
    unsubscribe();
    signal?.removeEventListener('abort', end);
  };
  function end(): void {
    close();
    buffer.length = 0;
    failure = undefined;
    for (const wake of waiters.splice(0)) wake({ done: true, value: undefined });
  }

  const iterator: AsyncIterableIterator<T> = {
    next(): Promise<IteratorResult<T>> {
      if (buffer.length > 0) return Promise.resolve({ done: false, value: buffer.shift() as T });
      if (failure !== undefined) {
        const error = failure;
        failure = undefined;
        return Promise.reject(error);
      }
      if (closed) return Promise.resolve({ done: true, value: undefined });
      return new Promise((resolve) => waiters.push(resolve));
    },
    return(): Promise<IteratorResult<T>> {
      end();
      return Promise.resolve({ done: true, value: undefined });
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };

  if (signal?.aborted === true) {
    closed = true;
    return iterator;
  }
  unsubscribe = subscribe((event) => {
    if (closed) return;
    const wake = waiters.shift();
    if (wake !== undefined) {
      wake({ done: false, value: event });
      return;
    }
    if (buffer.length >= bufferSize) {
      failure = new WatchOverflowError(bufferSize);
      close();
      return;
    }
    buffer.push(event);
  });
  signal?.addEventListener('abort', end, { once: true });
  return iterator;
}
