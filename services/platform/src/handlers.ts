import { once } from 'node:events';
import {
  Metadata,
  status,
  type handleBidiStreamingCall,
  type handleClientStreamingCall,
  type handleServerStreamingCall,
  type handleUnaryCall,
  type ServerDuplexStream,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServerWritableStream,
} from '@grpc/grpc-js';
import type { Logger } from './logger.js';
import { toStatus } from './errors.js';
import { cancellationStatus } from './interceptors/cancellation.js';
import { attachActiveSpan } from './telemetry/call-trace.js';

/** The part every kind of server call shares. */
interface SurfaceCall {
  readonly metadata: Metadata;
  getDeadline(): Date | number;
  getPath(): string;
  getPeer(): string;
  on(event: 'cancelled', listener: () => void): unknown;
}

/** What a handler gets besides the request: cancellation and the caller's deadline. */
export interface CallContext {
  /**
   * Aborted when the caller cancels (reason: an AbortError) or its deadline
   * passes (a TimeoutError); the call then ends CANCELLED or
   * DEADLINE_EXCEEDED, whatever the handler throws.
   */
  signal: AbortSignal;
  /** The caller's deadline, or undefined when it set none. */
  deadline: Date | undefined;
  /**
   * Aborted when the server starts draining. Streams that would otherwise run
   * forever (a watch) end on it, so a graceful shutdown need not wait for them.
   */
  draining: AbortSignal;
  metadata: Metadata;
  /** The caller's address, ip:port as grpc-js reports it. */
  peer: string;
  log: Logger;
}

/**
 * Sends one message on a stream and resolves once it is written, respecting
 * backpressure. A wait for a slow client ends (rejecting with an AbortError)
 * when the call is cancelled or when `options.signal` aborts.
 */
export type Send<Response> = (message: Response, options?: { signal?: AbortSignal }) => Promise<void>;

/**
 * Adapts async functions to grpc-js handlers. This is the recovery layer:
 * grpc-js handlers are callbacks, so a rejected promise in one would crash
 * the process (unhandled rejection) or leave the call hanging. Here every
 * failure becomes a status: domain errors their own code, anything else
 * INTERNAL with the stack logged.
 */
export function rpcHandlers(logger: Logger, draining: AbortSignal) {
  /**
   * The handler's context, and `settle`, to call once the answer is out:
   * grpc-js reports every call as cancelled once it is over, and only a
   * cancellation before that should abort the handler's work.
   */
  // One child logger per method, made on its first call, not one per call.
  const loggers = new Map<string, Logger>();
  const loggerOf = (path: string) => {
    let log = loggers.get(path);
    if (log === undefined) {
      log = logger.child({ method: path });
      loggers.set(path, log);
    }
    return log;
  };

  function contextOf(call: SurfaceCall): { ctx: CallContext; settle: () => void } {
    // The instrumentation's server span is active now; it takes what the interceptors recorded.
    attachActiveSpan(call.metadata);
    const controller = new AbortController();
    const startedAt = Date.now();
    let settled = false;
    const deadline = call.getDeadline();
    call.on('cancelled', () => {
      if (settled) return;
      const { code } = cancellationStatus({ deadline, startedAt });
      controller.abort(
        code === status.DEADLINE_EXCEEDED
          ? new DOMException('deadline exceeded', 'TimeoutError')
          : new DOMException('call cancelled', 'AbortError'),
      );
    });
    const deadlineDate =
      deadline instanceof Date ? deadline : Number.isFinite(deadline) ? new Date(deadline) : undefined;
    return {
      ctx: {
        signal: controller.signal,
        deadline: deadlineDate,
        draining,
        metadata: call.metadata,
        peer: call.getPeer(),
        log: loggerOf(call.getPath()),
      },
      settle: () => (settled = true),
    };
  }

  function failure(error: unknown, ctx: CallContext) {
    const { code, details, expected } = toStatus(error);
    if (!expected) ctx.log.error({ err: error }, 'handler failed; answering INTERNAL');
    return Object.assign(new Error(details), { code, details, metadata: new Metadata() });
  }

  function sender<Response>(
    call: ServerWritableStream<unknown, Response> | ServerDuplexStream<unknown, Response>,
    signal: AbortSignal,
  ) {
    // A cancelled call never drains: the signal ends the wait (rejecting with
    // an AbortError). Nothing is attached per message unless the write waits.
    return async (message: Response, options?: { signal?: AbortSignal }) => {
      if (call.write(message)) return;
      await once(call, 'drain', { signal: options?.signal ? AbortSignal.any([signal, options.signal]) : signal });
    };
  }

  /**
   * Runs a handler to its answer: `ok` with what it resolved to, `fail` with
   * the status its rejection maps to.
   */
  function answer<T>(
    call: SurfaceCall,
    run: (ctx: CallContext) => Promise<T>,
    ok: (value: T) => void,
    fail: (status: ReturnType<typeof failure>) => void,
  ): void {
    const { ctx, settle } = contextOf(call);
    run(ctx).then(
      (value) => {
        settle();
        ok(value);
      },
      (error: unknown) => {
        settle();
        // A cancelled call ends as its cancellation did, whatever the handler threw on the way out.
        fail(failure(ctx.signal.aborted ? ctx.signal.reason : error, ctx));
      },
    );
  }

  // Without destroyOnReturn: false, iterating a call's requests destroys the
  // call when the client half-closes, before the handler has answered.
  const requestsOf = <Request>(call: ServerReadableStream<Request, unknown> | ServerDuplexStream<Request, unknown>) =>
    call.iterator({ destroyOnReturn: false }) as AsyncIterable<Request>;

  return {
    unary<Request, Response>(
      handler: (request: Request, ctx: CallContext) => Promise<Response>,
    ): handleUnaryCall<Request, Response> {
      return (call: ServerUnaryCall<Request, Response>, callback) =>
        answer(
          call,
          (ctx) => handler(call.request, ctx),
          (response) => callback(null, response),
          (status) => callback(status),
        );
    },

    serverStream<Request, Response>(
      handler: (request: Request, send: Send<Response>, ctx: CallContext) => Promise<void>,
    ): handleServerStreamingCall<Request, Response> {
      return (call: ServerWritableStream<Request, Response>) =>
        answer(
          call,
          (ctx) => handler(call.request, sender(call, ctx.signal), ctx),
          () => call.end(),
          (status) => call.emit('error', status),
        );
    },

    clientStream<Request, Response>(
      handler: (requests: AsyncIterable<Request>, ctx: CallContext) => Promise<Response>,
    ): handleClientStreamingCall<Request, Response> {
      return (call: ServerReadableStream<Request, Response>, callback) =>
        answer(
          call,
          (ctx) => handler(requestsOf(call), ctx),
          (response) => callback(null, response),
          (status) => callback(status),
        );
    },

    bidiStream<Request, Response>(
      handler: (requests: AsyncIterable<Request>, send: Send<Response>, ctx: CallContext) => Promise<void>,
    ): handleBidiStreamingCall<Request, Response> {
      return (call: ServerDuplexStream<Request, Response>) =>
        answer(
          call,
          (ctx) => handler(requestsOf(call), sender(call, ctx.signal), ctx),
          () => call.end(),
          (status) => call.emit('error', status),
        );
    },
  };
}

export type RpcHandlers = ReturnType<typeof rpcHandlers>;

/**
 * `source` until `signal` aborts: a stream of requests that would otherwise
 * wait for the client (a bidirectional stream) ends at once. The listener is
 * removed however the loop ends.
 */
export async function* untilAborted<T>(source: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
  if (signal.aborted) return;
  const iterator = source[Symbol.asyncIterator]();
  const { promise: aborted, resolve } = Promise.withResolvers<IteratorReturnResult<undefined>>();
  const stop = () => resolve({ done: true, value: undefined });
  signal.addEventListener('abort', stop, { once: true });
  try {
    for (;;) {
      const next = await Promise.race([iterator.next(), aborted]);
      if (next.done === true) return;
      yield next.value;
    }
  } finally {
    signal.removeEventListener('abort', stop);
    // Not awaited: a read still pending on the call must not hold the handler.
    void iterator.return?.();
  }
}
