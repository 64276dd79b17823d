import * as grpc from '@grpc/grpc-js';
import { createClient, loadProtos, unaryCall } from '@demo/platform';
import type { GetUserHomeResponse__Output } from '@demo/platform/generated/demo/aggregator/v1/GetUserHomeResponse.js';
import type { Result } from './open-loop.js';

/**
 * Calls GetUserHome the way a front end would: a bearer token, a deadline,
 * user ids taken in turn. Each outcome is ok, degraded, or error:<CODE>.
 */
export function userHomeCaller(options: { target: string; token: string; userIds: string[]; deadlineMs: number }) {
  const protos = loadProtos();
  const client = createClient(protos.demo.aggregator.v1.AggregatorService, options.target);
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${options.token}`);
  let next = 0;
  return {
    async send(): Promise<Result> {
      const userId = options.userIds[next++ % options.userIds.length] ?? '1';
      try {
        const { response } = await unaryCall<GetUserHomeResponse__Output>(
          (md, callOptions, callback) => client.getUserHome({ userId }, md, callOptions, callback),
          { deadline: new Date(Date.now() + options.deadlineMs), metadata },
        );
        return {
          outcome: response.degraded ? 'degraded' : 'ok',
          replica: response.servedBy['recommendation'],
          reason: response.degradations[0]?.reason,
        };
      } catch (error) {
        const code = (error as { code?: number }).code;
        return { outcome: `error:${code === undefined ? 'CLIENT' : (grpc.status[code] ?? String(code))}` };
      }
    },
    close: () => client.close(),
  };
}
