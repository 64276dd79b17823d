import * as grpc from '@grpc/grpc-js';
import {
  describeFault,
  fromDefensesMessage,
  fromFaultMessage,
  mintToken,
  resolveAddresses,
  toFaultMessage,
  unaryCall,
  validateFault,
  type DefenseSwitches,
  type Fault,
  type LoadedProtos,
  type SecretKey,
} from '@demo/platform';
import type { DefenseServiceClient } from '@demo/platform/generated/demo/aggregator/v1/DefenseService.js';
import type { GetDefensesResponse__Output } from '@demo/platform/generated/demo/aggregator/v1/GetDefensesResponse.js';
import type { SetDefensesResponse__Output } from '@demo/platform/generated/demo/aggregator/v1/SetDefensesResponse.js';
import type { FaultServiceClient } from '@demo/platform/generated/demo/fault/v1/FaultService.js';
import type { GetFaultResponse__Output } from '@demo/platform/generated/demo/fault/v1/GetFaultResponse.js';
import type { SetFaultResponse__Output } from '@demo/platform/generated/demo/fault/v1/SetFaultResponse.js';
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
  readonly #faultClients = new Map<string, FaultServiceClient>();
  readonly #defenseClients = new Map<string, DefenseServiceClient>();
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
    const options = await this.#readOptions();
    return Promise.all(
      addresses.map(async (address): Promise<ReplicaFault> => {
        const client = clientFor(
          this.#faultClients,
          address,
          (a) => new this.#protos.demo.fault.v1.FaultService(a, insecure),
        );
        try {
          const { response } = await unaryCall<GetFaultResponse__Output>(
            (md, callOptions, callback) => client.getFault({}, md, callOptions, callback),
            options(),
          );
          const fault = validateFault(fromFaultMessage(response.fault));
          return { replica: response.replica || address, fault, description: describeFault(fault) };
        } catch (error) {
          return { replica: address, description: 'unknown', error: messageOf(error) };
        }
      }),
    );
  }

  /** The defenses on every aggregator replica. */
  async defenses(): Promise<ReplicaDefenses[]> {
    const addresses = await resolveAddresses(this.#targets.aggregator);
    const options = await this.#readOptions();
    return Promise.all(
      addresses.map(async (address): Promise<ReplicaDefenses> => {
        const client = this.#defenseClient(address);
        try {
          const { response } = await unaryCall<GetDefensesResponse__Output>(
            (md, callOptions, callback) => client.getDefenses({}, md, callOptions, callback),
            options(),
          );
          return {
            replica: response.replica || address,
            defenses: response.defenses ? fromDefensesMessage(response.defenses) : undefined,
          };
        } catch (error) {
          return { replica: address, error: messageOf(error) };
        }
      }),
    );
  }

  /** SetFault through one recommendation replica (it forwards to the rest); the first that answers. */
  async setFault(fault: Fault, authorization: string): Promise<string[]> {
    return this.#throughAny(this.#targets.recommendation, async (address) => {
      const client = clientFor(
        this.#faultClients,
        address,
        (a) => new this.#protos.demo.fault.v1.FaultService(a, insecure),
      );
      const { response } = await unaryCall<SetFaultResponse__Output>(
        (md, options, callback) => client.setFault({ fault: toFaultMessage(fault) }, md, options, callback),
        changeOptions(authorization),
      );
      return response.appliedTo;
    });
  }

  /** SetDefenses through one aggregator replica (it forwards to the rest). */
  async setDefenses(defenses: DefenseSwitches, authorization: string): Promise<string[]> {
    return this.#throughAny(this.#targets.aggregator, async (address) => {
      const client = this.#defenseClient(address);
      const { response } = await unaryCall<SetDefensesResponse__Output>(
        (md, options, callback) => client.setDefenses({ defenses }, md, options, callback),
        changeOptions(authorization),
      );
      return response.appliedTo;
    });
  }

  close(): void {
    for (const client of [...this.#faultClients.values(), ...this.#defenseClients.values()]) client.close();
  }

  #defenseClient(address: string): DefenseServiceClient {
    return clientFor(
      this.#defenseClients,
      address,
      (a) => new this.#protos.demo.aggregator.v1.DefenseService(a, insecure),
    );
  }

  async #readOptions() {
    const token = await this.readToken();
    return () => {
      const metadata = new grpc.Metadata();
      metadata.set('authorization', `Bearer ${token}`);
      return { metadata, deadline: new Date(Date.now() + callTimeoutMs) };
    };
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
        if (code !== grpc.status.UNAVAILABLE && code !== grpc.status.DEADLINE_EXCEEDED) throw error;
      }
    }
    throw lastError;
  }
}

const insecure = grpc.credentials.createInsecure();

function clientFor<Client>(clients: Map<string, Client>, address: string, make: (address: string) => Client): Client {
  let client = clients.get(address);
  if (!client) {
    client = make(address);
    clients.set(address, client);
  }
  return client;
}

function changeOptions(authorization: string) {
  const metadata = new grpc.Metadata();
  metadata.set('authorization', authorization);
  // A change waits for every replica's confirmation, up to about a second.
  return { metadata, deadline: new Date(Date.now() + 3000) };
}

export function messageOf(error: unknown): string {
  const details = (error as { details?: unknown } | null)?.details;
  if (typeof details === 'string' && details !== '') return details;
  return error instanceof Error ? error.message : String(error);
}
