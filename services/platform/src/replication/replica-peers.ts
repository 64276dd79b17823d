import { resolve4 } from 'node:dns/promises';

/**
 * The other replicas of this service, found the way the cluster exposes
 * them: the A records of a headless Service (`dns:///name:port`), or a
 * fixed `ipv4:a:port,b:port` list locally. Looked up on every use, so pods
 * that come and go are followed.
 */
export interface ReplicaPeers {
  /** host:port of every other replica. */
  addresses(): Promise<string[]>;
  /** Whether a caller's address (ip:port, as grpc-js reports it) is one of the replicas. */
  includesHost(callerAddress: string): Promise<boolean>;
}

export function replicaPeers(
  target: string | undefined,
  /** This replica, to leave out of the list: the hosts it answers on (its listen host, its pod IP) and its port. */
  self: { hosts: (string | undefined)[]; port: () => number },
): ReplicaPeers {
  const all = async () => (target === undefined ? [] : resolveAddresses(target));
  return {
    async addresses() {
      const own = new Set(self.hosts.flatMap((host) => (host ? [`${host}:${self.port()}`] : [])));
      return (await all()).filter((address) => !own.has(address));
    },
    async includesHost(callerAddress) {
      const host = hostOf(callerAddress);
      return (await all()).some((address) => hostOf(address) === host);
    },
  };
}

/** "10.0.0.7" from "10.0.0.7:50051", "[::ffff:10.0.0.7]:41234" or "::ffff:10.0.0.7". */
export function hostOf(address: string): string {
  const bracketed = /^\[(.*)\](?::\d+)?$/.exec(address);
  let host = bracketed ? (bracketed[1] ?? '') : address;
  if (!bracketed && host.split(':').length === 2) host = host.slice(0, host.lastIndexOf(':'));
  return host.startsWith('::ffff:') ? host.slice('::ffff:'.length) : host;
}

/** Every host:port a target names now: the A records of `dns:///name:port`, or the `ipv4:` list as it is. */
export async function resolveAddresses(target: string): Promise<string[]> {
  if (target.startsWith('ipv4:')) return target.slice('ipv4:'.length).split(',');
  const hostPort = target.startsWith('dns:///') ? target.slice('dns:///'.length) : target;
  const separator = hostPort.lastIndexOf(':');
  const host = hostPort.slice(0, separator);
  const port = hostPort.slice(separator + 1);
  try {
    return (await resolve4(host)).map((ip) => `${ip}:${port}`);
  } catch {
    // No peer is resolvable (none ready yet, or DNS is down): this replica is alone for now.
    return [];
  }
}
