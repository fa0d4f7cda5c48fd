// A test certificate authority made with the openssl CLI (node:crypto cannot issue X.509
// certificates): P-256 keys, one-day certificates, files in a temporary directory.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Issued is a certificate and its key, as files and as PEM. */
export interface Issued {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** TestCa is a self-signed CA that issues server and client certificates. */
export interface TestCa extends Issued {
  readonly dir: string;
  /** issue makes a certificate for the DNS names and IP addresses given (server), or a client one. */
  issue(name: string, options: { dns?: string[]; ip?: string[]; client?: boolean }): Issued;
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

const KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function files(dir: string, name: string): Issued {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  return { certFile, keyFile, cert: readFileSync(certFile), key: readFileSync(keyFile) };
}

/** makeCa creates a CA named cn in a new temporary directory. */
export function makeCa(cn = 'jw238dns test CA'): TestCa {
  const dir = mkdtempSync(join(tmpdir(), 'jw238dns-ca-'));
  const slug = 'ca';
  openssl([
    'req',
    '-x509',
    ...KEY,
    '-keyout',
    join(dir, `${slug}.key`),
    '-out',
    join(dir, `${slug}.crt`),
    '-days',
    '1',
    '-subj',
    `/CN=${cn}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  const ca = files(dir, slug);
  let serial = 1;
  return {
    ...ca,
    dir,
    issue(name, options) {
      const base = join(dir, name);
      openssl(['req', ...KEY, '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', `/CN=${name}`]);
      const sans = [
        ...(options.dns ?? []).map((d) => `DNS:${d}`),
        ...(options.ip ?? []).map((i) => `IP:${i}`),
      ];
      writeFileSync(
        `${base}.ext`,
        [
          'basicConstraints=CA:FALSE',
          'keyUsage=critical,digitalSignature',
          `extendedKeyUsage=${options.client ? 'clientAuth' : 'serverAuth'}`,
          ...(sans.length > 0 ? [`subjectAltName=${sans.join(',')}`] : []),
        ].join('\n'),
      );
      openssl([
        'x509',
        '-req',
        '-in',
        `${base}.csr`,
        '-CA',
        ca.certFile,
        '-CAkey',
        ca.keyFile,
        '-set_serial',
        String(serial++),
        '-days',
        '1',
        '-extfile',
        `${base}.ext`,
        '-out',
        `${base}.crt`,
      ]);
      return files(dir, name);
    },
  };
}
