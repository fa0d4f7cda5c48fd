// The real jw238dns process, for e2e tests: `node --import tsx src/main.ts ARGS` from the repository
// root, as `jw238dns ARGS` runs. Its output is collected; a wait for a log line has a deadline and
// fails with the output so far, or at once if the process exits first; a process still running when
// its test ends is killed (its DNS workers follow: they exit when the primary's channel closes).
import { type ChildProcess, spawn } from 'node:child_process';
import type { TestContext } from 'node:test';
import { freePorts } from './ports.ts';
import { waitFor } from './wait.ts';

const ROOT = new URL('../..', import.meta.url).pathname;

/** LogLine is one JSON line the process logged (pino: msg, level, and the fields). */
export type LogLine = Readonly<Record<string, unknown>>;

/** Exit is how a process ended: its exit code, or the signal that ended it. */
export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** ProcessOptions add to how the process runs. */
export interface ProcessOptions {
  /** env is added to the test's environment; JW238DNS_API_TOKEN is empty unless set here. */
  readonly env?: NodeJS.ProcessEnv;
  /** uid runs the process as this user and group. */
  readonly uid?: number;
}

/** Jw238dns is a spawned process. */
export interface Jw238dns {
  readonly child: ChildProcess;
  /** stdout and stderr return what the process wrote so far. */
  stdout(): string;
  stderr(): string;
  /** output returns both, for failure messages. */
  output(): string;
  /** lines returns the complete JSON lines on stdout so far. */
  lines(): LogLine[];
  /** waitForLog resolves with the first log line that match accepts (`what` names it in a failure). */
  waitForLog(match: (line: LogLine) => boolean, what: string, timeoutMs?: number): Promise<LogLine>;
  /** exit resolves once the process has ended and closed its output; past timeoutMs it is killed and the wait fails. */
  exit(timeoutMs?: number): Promise<Exit>;
  /** stop sends signal (SIGTERM unless given) and waits for the exit. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<Exit>;
}

/** Listening is a process started by startJw238dns: its DNS and HTTP ports on 127.0.0.1. */
export interface Listening extends Jw238dns {
  readonly dns: number;
  readonly http: number;
  readonly url: string;
}

/** logged returns a predicate for the log line whose msg is msg. */
export const logged =
  (msg: string) =>
  (line: LogLine): boolean =>
    line.msg === msg;

/** spawnJw238dns runs `jw238dns ...args`; it is killed when the test ends if it still runs. */
export function spawnJw238dns(
  t: TestContext,
  args: readonly string[],
  options: ProcessOptions = {},
): Jw238dns {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, JW238DNS_API_TOKEN: '', ...options.env },
    ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.uid }),
  });
  let stdout = '';
  let stderr = '';
  let ended: Exit | undefined;
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  child.on('error', (err) => {
    stderr += `\n[spawn error: ${err.message}]`;
  });
  // 'close' rather than 'exit': by then everything the process wrote has been read.
  const closed = new Promise<Exit>((resolve) =>
    child.once('close', (code, signal) => {
      ended = { code, signal };
      resolve(ended);
    }),
  );
  const running = () => child.exitCode === null && child.signalCode === null;
  t.after(async () => {
    if (running()) child.kill('SIGKILL');
    await closed;
  });

  const output = () => `--- stdout ---\n${stdout}--- stderr ---\n${stderr}`;
  const lines = () => {
    const parsed: LogLine[] = [];
    // A last line still being written is not read until its newline has come.
    for (const line of stdout.slice(0, stdout.lastIndexOf('\n') + 1).split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        parsed.push(JSON.parse(line) as LogLine);
      } catch {
        // not a log line
      }
    }
    return parsed;
  };
  const exit = async (timeoutMs = 20_000): Promise<Exit> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), timeoutMs);
    });
    const outcome = await Promise.race([closed, late]);
    clearTimeout(timer);
    if (outcome !== 'late') return outcome;
    child.kill('SIGKILL');
    await closed;
    throw new Error(`jw238dns ${args.join(' ')} did not exit within ${timeoutMs} ms\n${output()}`);
  };
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    output,
    lines,
    async waitForLog(match, what, timeoutMs) {
      let found: LogLine | undefined;
      await waitFor(
        () => {
          found = lines().find(match);
          if (found !== undefined) return true;
          if (ended !== undefined)
            throw new Error(
              `jw238dns exited (${ended.signal ?? ended.code}) before logging ${what}\n${output()}`,
            );
          return false;
        },
        {
          what: () => `jw238dns to log ${what}\n${output()}`,
          ...(timeoutMs === undefined ? {} : { timeoutMs }),
        },
      );
      return found as LogLine;
    },
    exit,
    stop(signal = 'SIGTERM', timeoutMs) {
      child.kill(signal);
      return exit(timeoutMs);
    },
  };
}

/**
 * startJw238dns runs `jw238dns --config configPath` on 127.0.0.1 with free DNS and HTTP ports,
 * and waits until it logs "http listening" (after the DNS listeners are bound).
 */
export async function startJw238dns(
  t: TestContext,
  configPath: string,
  options: ProcessOptions = {},
): Promise<Listening> {
  const [dns, http] = (await freePorts(2)) as [number, number];
  const p = spawnJw238dns(
    t,
    ['--config', configPath, '--listen', '127.0.0.1', '--dns-port', String(dns), '--http-port', String(http)],
    options,
  );
  await p.waitForLog(logged('http listening'), '"http listening"', 30_000);
  return { ...p, dns, http, url: `http://127.0.0.1:${http}` };
}
