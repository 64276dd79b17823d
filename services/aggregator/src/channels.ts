import type { Client } from '@grpc/grpc-js';

/**
 * Waits until each client's channel is connected (grpc-js Client.waitForReady,
 * which also starts the connecting), for at most `timeoutMs`; resolves with
 * how many were still not connected then. 0 waits for nothing.
 */
export async function untilConnected(clients: readonly Client[], timeoutMs: number): Promise<number> {
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
