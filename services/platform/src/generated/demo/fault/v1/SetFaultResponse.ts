// Original file: proto/demo/fault/v1/fault_service.proto

import type { Fault as _demo_fault_v1_Fault, Fault__Output as _demo_fault_v1_Fault__Output } from '../../../demo/fault/v1/Fault.js';

export interface SetFaultResponse {
  'fault'?: (_demo_fault_v1_Fault | null);
  'appliedTo'?: (string)[];
}

export interface SetFaultResponse__Output {
  'fault': (_demo_fault_v1_Fault__Output | null);
  'appliedTo': (string)[];
}
