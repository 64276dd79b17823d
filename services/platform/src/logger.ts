import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs on stdout, one object per line, with the service and replica on every line. */
export function createLogger(options: { service: string; replica: string; level: string }): Logger {
  return pino({
    level: options.level,
    base: { service: options.service, replica: options.replica },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}
