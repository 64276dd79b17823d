// Original file: proto/demo/fault/v1/fault_service.proto

import type { Fault as _demo_fault_v1_Fault, Fault__Output as _demo_fault_v1_Fault__Output } from '../../../demo/fault/v1/Fault.js';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../../google/protobuf/Timestamp.js';

export interface GetFaultResponse {
  'fault'?: (_demo_fault_v1_Fault | null);
  'replica'?: (string);
  'updateTime'?: (_google_protobuf_Timestamp | null);
  'updateOrigin'?: (string);
}

export interface GetFaultResponse__Output {
  'fault': (_demo_fault_v1_Fault__Output | null);
  'replica': (string);
  'updateTime': (_google_protobuf_Timestamp__Output | null);
  'updateOrigin': (string);
}
