import type * as grpc from '@grpc/grpc-js';
import { createClient, type GrpcClientMetrics } from '@demo/platform';
import { retryServiceConfig } from './resilience/retry.js';
import type { ResilienceSettings } from './resilience/settings.js';

type ClientConstructor<Client> = new (
  target: string,
  credentials: grpc.ChannelCredentials,
  options?: grpc.ChannelOptions,
) => Client;

/**
 * The channels of one dependency. grpc-js sets retries per channel (its
 * service config), so there are two, one with the retry policy for
 * `method` and one without, and the retry switch picks between them for
 * each call.
 */
export class RetryChannels<Client extends grpc.Client> {
  readonly #withRetries: Client;
  readonly #withoutRetries: Client;
  readonly #switches: { readonly current: { retries: boolean } };

  constructor(
    Constructor: ClientConstructor<Client>,
    target: string,
    options: {
      /** The method the retry policy covers: the idempotent read the aggregator makes. */
      method: { service: string; method: string };
      settings: ResilienceSettings;
      metrics: GrpcClientMetrics;
      /** The defense switches in force (DefenseState). */
      switches: { readonly current: { retries: boolean } };
    },
  ) {
    const { method, settings, metrics } = options;
    this.#withRetries = createClient(Constructor, target, {
      serviceConfig: retryServiceConfig(method, settings),
      metrics,
    });
    this.#withoutRetries = createClient(Constructor, target, { metrics });
    this.#switches = options.switches;
  }

  /** The channel for the next call, as the retry switch says now. */
  pick(): Client {
    return this.#switches.current.retries ? this.#withRetries : this.#withoutRetries;
  }

  get clients(): Client[] {
    return [this.#withRetries, this.#withoutRetries];
  }

  close(): void {
    for (const client of this.clients) client.close();
  }
}

/**
 * Waits until each client's channel is connected (grpc-js Client.waitForReady,
 * which also starts the connecting), for at most `timeoutMs`; resolves with
 * how many were still not connected then. 0 waits for nothing.
 */
export async function untilConnected(clients: readonly grpc.Client[], timeoutMs: number): Promise<number> {
  if (timeoutMs <= 0) return 0;
  const deadline = Date.now() + timeoutMs;
  const results = await Promise.all(
    clients.map(
      (client) =>
        new Promise<boolean>((resolve) => {
          client.waitForReady(deadline, (error?: Error) => resolve(!error));
        }),
    ),
  );
  return results.filter((connected) => !connected).length;
}
