import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { loadProtos, unaryCall } from '@demo/platform';
import type { GetUserHomeResponse__Output } from '@demo/platform/generated/demo/aggregator/v1/GetUserHomeResponse.js';
import type { Result } from '../load/open-loop.js';

/** Sends one unary call for the open-loop generator; resolves with its outcome, never rejects. */
export interface Caller {
  send(): Promise<Result>;
  close(): void;
}

type Callback<Response> = (error: grpc.ServiceError | null, response?: Response) => void;

function caller<Response>(
  client: grpc.Client,
  start: (metadata: grpc.Metadata, options: grpc.CallOptions, callback: Callback<Response>) => grpc.ClientUnaryCall,
  options: { metadata?: grpc.Metadata; deadlineMs: number; degraded?: (response: Response) => boolean },
): Caller {
  return {
    async send() {
      try {
        const { response } = await unaryCall<Response>(start, {
          deadline: new Date(Date.now() + options.deadlineMs),
          ...(options.metadata ? { metadata: options.metadata } : {}),
        });
        return { outcome: options.degraded?.(response) === true ? 'degraded' : 'ok' };
      } catch (error) {
        const code = (error as { code?: number }).code;
        return { outcome: `error:${code === undefined ? 'CLIENT' : (grpc.status[code] ?? String(code))}` };
      }
    },
    close: () => client.close(),
  };
}

interface EchoClient extends grpc.Client {
  echo(
    request: { message: string },
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: Callback<{ message: string }>,
  ): grpc.ClientUnaryCall;
}

const { EchoService } = (
  grpc.loadPackageDefinition(
    protoLoader.loadSync(fileURLToPath(new URL('../../../bench/echo.proto', import.meta.url))),
  ) as unknown as {
    bench: { echo: { v1: { EchoService: new (address: string, credentials: grpc.ChannelCredentials) => EchoClient } } };
  }
).bench.echo.v1;

export function echoCaller(address: string, deadlineMs: number): Caller {
  const client = new EchoService(address, grpc.credentials.createInsecure());
  return caller(client, (md, options, callback) => client.echo({ message: 'hello' }, md, options, callback), {
    deadlineMs,
  });
}

export function getUserCaller(address: string, userId: string, deadlineMs: number): Caller {
  const client = new (loadProtos().demo.user.v1.UserService)(address, grpc.credentials.createInsecure());
  return caller(client, (md, options, callback) => client.getUser({ id: userId }, md, options, callback), {
    deadlineMs,
  });
}

export function getUserHomeCaller(address: string, userId: string, token: string, deadlineMs: number): Caller {
  const client = new (loadProtos().demo.aggregator.v1.AggregatorService)(address, grpc.credentials.createInsecure());
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  return caller<GetUserHomeResponse__Output>(
    client,
    (md, options, callback) => client.getUserHome({ userId }, md, options, callback),
    { metadata, deadlineMs, degraded: (response) => response.degraded },
  );
}
