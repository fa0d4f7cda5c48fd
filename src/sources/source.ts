// Where the records live (behavior.md §5): exactly one source per run. The file source is the
// embedded default; the Kubernetes ConfigMap source (issue 7) implements the same small interface,
// with the resourceVersion as its revision and HTTP 409 as its conflict.
import { createHash } from 'node:crypto';

/** SourceSnapshot is the source's whole text as read (or written), and the revision it had. */
export interface SourceSnapshot {
  readonly text: string;
  /** revision changes whenever the text does: a content hash for a file, resourceVersion for a ConfigMap. */
  readonly revision: string;
}

/**
 * Source is a place that holds the config text and can be read, watched and written back. It knows
 * nothing about records: parsing, diffing and editing are sources/yaml.ts and sources/sync.ts.
 */
export interface Source {
  /** description names the source in logs and errors, e.g. `file /etc/jw238dns/config.yaml`. */
  readonly description: string;
  /** read returns the current text; it throws (any error) when the source cannot be read. */
  read(): Promise<SourceSnapshot>;
  /**
   * write replaces the text, but only if the source still has revision `expected`: otherwise it
   * throws SourceConflictError and changes nothing. Any other failure throws PersistError.
   */
  write(text: string, expected: string): Promise<SourceSnapshot>;
  /**
   * watch calls onChange after the text may have changed (callers debounce and compare
   * revisions, so a spurious call costs one read) and onError when watching itself fails.
   * Returns the function that stops watching.
   */
  watch(onChange: () => void, onError: (error: Error) => void): () => void;
}

/** PersistError is a write-back that failed; the message names the source, cause keeps the reason. */
export class PersistError extends Error {
  override readonly name = 'PersistError';
  readonly code = 'PERSIST_FAILED';
}

/**
 * SourceConflictError says the source changed since it was last read, so a write based on that
 * read was refused: re-read, re-apply, retry (optimistic concurrency, as with a resourceVersion).
 */
export class SourceConflictError extends Error {
  override readonly name = 'SourceConflictError';

  constructor(description: string) {
    super(`${description} changed since it was last read`);
  }
}

/** SourceProblem is one reason a source's text was refused, with its 1-based line when known. */
export interface SourceProblem {
  readonly message: string;
  readonly line?: number;
}

/**
 * SourceError is a source whose text was refused: unreadable, not YAML, an invalid config or
 * invalid records. The records served stay the last good ones. `line` is the first problem's line.
 */
export class SourceError extends Error {
  override readonly name = 'SourceError';
  readonly code = 'RELOAD_FAILED';
  readonly problems: readonly SourceProblem[];
  readonly line: number | undefined;

  constructor(description: string, problems: readonly SourceProblem[], options?: ErrorOptions) {
    const list = problems.map((p) => (p.line === undefined ? p.message : `line ${p.line}: ${p.message}`));
    super(`${description}: ${list.join('; ')}`, options);
    this.problems = problems;
    this.line = problems.find((p) => p.line !== undefined)?.line;
  }
}

/** revisionOf returns the revision of a text held without one of its own: a SHA-256 of it. */
export function revisionOf(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
