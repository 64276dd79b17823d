import { resolve4 } from 'node:dns/promises';

/**
 * The other replicas of this service, found the way the cluster exposes
 * them: the A records of a headless Service (`dns:///name:port`), or a
 * fixed `ipv4:a:port,b:port` list locally. Looked up on every use, so pods
 * that come and go are followed.
 */
export interface FaultPeers {
  addresses(): Promise<string[]>;
}

export function faultPeers(target: string | undefined, self: () => string[]): FaultPeers {
  return {
    async addresses() {
      if (target === undefined) return [];
      const own = new Set(self());
      const all = await resolveTarget(target);
      return all.filter((address) => !own.has(address));
    },
  };
}

async function resolveTarget(target: string): Promise<string[]> {
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
