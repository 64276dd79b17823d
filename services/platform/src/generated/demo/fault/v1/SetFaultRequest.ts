// Original file: proto/demo/fault/v1/fault_service.proto

import type { Fault as _demo_fault_v1_Fault, Fault__Output as _demo_fault_v1_Fault__Output } from '../../../demo/fault/v1/Fault.js';

export interface SetFaultRequest {
  'fault'?: (_demo_fault_v1_Fault | null);
}

export interface SetFaultRequest__Output {
  'fault': (_demo_fault_v1_Fault__Output | null);
}
