// ACME, wired for app.ts: the challenge handlers (challenges.ts) on the records' write path, the
// cert-manager webhook (webhook.ts) when acme.webhook.enabled, and the plain HTTP-01 listener
// (responder.ts) when acme.http01_port is set. The HTTP API's routes (api/acme.ts) use the same
// handlers.
import type { AcmeConfig } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import { Challenges, type ChallengeWriter } from './challenges.ts';
import { listenResponder, type Responder } from './responder.ts';
import { listenWebhook, readTls, type TlsFiles, type Webhook } from './webhook.ts';

/** AcmeOptions are what tests change besides the config. */
export interface AcmeOptions {
  /** now is the clock of challenge expiry (ms since the epoch). */
  readonly now?: () => number;
  /** webhookPort and http01Port replace the config's ports; 0 lets the kernel pick. */
  readonly webhookPort?: number;
  readonly http01Port?: number;
  /** tlsCheckMs is how often the webhook's certificate files are checked for a renewal. */
  readonly tlsCheckMs?: number;
}

/** AcmePorts are the ports bound by start(), for the listeners that are on. */
export interface AcmePorts {
  readonly webhook?: number;
  readonly http01?: number;
}

/** Acme holds the challenge handlers and the listeners of the ACME config. */
export class Acme {
  /** challenges are the handlers the API routes and the webhook use. */
  readonly challenges: Challenges;
  readonly #config: AcmeConfig;
  readonly #log: Logger;
  readonly #options: AcmeOptions;
  #webhook: Webhook | undefined;
  #responder: Responder | undefined;

  constructor(config: AcmeConfig, writer: ChallengeWriter, log: Logger, options: AcmeOptions = {}) {
    this.#config = config;
    this.#log = log;
    this.#options = options;
    this.challenges = new Challenges(writer, {
      ttlMs: config.challenge_ttl_ms,
      log,
      ...(options.now ? { now: options.now } : {}),
    });
  }

  get #files(): TlsFiles {
    const webhook = this.#config.webhook;
    return { certFile: webhook.tls_cert_file, keyFile: webhook.tls_key_file, caFile: webhook.client_ca_file };
  }

  /**
   * prepare reads the webhook's certificate files when it is enabled, so that a missing or
   * unreadable one stops the start before anything binds; it throws an Error naming the key.
   */
  prepare(): void {
    if (this.#config.webhook.enabled) readTls(this.#files);
  }

  /** start binds the webhook and the HTTP-01 listener, as configured, on every address. */
  async start(addresses: readonly string[]): Promise<AcmePorts> {
    const { webhook, http01_port: http01Port } = this.#config;
    try {
      if (webhook.enabled) {
        this.#webhook = await listenWebhook(
          {
            groupName: webhook.group_name,
            solverName: webhook.solver_name,
            challenges: this.challenges,
            log: this.#log.child({ part: 'webhook' }),
            requireClientCert: webhook.client_ca_file !== '',
          },
          this.#files,
          addresses,
          this.#options.webhookPort ?? webhook.port,
          this.#options.tlsCheckMs,
        );
      }
      const port = this.#options.http01Port ?? (http01Port === 0 ? undefined : http01Port);
      if (port !== undefined) {
        this.#responder = await listenResponder(this.challenges, addresses, port, this.#log);
      }
    } catch (error) {
      await this.stop();
      throw error;
    }
    return this.ports();
  }

  /** ports are the ports the listeners bound. */
  ports(): AcmePorts {
    return {
      ...(this.#webhook ? { webhook: this.#webhook.port } : {}),
      ...(this.#responder ? { http01: this.#responder.port } : {}),
    };
  }

  /** webhook is the bound webhook, while it is (tests reload its certificate through it). */
  get webhook(): Webhook | undefined {
    return this.#webhook;
  }

  /** stop closes the listeners and stops the expiry timer; writes in flight finish in the sync. */
  async stop(): Promise<void> {
    this.challenges.close();
    const webhook = this.#webhook;
    const responder = this.#responder;
    this.#webhook = undefined;
    this.#responder = undefined;
    await Promise.all([webhook?.close(), responder?.close()]);
  }
}
