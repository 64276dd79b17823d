import { status } from '@grpc/grpc-js';
import {
  defenseClient,
  describeFault,
  faultClient,
  mintToken,
  resolveAddresses,
  type DefenseClient,
  type DefenseSwitches,
  type FaultClient,
  type Fault,
  type LoadedProtos,
  type SecretKey,
} from '@demo/platform';
import type { ReplicaDefenses, ReplicaFault } from './wire.js';

const callTimeoutMs = 800;
const readTokenTtlSeconds = 3600;

/**
 * The console's gRPC calls: FaultService on every recommendation replica and
 * DefenseService on every aggregator replica, one long-lived client per
 * replica. Reads use the console's own user-role token; changes carry the
 * admin token of the person who asked, so the services check it themselves.
 */
export class ServiceCalls {
  readonly #protos: LoadedProtos;
  readonly #targets: { aggregator: string; recommendation: string };
  readonly #key: SecretKey;
  readonly #faultClients = new Map<string, FaultClient>();
  readonly #defenseClients = new Map<string, DefenseClient>();
  #readToken: { value: Promise<string>; renewAt: number } | undefined;

  constructor(options: {
    protos: LoadedProtos;
    targets: { aggregator: string; recommendation: string };
    key: SecretKey;
  }) {
    this.#protos = options.protos;
    this.#targets = options.targets;
    this.#key = options.key;
  }

  /** The console's own token (role user), for reads and for the load generator. */
  readToken(now = Date.now()): Promise<string> {
    if (this.#readToken === undefined || now >= this.#readToken.renewAt) {
      const value = mintToken({ key: this.#key, subject: 'console', role: 'user', ttlSeconds: readTokenTtlSeconds });
      this.#readToken = { value, renewAt: now + (readTokenTtlSeconds / 2) * 1000 };
    }
    return this.#readToken.value;
  }

  /** The fault on every recommendation replica. */
  async faults(): Promise<ReplicaFault[]> {
    const addresses = await resolveAddresses(this.#targets.recommendation);
    return Promise.all(
      addresses.map(async (address): Promise<ReplicaFault> => {
        try {
          const { replica, fault } = await this.#faultClient(address).get();
          return { replica: replica || address, fault, description: describeFault(fault) };
        } catch (error) {
          return { replica: address, description: 'unknown', error: messageOf(error) };
        }
      }),
    );
  }

  /** The defenses on every aggregator replica. */
  async defenses(): Promise<ReplicaDefenses[]> {
    const addresses = await resolveAddresses(this.#targets.aggregator);
    return Promise.all(
      addresses.map(async (address): Promise<ReplicaDefenses> => {
        try {
          const { replica, defenses } = await this.#defenseClient(address).get();
          return { replica: replica || address, defenses };
        } catch (error) {
          return { replica: address, error: messageOf(error) };
        }
      }),
    );
  }

  /** SetFault through one recommendation replica (it forwards to the rest), with the admin token of who asked. */
  async setFault(fault: Fault, adminToken: string): Promise<string[]> {
    return this.#throughAny(this.#targets.recommendation, async (address) => {
      const { appliedTo } = await this.#faultClient(address).set(fault, changeOptions(adminToken));
      return appliedTo;
    });
  }

  /** SetDefenses through one aggregator replica (it forwards to the rest), with the admin token of who asked. */
  async setDefenses(defenses: DefenseSwitches, adminToken: string): Promise<string[]> {
    return this.#throughAny(this.#targets.aggregator, async (address) => {
      const { appliedTo } = await this.#defenseClient(address).set(defenses, changeOptions(adminToken));
      return appliedTo;
    });
  }

  close(): void {
    for (const client of [...this.#faultClients.values(), ...this.#defenseClients.values()]) client.close();
  }

  /** One long-lived client per replica; reads carry the console's own token. */
  #faultClient(address: string): FaultClient {
    return clientFor(this.#faultClients, address, () =>
      faultClient(address, { token: () => this.readToken(), deadlineMs: callTimeoutMs, protos: this.#protos }),
    );
  }

  #defenseClient(address: string): DefenseClient {
    return clientFor(this.#defenseClients, address, () =>
      defenseClient(address, { token: () => this.readToken(), deadlineMs: callTimeoutMs, protos: this.#protos }),
    );
  }

  /**
   * A change goes through the first replica that takes it. A refusal
   * (PERMISSION_DENIED, INVALID_ARGUMENT...) is the answer for all of them,
   * so only an unreachable replica makes it try the next.
   */
  async #throughAny<T>(target: string, call: (address: string) => Promise<T>): Promise<T> {
    const addresses = await resolveAddresses(target);
    let lastError: unknown = new Error(`no replica at ${target}`);
    for (const address of addresses) {
      try {
        return await call(address);
      } catch (error) {
        lastError = error;
        const code = (error as { code?: number }).code;
        if (code !== status.UNAVAILABLE && code !== status.DEADLINE_EXCEEDED) throw error;
      }
    }
    throw lastError;
  }
}

function clientFor<Client>(clients: Map<string, Client>, address: string, make: () => Client): Client {
  let client = clients.get(address);
  if (!client) {
    client = make();
    clients.set(address, client);
  }
  return client;
}

/** A change waits for every replica's confirmation, up to about a second. */
function changeOptions(adminToken: string) {
  return { token: adminToken, deadlineMs: 3000 };
}

export function messageOf(error: unknown): string {
  const details = (error as { details?: unknown } | null)?.details;
  if (typeof details === 'string' && details !== '') return details;
  return error instanceof Error ? error.message : String(error);
}
