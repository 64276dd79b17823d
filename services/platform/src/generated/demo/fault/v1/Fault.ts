// Original file: proto/demo/fault/v1/fault_service.proto

import type { FaultDelay as _demo_fault_v1_FaultDelay, FaultDelay__Output as _demo_fault_v1_FaultDelay__Output } from '../../../demo/fault/v1/FaultDelay.js';
import type { FaultAbort as _demo_fault_v1_FaultAbort, FaultAbort__Output as _demo_fault_v1_FaultAbort__Output } from '../../../demo/fault/v1/FaultAbort.js';

export interface Fault {
  'delay'?: (_demo_fault_v1_FaultDelay | null);
  'abort'?: (_demo_fault_v1_FaultAbort | null);
}

export interface Fault__Output {
  'delay': (_demo_fault_v1_FaultDelay__Output | null);
  'abort': (_demo_fault_v1_FaultAbort__Output | null);
}
