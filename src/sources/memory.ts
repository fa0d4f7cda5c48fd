// A Source held in memory: for an app built without a config file (tests, embedding) and for
// tests of the sync logic. Nothing it holds survives the process.
import { revisionOf, type Source, SourceConflictError, type SourceSnapshot } from './source.ts';

/** MemorySource keeps the config text in memory; replace() plays an edit made by someone else. */
export class MemorySource implements Source {
  readonly description: string;
  #text: string;
  readonly #watchers = new Set<() => void>();

  constructor(text: string, description = 'memory') {
    this.#text = text;
    this.description = description;
  }

  /** text is what the source holds now. */
  get text(): string {
    return this.#text;
  }

  /** read returns the text and its hash as revision. */
  async read(): Promise<SourceSnapshot> {
    return { text: this.#text, revision: revisionOf(this.#text) };
  }

  /** write replaces the text if it is still at revision expected. */
  async write(text: string, expected: string): Promise<SourceSnapshot> {
    if (revisionOf(this.#text) !== expected) throw new SourceConflictError(this.description);
    this.#text = text;
    return { text, revision: revisionOf(text) };
  }

  /** replace changes the text behind the writer's back and tells the watchers. */
  replace(text: string): void {
    this.#text = text;
    for (const notify of this.#watchers) notify();
  }

  /** watch hears about replace() calls. */
  watch(onChange: () => void): () => void {
    this.#watchers.add(onChange);
    return () => {
      this.#watchers.delete(onChange);
    };
  }
}
