import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { ClearFaultRequest as _demo_fault_v1_ClearFaultRequest, ClearFaultRequest__Output as _demo_fault_v1_ClearFaultRequest__Output } from './demo/fault/v1/ClearFaultRequest.js';
import type { ClearFaultResponse as _demo_fault_v1_ClearFaultResponse, ClearFaultResponse__Output as _demo_fault_v1_ClearFaultResponse__Output } from './demo/fault/v1/ClearFaultResponse.js';
import type { Fault as _demo_fault_v1_Fault, Fault__Output as _demo_fault_v1_Fault__Output } from './demo/fault/v1/Fault.js';
import type { FaultAbort as _demo_fault_v1_FaultAbort, FaultAbort__Output as _demo_fault_v1_FaultAbort__Output } from './demo/fault/v1/FaultAbort.js';
import type { FaultDelay as _demo_fault_v1_FaultDelay, FaultDelay__Output as _demo_fault_v1_FaultDelay__Output } from './demo/fault/v1/FaultDelay.js';
import type { FaultServiceClient as _demo_fault_v1_FaultServiceClient, FaultServiceDefinition as _demo_fault_v1_FaultServiceDefinition } from './demo/fault/v1/FaultService.js';
import type { GetFaultRequest as _demo_fault_v1_GetFaultRequest, GetFaultRequest__Output as _demo_fault_v1_GetFaultRequest__Output } from './demo/fault/v1/GetFaultRequest.js';
import type { GetFaultResponse as _demo_fault_v1_GetFaultResponse, GetFaultResponse__Output as _demo_fault_v1_GetFaultResponse__Output } from './demo/fault/v1/GetFaultResponse.js';
import type { SetFaultRequest as _demo_fault_v1_SetFaultRequest, SetFaultRequest__Output as _demo_fault_v1_SetFaultRequest__Output } from './demo/fault/v1/SetFaultRequest.js';
import type { SetFaultResponse as _demo_fault_v1_SetFaultResponse, SetFaultResponse__Output as _demo_fault_v1_SetFaultResponse__Output } from './demo/fault/v1/SetFaultResponse.js';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from './google/protobuf/Timestamp.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  demo: {
    fault: {
      v1: {
        ClearFaultRequest: MessageTypeDefinition<_demo_fault_v1_ClearFaultRequest, _demo_fault_v1_ClearFaultRequest__Output>
        ClearFaultResponse: MessageTypeDefinition<_demo_fault_v1_ClearFaultResponse, _demo_fault_v1_ClearFaultResponse__Output>
        Fault: MessageTypeDefinition<_demo_fault_v1_Fault, _demo_fault_v1_Fault__Output>
        FaultAbort: MessageTypeDefinition<_demo_fault_v1_FaultAbort, _demo_fault_v1_FaultAbort__Output>
        FaultDelay: MessageTypeDefinition<_demo_fault_v1_FaultDelay, _demo_fault_v1_FaultDelay__Output>
        FaultService: SubtypeConstructor<typeof grpc.Client, _demo_fault_v1_FaultServiceClient> & { service: _demo_fault_v1_FaultServiceDefinition }
        GetFaultRequest: MessageTypeDefinition<_demo_fault_v1_GetFaultRequest, _demo_fault_v1_GetFaultRequest__Output>
        GetFaultResponse: MessageTypeDefinition<_demo_fault_v1_GetFaultResponse, _demo_fault_v1_GetFaultResponse__Output>
        SetFaultRequest: MessageTypeDefinition<_demo_fault_v1_SetFaultRequest, _demo_fault_v1_SetFaultRequest__Output>
        SetFaultResponse: MessageTypeDefinition<_demo_fault_v1_SetFaultResponse, _demo_fault_v1_SetFaultResponse__Output>
      }
    }
  }
  google: {
    protobuf: {
      Timestamp: MessageTypeDefinition<_google_protobuf_Timestamp, _google_protobuf_Timestamp__Output>
    }
  }
}

