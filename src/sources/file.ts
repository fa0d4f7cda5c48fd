// The config file as a Source (behavior.md §5, the embedded default).
//
// Write-back is atomic: the new text goes to a temporary file in the same directory (rename is
// atomic only within one file system), is flushed to disk, takes the mode and owner of the file it
// replaces, and is renamed over it; then the directory is flushed so the rename itself survives a
// crash. A reader (the server itself, an editor, kubelet) sees the old file or the new one, never
// half of one. When the path is a symlink the file it points to is replaced and the link is kept.
//
// Watching is by directory, not by file: an editor that saves by rename, `mv` over the file and
// Kubernetes' `..data` symlink swap all replace the file's inode, which a watch on the file itself
// would lose. A slow stat poll backs the watch up for file systems without inotify (NFS, some
// container volumes) and re-arms it when the directory comes back after being removed.
import { isAscii } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { type FSWatcher, constants as fsConstants, watch as fsWatch } from 'node:fs';
import { access, open, realpath, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { PersistError, revisionOf, type Source, SourceConflictError, type SourceSnapshot } from './source.ts';

/** TEMP_MARK is part of every temporary file name, so the watcher can ignore our own temporaries. */
const TEMP_MARK = '.jw238dns-tmp-';

/** DEFAULT_POLL_MS is how often the file is stat'ed besides being watched. */
export const DEFAULT_POLL_MS = 5000;

/** FileSourceOptions tune a FileSource. */
export interface FileSourceOptions {
  /** pollMs is the stat poll interval backing the directory watch (DEFAULT_POLL_MS). */
  readonly pollMs?: number;
}

/** FileSource reads, watches and atomically rewrites one YAML file. */
export class FileSource implements Source {
  readonly description: string;
  readonly path: string;
  readonly #pollMs: number;

  constructor(path: string, options: FileSourceOptions = {}) {
    this.path = resolve(path);
    this.description = `file ${this.path}`;
    this.#pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  }

  /** read returns the file's text and a hash of it as the revision (see snapshotOf). */
  async read(): Promise<SourceSnapshot> {
    return snapshotOf(decode(await readWhole(this.path)));
  }

  /**
   * write replaces the file with text if it still hashes to expected (SourceConflictError if not).
   * The check and the rename are not one atomic step: an edit landing between them is overwritten.
   * POSIX offers no lock that editors honour, so the window is kept to a few system calls.
   */
  async write(text: string, expected: string): Promise<SourceSnapshot> {
    const fail = (what: string, cause: unknown): PersistError =>
      new PersistError(`${this.description}: ${what}: ${describeFsError(cause)}`, { cause });
    let target: string;
    let current: string;
    try {
      target = await realpath(this.path);
      current = decode(await readWhole(target));
    } catch (error) {
      throw fail('cannot read it before writing', error);
    }
    if (revisionOf(current) !== expected) throw new SourceConflictError(this.description);

    let mode: number;
    let uid: number;
    let gid: number;
    try {
      ({ mode, uid, gid } = await stat(target));
      // Renaming over a read-only file would succeed (only the directory's mode counts): respect
      // the file's own mode instead, as an editor asked to save it would.
      await access(target, fsConstants.W_OK);
    } catch (error) {
      throw fail('not writable', error);
    }

    const dir = dirname(target);
    const temp = join(
      dir,
      `.${basename(target)}${TEMP_MARK}${process.pid}-${randomBytes(6).toString('hex')}`,
    );
    try {
      const handle = await open(temp, 'wx', mode & 0o7777);
      try {
        await handle.chmod(mode & 0o7777); // open's mode is filtered by the umask
        await handle.chown(uid, gid).catch((error: NodeJS.ErrnoException) => {
          // Only root may give a file away; anyone else keeps the file as their own.
          if (error.code !== 'EPERM') throw error;
        });
        await handle.writeFile(text, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw fail('cannot write', error);
    }
    await syncDirectory(dir);
    return snapshotOf(text);
  }

  /** watch watches the file's directory and polls the file's stat; see the top of this file. */
  watch(onChange: () => void, onError: (error: Error) => void): () => void {
    const dir = dirname(this.path);
    const name = basename(this.path);
    let watcher: FSWatcher | undefined;
    let stopped = false;
    let failing = false;

    const arm = (): void => {
      try {
        watcher = fsWatch(dir, { persistent: false }, (_event, filename) => {
          // Our temporaries come and go on every write-back; anything else may be the file (its
          // own name, `..data`, an editor's backup renamed over it, or no name at all).
          if (filename?.startsWith(`.${name}${TEMP_MARK}`)) return;
          onChange();
        });
        failing = false;
        watcher.on('error', (error) => {
          watcher?.close();
          watcher = undefined;
          report(error);
          onChange();
        });
      } catch (error) {
        watcher = undefined;
        report(error as Error);
      }
    };
    const report = (error: Error): void => {
      if (failing) return; // once per outage, not once per poll
      failing = true;
      onError(error);
    };

    let signature = '';
    const poll = async (): Promise<void> => {
      let next: string;
      try {
        const s = await stat(this.path);
        next = `${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
      } catch (error) {
        next = `missing:${(error as NodeJS.ErrnoException).code}`;
      }
      if (stopped) return;
      if (watcher === undefined) arm();
      if (signature !== '' && next !== signature) onChange();
      signature = next;
    };

    arm();
    void poll();
    const timer = setInterval(() => void poll(), this.#pollMs);
    timer.unref();
    return () => {
      stopped = true;
      clearInterval(timer);
      watcher?.close();
      watcher = undefined;
    };
  }
}

// A snapshot whose revision, a SHA-256 of the whole text (10–30 ms for 8 MiB), is computed when
// first asked for: the sync compares texts first and asks for the revision only to write back or
// when the text is the one it saw last, so a reload of an edited file never hashes it.
function snapshotOf(text: string): SourceSnapshot {
  let revision: string | undefined;
  return {
    text,
    get revision(): string {
      revision ??= revisionOf(text);
      return revision;
    },
  };
}

// The whole file, read as readFile reads it (up to the size fstat gives, or to the end when that is
// 0) but in one read where readFile reads 512 KiB at a time: each step is a round trip through the
// thread pool, and on a busy machine each costs milliseconds; four steps here, twenty for 8 MiB there.
async function readWhole(path: string): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    let buffer = Buffer.allocUnsafe(size > 0 ? size : 64 * 1024);
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (size > 0) return buffer;
        const bigger = Buffer.allocUnsafe(2 * buffer.length);
        buffer.copy(bigger, 0, 0, length);
        buffer = bigger;
      }
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) return buffer.subarray(0, length);
      length += bytesRead;
    }
  } finally {
    await handle.close();
  }
}

// The file's bytes as UTF-8 text. ASCII, the usual case, decodes the same as Latin-1, which Node
// does several times faster (1 ms against 7 ms for 8 MiB): isAscii looks at the bytes first.
function decode(bytes: Buffer): string {
  return isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
}

// After a rename the new directory entry is durable only once the directory is flushed (POSIX
// rename(2) promises atomicity, not durability). Some file systems refuse fsync on a directory
// (EINVAL, EISDIR, EPERM). Either way the rename has happened and every reader sees the new file,
// so a failure here is no failed write: the flush is best effort.
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    return; // best effort, see above
  }
}

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'read-only file system';
    case 'ENOSPC':
      return 'no space left on device';
    case 'EDQUOT':
      return 'disk quota exceeded';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
