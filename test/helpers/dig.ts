// dig and kdig as real clients (Debian bind9-dnsutils and knot-dnsutils).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parse } from 'yaml';

const run = promisify(execFile);

/** DigAnswer is the part of dig's +yaml output the tests read. */
export interface DigAnswer {
  readonly status: string;
  readonly flags: string[];
  readonly question: string[];
  readonly answer: string[];
  readonly authority: string[];
  readonly additional: string[];
  readonly raw: string;
}

/** dig runs `dig @127.0.0.1 -p port ...args +yaml` and returns the parsed response. */
export async function dig(port: number, ...args: string[]): Promise<DigAnswer> {
  const { stdout } = await run('dig', [
    '@127.0.0.1',
    '-p',
    String(port),
    '+time=2',
    '+tries=1',
    '+yaml',
    ...args,
  ]);
  const doc = parse(stdout) as {
    type: string;
    message?: { response_message_data?: Record<string, unknown> };
  }[];
  const data = doc[0]?.message?.response_message_data;
  if (data === undefined) throw new Error(`dig gave no response: ${stdout}`);
  const list = (key: string) => ((data[key] as string[] | undefined) ?? []).map(String);
  return {
    status: String(data.status),
    flags: String(data.flags ?? '')
      .split(/\s+/)
      .filter(Boolean),
    question: list('QUESTION_SECTION'),
    answer: list('ANSWER_SECTION'),
    authority: list('AUTHORITY_SECTION'),
    additional: list('ADDITIONAL_SECTION'),
    raw: stdout,
  };
}

/** kdig runs `kdig @127.0.0.1 -p port ...args` and returns its text output. */
export async function kdig(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('kdig', ['@127.0.0.1', '-p', String(port), '+time=2', '+retry=0', ...args]);
  return stdout;
}
