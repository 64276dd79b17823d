import type { Logger } from './logger.js';
import { flushTelemetry } from './telemetry/flush.js';

/**
 * Runs `stop` once on the first SIGTERM or SIGINT, exports the spans of
 * every finished call, then exits: 0 when it finished, 1 when it failed. A
 * second signal exits at once.
 */
export function onShutdownSignal(logger: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutdown requested');
    stop().then(
      () => flushTelemetry().finally(() => process.exit(0)),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handle);
  process.on('SIGINT', handle);
}
