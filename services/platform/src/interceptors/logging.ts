import { status, type StatusObject } from '@grpc/grpc-js';
import type { Logger } from '../logger.js';
import { isInfrastructure, methodInfo } from './method.js';
import { statusName } from './status-names.js';

/** Codes that mean the server failed, as opposed to the caller asking for something wrong. */
const serverFaultCodes = new Set([status.UNKNOWN, status.INTERNAL, status.UNIMPLEMENTED, status.DATA_LOSS]);

type Definition = Parameters<typeof methodInfo>[0];

/** Writes one finished call's line. */
export type CallLogLine = (
  callStatus: Pick<StatusObject, 'code' | 'details'>,
  durationMs: number,
  peer: string,
) => void;

/**
 * The access log: one JSON line per finished call, with its method, code,
 * duration and peer (and the trace, from the logger's mixin). Each method
 * gets a child logger once, so its method and type are serialised once, not
 * on every line. Server faults are errors; health and reflection are debug.
 */
export function callLog(logger: Logger): (definition: Definition) => CallLogLine {
  const byPath = new Map<string, CallLogLine>();
  return (definition) => {
    let log = byPath.get(definition.path);
    if (log === undefined) {
      const { path, type } = methodInfo(definition);
      const methodLogger = logger.child({ method: path, grpc_type: type });
      const infrastructure = isInfrastructure(path);
      log = (callStatus, durationMs, peer) => {
        const line: Record<string, unknown> = {
          code: statusName(callStatus.code),
          duration_ms: Math.round(durationMs * 100) / 100,
          peer,
        };
        if (callStatus.code !== status.OK) line['details'] = callStatus.details;
        if (infrastructure) methodLogger.debug(line, 'call finished');
        else if (serverFaultCodes.has(callStatus.code)) methodLogger.error(line, 'call failed');
        else methodLogger.info(line, 'call finished');
      };
      byPath.set(definition.path, log);
    }
    return log;
  };
}
