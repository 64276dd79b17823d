/**
 * The telemetry preload: `node --import=<this file> services/<name>/dist/src/main.js`.
 * It runs before any service code: it registers the ESM loader hook that
 * lets instrumentations patch modules that ESM code imports, then starts the
 * OpenTelemetry SDK (sdk.ts) before @grpc/grpc-js or ioredis is loaded.
 * Business code never touches the SDK; it sees only @opentelemetry/api.
 */
import { register } from 'node:module';
import { createAddHookMessageChannel } from 'import-in-the-middle';

// Switched off, the SDK costs nothing: not even the loader hook.
if (process.env['OTEL_SDK_DISABLED']?.toLowerCase() !== 'true') {
  // The channel tells the loader which modules instrumentations hook, so only
  // those are wrapped rather than every module the service imports.
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
  // module.registerHooks() (synchronous) replaces register(), but its loader
  // hook cannot run CommonJS required from ESM before Node 24.11.1; the
  // asynchronous hooks work on every Node 24.
  // eslint-disable-next-line @typescript-eslint/no-deprecated
  register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);

  const { startTelemetry } = await import('./sdk.js');
  await startTelemetry();
  await waitForAllMessagesAcknowledged();
}
