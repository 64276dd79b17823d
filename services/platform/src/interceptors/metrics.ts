import type { status } from '@grpc/grpc-js';
import type { CounterSlot, GrpcClientMetrics, GrpcServerMetrics } from '../metrics.js';
import { methodInfo, type MethodInfo } from './method.js';
import { goCodeName } from './status-names.js';

type Definition = Parameters<typeof methodInfo>[0];

/**
 * go-grpc-prometheus's series (started, handled by code, latency, messages
 * each way) for one method, server or client side. The label objects are
 * made once per method rather than once per call, and the counters are
 * plain numbers on the hot path (SlottedCounter): on a call that costs tens
 * of microseconds, every object made and every label set hashed for it
 * shows in the CPU profile.
 */
export class MethodMetrics {
  readonly info: MethodInfo;
  readonly #metrics: GrpcServerMetrics | GrpcClientMetrics;
  readonly #labels: { grpc_type: string; grpc_service: string; grpc_method: string };
  readonly #started: CounterSlot;
  readonly #received: CounterSlot;
  readonly #sent: CounterSlot;
  /** By status code, made on the code's first use. */
  readonly #handled: (CounterSlot | undefined)[] = [];

  constructor(metrics: GrpcServerMetrics | GrpcClientMetrics, definition: Definition) {
    this.#metrics = metrics;
    this.info = methodInfo(definition);
    this.#labels = { grpc_type: this.info.type, grpc_service: this.info.service, grpc_method: this.info.method };
    this.#started = metrics.started.slot(this.#labels);
    this.#received = metrics.received.slot(this.#labels);
    this.#sent = metrics.sent.slot(this.#labels);
  }

  started(): void {
    this.#started.count += 1;
  }

  received(): void {
    this.#received.count += 1;
  }

  sent(): void {
    this.#sent.count += 1;
  }

  /** The call is over: its code and how long it took; the exemplar names its trace, when it has one. */
  finished(code: status, seconds: number, exemplarLabels: Record<string, string> | undefined): void {
    // The histogram keeps exemplars, so it takes the object form either way.
    const histogram = this.#metrics.handlingSeconds;
    if (exemplarLabels) histogram.observe({ labels: this.#labels, value: seconds, exemplarLabels });
    else histogram.observe({ labels: this.#labels, value: seconds });
    const slot = (this.#handled[code] ??= this.#metrics.handled.slot({ ...this.#labels, grpc_code: goCodeName(code) }));
    slot.count += 1;
  }
}

/** The MethodMetrics of each method, made on its first call. */
export function methodMetrics(
  metrics: GrpcServerMetrics | GrpcClientMetrics,
): (definition: Definition) => MethodMetrics {
  const byPath = new Map<string, MethodMetrics>();
  return (definition) => {
    let recorder = byPath.get(definition.path);
    if (recorder === undefined) {
      recorder = new MethodMetrics(metrics, definition);
      byPath.set(definition.path, recorder);
    }
    return recorder;
  };
}
