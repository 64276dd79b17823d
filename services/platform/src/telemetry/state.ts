/**
 * Whether this process started the OpenTelemetry SDK (the telemetry
 * preload, sdk.ts). Without it every span is a no-op, so a server built
 * then does no trace bookkeeping for its calls at all. A module of its own,
 * so that asking costs no import of the SDK.
 */
let started = false;

export function markTracingStarted(): void {
  started = true;
}

export function tracingActive(): boolean {
  return started;
}
