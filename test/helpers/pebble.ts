// Pebble, Let's Encrypt's ACME test server (Debian package `pebble`), on 127.0.0.1, validating
// against our DNS server (`-dnsserver`) and, for HTTP-01, connecting to the address our DNS gives
// on the config's `httpPort`. PEBBLE_VA_NOSLEEP=1 skips its random validation delays;
// PEBBLE_VA_ALWAYS_VALID is removed from its environment, so every challenge is really checked.
// Nonce rejection and authorisation reuse are off so that every order is validated afresh and
// the run is the same every time. Its HTTPS listener uses a certificate of our test CA.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { Agent, get } from 'node:https';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { freePorts } from './ports.ts';
import { makeCa } from './tls.ts';

/** Pebble is a running Pebble. */
export interface Pebble {
  /** directoryUrl is the ACME directory (RFC 8555 §7.1.1). */
  readonly directoryUrl: string;
  /** agent trusts Pebble's HTTPS certificate (and nothing else). */
  readonly agent: Agent;
  /** root fetches the PEM root certificate Pebble issues under (its management interface). */
  root(): Promise<string>;
  /** output is what Pebble printed so far (for failure messages). */
  output(): string;
}

const READY = /ACME directory available at/;

/**
 * startPebble starts Pebble validating through the DNS server at 127.0.0.1:dnsPort and HTTP-01
 * on httpPort, and stops it when the test ends. A port taken in the meantime is retried.
 */
export async function startPebble(t: TestContext, dnsPort: number, httpPort: number): Promise<Pebble> {
  const ca = makeCa('pebble HTTPS CA');
  const leaf = ca.issue('pebble', { dns: ['localhost'], ip: ['127.0.0.1'] });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PEBBLE_VA_NOSLEEP: '1',
    PEBBLE_WFE_NONCEREJECT: '0',
    PEBBLE_AUTHZREUSE: '0',
  };
  delete env.PEBBLE_VA_ALWAYS_VALID;
  for (let attempt = 1; ; attempt++) {
    const [listen, management, tls] = (await freePorts(3)) as [number, number, number];
    const configFile = join(ca.dir, 'pebble-config.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        pebble: {
          listenAddress: `127.0.0.1:${listen}`,
          managementListenAddress: `127.0.0.1:${management}`,
          certificate: leaf.certFile,
          privateKey: leaf.keyFile,
          httpPort,
          tlsPort: tls,
          ocspResponderURL: '',
          externalAccountBindingRequired: false,
        },
      }),
    );
    const child = spawn('pebble', ['-config', configFile, '-dnsserver', `127.0.0.1:${dnsPort}`], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const ready = new Promise<boolean>((resolve) => {
      const read = (chunk: Buffer) => {
        output += chunk.toString();
        if (READY.test(output)) resolve(true);
      };
      child.stdout?.on('data', read);
      child.stderr?.on('data', read);
      child.once('exit', () => resolve(false));
      child.once('error', () => resolve(false));
    });
    if (!(await ready)) {
      if (attempt < 3 && /address already in use/.test(output)) continue;
      throw new Error(`pebble did not start:\n${output}`);
    }
    t.after(() => stop(child));
    const agent = new Agent({ ca: ca.cert });
    return {
      directoryUrl: `https://127.0.0.1:${listen}/dir`,
      agent,
      output: () => output,
      root: () =>
        new Promise((resolve, reject) => {
          get(`https://127.0.0.1:${management}/roots/0`, { agent }, (res) => {
            let body = '';
            res.on('data', (c: Buffer) => {
              body += c.toString();
            });
            res.on('end', () => resolve(body));
          }).on('error', reject);
        }),
    };
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}
