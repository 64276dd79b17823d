import { status } from '@grpc/grpc-js';

/** SCREAMING_SNAKE names for logs, as grpcurl and the gRPC docs print them. */
export function statusName(code: status): string {
  return code in status ? status[code] : `CODE_${code}`;
}

/**
 * go-grpc-prometheus spells codes as Go's codes.Code.String() does
 * ("OK", "Canceled", "DeadlineExceeded"); dashboards built for it match on these.
 */
const goCodeNames = [
  'OK',
  'Canceled',
  'Unknown',
  'InvalidArgument',
  'DeadlineExceeded',
  'NotFound',
  'AlreadyExists',
  'PermissionDenied',
  'ResourceExhausted',
  'FailedPrecondition',
  'Aborted',
  'OutOfRange',
  'Unimplemented',
  'Internal',
  'Unavailable',
  'DataLoss',
  'Unauthenticated',
];

export function goCodeName(code: status): string {
  return goCodeNames[code] ?? `Code(${code})`;
}
