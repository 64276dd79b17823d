import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';
import { status, type Metadata, type StatusObject } from '@grpc/grpc-js';

/**
 * What the interceptors learn about one incoming call, for its trace.
 *
 * @opentelemetry/instrumentation-grpc starts a call's server span only when
 * the handler runs, after the interceptors. So interceptors record here what
 * they did (a fault injected, a token refused); when the handler runs, its
 * span takes those events; when it never runs (the call was refused or
 * aborted first), a server span is made here, under the caller's context,
 * so the refusal still shows in the trace.
 */
export class CallTrace {
  readonly path: string;
  readonly started = Date.now();
  readonly #metadata: Metadata;
  #parent: Context | undefined;
  /** Events recorded before any span of the call exists; most calls have none, and no array. */
  #events: { name: string; attributes: Attributes; time: number }[] | undefined;
  #handlerSpan: Span | undefined;
  #unhandledEnd: Context | undefined;

  constructor(path: string, metadata: Metadata) {
    this.path = path;
    this.#metadata = metadata;
  }

  /** The caller's trace context, read from the metadata only when a span here needs it (most calls never do). */
  get parent(): Context {
    this.#parent ??= propagation.extract(ROOT_CONTEXT, this.#metadata, metadataGetter);
    return this.#parent;
  }

  /** Records an event for the call's server span, whichever span that turns out to be. */
  addEvent(name: string, attributes: Attributes = {}): void {
    const event = { name, attributes, time: Date.now() };
    if (this.#handlerSpan) this.#handlerSpan.addEvent(name, attributes, event.time);
    else (this.#events ??= []).push(event);
  }

  /** Called as the handler starts, inside the instrumentation's server span. */
  attachHandlerSpan(span: Span): void {
    this.#handlerSpan = span;
    for (const event of this.#events ?? []) span.addEvent(event.name, event.attributes, event.time);
    this.#events = undefined;
  }

  get handled(): boolean {
    return this.#handlerSpan !== undefined;
  }

  /**
   * The call is over, with `callStatus`; whichever interceptor learns it
   * first says so, and the others get the same answer. Returns the context
   * holding the call's server span, for whatever logs or counts the outcome:
   * the handler's span when the handler ran; otherwise a server span made
   * here, once, from the call's start to now, with the recorded events and
   * the status.
   */
  finish(callStatus: Pick<StatusObject, 'code' | 'details'>): Context {
    if (this.#handlerSpan) return trace.setSpan(context.active(), this.#handlerSpan);
    this.#unhandledEnd ??= this.#endUnhandled(callStatus);
    return this.#unhandledEnd;
  }

  #endUnhandled(callStatus: Pick<StatusObject, 'code' | 'details'>): Context {
    const tracer = trace.getTracer('@demo/platform');
    const [, service = '', method = ''] = this.path.split('/');
    const span = tracer.startSpan(
      `grpc.${this.path.slice(1)}`,
      {
        kind: SpanKind.SERVER,
        startTime: this.started,
        attributes: { 'rpc.system': 'grpc', 'rpc.service': service, 'rpc.method': method },
      },
      this.parent,
    );
    for (const event of this.#events ?? []) span.addEvent(event.name, event.attributes, event.time);
    this.#events = undefined;
    span.setAttribute('rpc.grpc.status_code', callStatus.code);
    if (callStatus.code !== status.OK) span.setStatus({ code: SpanStatusCode.ERROR, message: callStatus.details });
    span.end();
    return trace.setSpan(this.parent, span);
  }

  /** Starts a span under the caller's context, for work done before the handler (a fault's delay). */
  childSpan(name: string, attributes: Attributes): Span {
    return trace.getTracer('@demo/platform').startSpan(name, { attributes }, this.parent);
  }
}

const metadataGetter = {
  get: (carrier: Metadata, key: string) => carrier.get(key).map(String),
  keys: (carrier: Metadata) => Object.keys(carrier.getMap()),
};

/**
 * Each call's CallTrace rides on the call's own Metadata object, under a
 * symbol: the same object travels from the first interceptor to the handler,
 * and the CallTrace goes when the call does. Not a WeakMap keyed by the
 * Metadata: its values refer back to their keys, and V8's young-generation
 * collector kept every such entry alive, so each call's objects outlived the
 * call and waited for a full collection (measured on the user service at
 * 700 calls/s: 590 KB promoted per scavenge against 4 KB, each scavenge
 * three times as long).
 */
const callTraceKey = Symbol('demo.callTrace');

type CarryingMetadata = Metadata & { [callTraceKey]?: CallTrace };

export function beginCallTrace(path: string, metadata: Metadata): CallTrace {
  const callTrace = new CallTrace(path, metadata);
  (metadata as CarryingMetadata)[callTraceKey] = callTrace;
  return callTrace;
}

export function callTraceOf(metadata: Metadata): CallTrace | undefined {
  return (metadata as CarryingMetadata)[callTraceKey];
}

/** Called by the handler adapters as a handler starts. */
export function attachActiveSpan(metadata: Metadata): void {
  const callTrace = callTraceOf(metadata);
  if (callTrace === undefined) return;
  const span = trace.getActiveSpan();
  if (span) callTrace.attachHandlerSpan(span);
}

/** Runs `fn` with `ctx` active, so logs and exemplars inside it carry its trace. */
export function withContext<T>(ctx: Context, fn: () => T): T {
  return context.with(ctx, fn);
}
