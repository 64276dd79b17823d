import * as grpc from '@grpc/grpc-js';
import { authorizationHeader, bearerHeader } from '../auth.js';
import type { UnaryCallOptions } from '../client.js';
import { loadProtos, type LoadedProtos } from '../protos.js';
import type { Version } from '../replication/replicated-state.js';
import { timestampToMs } from '../replication/replicator.js';

/**
 * The token a client sends: a fixed one, or a function for one that is
 * renewed before it expires (the console's own token).
 */
export type TokenSource = string | (() => string | Promise<string>);

/** What every typed client is made with, beside its target. */
export interface ServiceClientOptions {
  /** Sent as `authorization: Bearer <token>` on every call; none when absent. */
  token?: TokenSource;
  /** Each call's deadline, from when it starts, unless the call names its own. */
  deadlineMs?: number;
  /** The generated service constructors; loaded here when not given (a program that has them passes them). */
  protos?: LoadedProtos;
}

/** What one call may change. */
export interface ServiceCallOptions {
  deadlineMs?: number;
  /** This call's token instead of the client's: a change made with the token of the person who asked. */
  token?: string;
  /** Cancels the call: its caller went away. */
  signal?: AbortSignal;
  /** More headers: a traceparent, or a test's deliberately malformed authorization. */
  headers?: Record<string, string>;
}

/** Metadata carrying `authorization: Bearer <token>`: the one place a bearer header is built for gRPC. */
export function bearerMetadata(token: string | undefined, headers: Record<string, string> = {}): grpc.Metadata {
  const metadata = new grpc.Metadata();
  if (token !== undefined) metadata.set(authorizationHeader, bearerHeader(token));
  for (const [name, value] of Object.entries(headers)) metadata.set(name, value);
  return metadata;
}

/**
 * Makes the options unaryCall takes for one call: from the client's token
 * and deadline (callOptionsFor), or as the caller made them (a replica's
 * forward: `() => peerCall`).
 */
export type CallOptionsMaker = (call?: ServiceCallOptions) => UnaryCallOptions | Promise<UnaryCallOptions>;

/** Turns a client's options and one call's into the options unaryCall takes. */
export function callOptionsFor(client: ServiceClientOptions, defaultDeadlineMs: number): CallOptionsMaker {
  return async (call = {}) => {
    const token = call.token ?? (typeof client.token === 'function' ? await client.token() : client.token);
    return {
      deadline: new Date(Date.now() + (call.deadlineMs ?? client.deadlineMs ?? defaultDeadlineMs)),
      metadata: bearerMetadata(token, call.headers),
      ...(call.signal ? { signal: call.signal } : {}),
    };
  };
}

/** The generated constructors a typed client needs. */
export function protosOf(options: ServiceClientOptions): LoadedProtos['demo'] {
  return (options.protos ?? loadProtos()).demo;
}

/** A failed call's status by name (UNAVAILABLE), or CLIENT when it failed before it had one. */
export function statusNameOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? (grpc.status[code] ?? String(code)) : 'CLIENT';
}

/** What GetFault and GetDefenses tell besides the value: the replica that answered, and the value's version. */
export interface Reading {
  replica: string;
  /** When and where the value in force was first set. */
  version: Version;
}

export function readingOf(response: {
  replica: string;
  updateTime: { seconds: string; nanos: number } | null;
  updateOrigin: string;
}): Reading {
  return {
    replica: response.replica,
    version: { atMs: timestampToMs(response.updateTime), origin: response.updateOrigin },
  };
}
