import { status } from '@grpc/grpc-js';
import { InvalidArgumentError } from '../errors.js';
import type { Fault as FaultMessage, Fault__Output } from '../generated/demo/fault/v1/Fault.js';

/**
 * A fault to inject, per call: a delay for some percentage of calls and an
 * abort (a chosen status) for some percentage, drawn independently, as Envoy
 * and gRPC xDS fault injection draw them. A delay of hours is a hang.
 */
export interface Fault {
  delay?: { delayMs: number; percentage: number };
  /** grpcCode is a gRPC status code, 1 to 16. */
  abort?: { grpcCode: number; percentage: number };
}

export const noFault: Fault = {};

/** What one call gets: how long to wait first, then whether to fail. */
export interface FaultDecision {
  delayMs: number;
  abortCode: number | undefined;
}

export const maxDelayMs = 2 ** 32 - 1;

/** Checks a fault as received; throws InvalidArgumentError naming the bad field. */
export function validateFault(input: {
  delay?: { delayMs: number; percentage: number } | null;
  abort?: { grpcCode: number; percentage: number } | null;
}): Fault {
  const fault: Fault = {};
  if (input.delay) {
    const { delayMs, percentage } = input.delay;
    checkPercentage('fault.delay.percentage', percentage);
    if (!Number.isInteger(delayMs) || delayMs < 0 || delayMs > maxDelayMs) {
      throw new InvalidArgumentError(`fault.delay.delay_ms must be an integer from 0 to ${maxDelayMs}`);
    }
    if (delayMs > 0 && percentage > 0) fault.delay = { delayMs, percentage };
  }
  if (input.abort) {
    const { grpcCode, percentage } = input.abort;
    checkPercentage('fault.abort.percentage', percentage);
    if (!Number.isInteger(grpcCode) || grpcCode < 1 || grpcCode > 16) {
      throw new InvalidArgumentError('fault.abort.grpc_code must be a gRPC status code from 1 to 16 (OK is no fault)');
    }
    if (percentage > 0) fault.abort = { grpcCode, percentage };
  }
  return fault;
}

function checkPercentage(field: string, percentage: number): void {
  if (!Number.isFinite(percentage) || percentage < 0 || percentage > 100) {
    throw new InvalidArgumentError(`${field} must be from 0 to 100`);
  }
}

/** A fault as FaultService's message carries it (absent parts as null). */
export function toFaultMessage(fault: Fault): FaultMessage {
  return { delay: fault.delay ?? null, abort: fault.abort ?? null };
}

/** A received message, ready for validateFault. */
export function fromFaultMessage(message: Fault__Output | null): Parameters<typeof validateFault>[0] {
  return { delay: message?.delay ?? null, abort: message?.abort ?? null };
}

/** Draws the delay and the abort independently for one call. */
export function drawFault(fault: Fault, random: () => number = Math.random): FaultDecision {
  const delayMs = fault.delay && random() * 100 < fault.delay.percentage ? fault.delay.delayMs : 0;
  const abortCode = fault.abort && random() * 100 < fault.abort.percentage ? fault.abort.grpcCode : undefined;
  return { delayMs, abortCode };
}

/** "delay 2000 ms on 100% of calls, abort UNAVAILABLE on 50%", for logs and tools. */
export function describeFault(fault: Fault): string {
  const parts = [
    fault.delay && `delay ${fault.delay.delayMs} ms on ${fault.delay.percentage}% of calls`,
    fault.abort && `abort ${status[fault.abort.grpcCode]} on ${fault.abort.percentage}% of calls`,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : 'no fault';
}

/** The grpc-js Status for a checked code number (1 to 16). */
export function statusFromCode(code: number): status {
  const name = status[code] as keyof typeof status | undefined;
  if (name === undefined) throw new RangeError(`${code} is not a gRPC status code`);
  return status[name];
}

/** Accepts a status by name (UNAVAILABLE) or number (14). */
export function parseStatusCode(text: string): number | undefined {
  const upper = text.trim().toUpperCase();
  if (/^\d+$/.test(upper)) return Number(upper);
  const code = (status as unknown as Record<string, number | undefined>)[upper];
  return typeof code === 'number' ? code : undefined;
}
