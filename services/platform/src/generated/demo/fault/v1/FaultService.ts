// Original file: proto/demo/fault/v1/fault_service.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ClearFaultRequest as _demo_fault_v1_ClearFaultRequest, ClearFaultRequest__Output as _demo_fault_v1_ClearFaultRequest__Output } from '../../../demo/fault/v1/ClearFaultRequest.js';
import type { ClearFaultResponse as _demo_fault_v1_ClearFaultResponse, ClearFaultResponse__Output as _demo_fault_v1_ClearFaultResponse__Output } from '../../../demo/fault/v1/ClearFaultResponse.js';
import type { GetFaultRequest as _demo_fault_v1_GetFaultRequest, GetFaultRequest__Output as _demo_fault_v1_GetFaultRequest__Output } from '../../../demo/fault/v1/GetFaultRequest.js';
import type { GetFaultResponse as _demo_fault_v1_GetFaultResponse, GetFaultResponse__Output as _demo_fault_v1_GetFaultResponse__Output } from '../../../demo/fault/v1/GetFaultResponse.js';
import type { SetFaultRequest as _demo_fault_v1_SetFaultRequest, SetFaultRequest__Output as _demo_fault_v1_SetFaultRequest__Output } from '../../../demo/fault/v1/SetFaultRequest.js';
import type { SetFaultResponse as _demo_fault_v1_SetFaultResponse, SetFaultResponse__Output as _demo_fault_v1_SetFaultResponse__Output } from '../../../demo/fault/v1/SetFaultResponse.js';

export interface FaultServiceClient extends grpc.Client {
  ClearFault(argument: _demo_fault_v1_ClearFaultRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_demo_fault_v1_ClearFaultResponse__Output>): grpc.ClientUnaryCall;
  ClearFault(argument: _demo_fault_v1_ClearFaultRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_demo_fault_v1_ClearFaultResponse__Output>): grpc.ClientUnaryCall;
  ClearFault(argument: _demo_fault_v1_ClearFaultRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_demo_fault_v1_ClearFaultResponse__Output>): grpc.ClientUnaryCall;
  ClearFault(argument: _demo_fault_v1_ClearFaultRequest, callback: grpc.requestCallback<_demo_fault_v1_ClearFaultResponse__Output>): grpc.ClientUnaryCall;
  clearFault(argument: _demo_fault_v1_ClearFaultRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_demo_fault_v1_ClearFaultResponse__Output>): grpc.ClientUnaryCall;
  clearFault(argument: _demo_fault_v1_ClearFaultRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_demo_fault_v1_ClearFaultResponse__Output>): grpc.ClientUnaryCall;
  clearFault(argument: _demo_fault_v1_ClearFaultRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_demo_fault_v1_ClearFaultResponse__Output>): grpc.ClientUnaryCall;
  clearFault(argument: _demo_fault_v1_ClearFaultRequest, callback: grpc.requestCallback<_demo_fault_v1_ClearFaultResponse__Output>): grpc.ClientUnaryCall;
  
  GetFault(argument: _demo_fault_v1_GetFaultRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_demo_fault_v1_GetFaultResponse__Output>): grpc.ClientUnaryCall;
  GetFault(argument: _demo_fault_v1_GetFaultRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_demo_fault_v1_GetFaultResponse__Output>): grpc.ClientUnaryCall;
  GetFault(argument: _demo_fault_v1_GetFaultRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_demo_fault_v1_GetFaultResponse__Output>): grpc.ClientUnaryCall;
  GetFault(argument: _demo_fault_v1_GetFaultRequest, callback: grpc.requestCallback<_demo_fault_v1_GetFaultResponse__Output>): grpc.ClientUnaryCall;
  getFault(argument: _demo_fault_v1_GetFaultRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_demo_fault_v1_GetFaultResponse__Output>): grpc.ClientUnaryCall;
  getFault(argument: _demo_fault_v1_GetFaultRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_demo_fault_v1_GetFaultResponse__Output>): grpc.ClientUnaryCall;
  getFault(argument: _demo_fault_v1_GetFaultRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_demo_fault_v1_GetFaultResponse__Output>): grpc.ClientUnaryCall;
  getFault(argument: _demo_fault_v1_GetFaultRequest, callback: grpc.requestCallback<_demo_fault_v1_GetFaultResponse__Output>): grpc.ClientUnaryCall;
  
  SetFault(argument: _demo_fault_v1_SetFaultRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_demo_fault_v1_SetFaultResponse__Output>): grpc.ClientUnaryCall;
  SetFault(argument: _demo_fault_v1_SetFaultRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_demo_fault_v1_SetFaultResponse__Output>): grpc.ClientUnaryCall;
  SetFault(argument: _demo_fault_v1_SetFaultRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_demo_fault_v1_SetFaultResponse__Output>): grpc.ClientUnaryCall;
  SetFault(argument: _demo_fault_v1_SetFaultRequest, callback: grpc.requestCallback<_demo_fault_v1_SetFaultResponse__Output>): grpc.ClientUnaryCall;
  setFault(argument: _demo_fault_v1_SetFaultRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_demo_fault_v1_SetFaultResponse__Output>): grpc.ClientUnaryCall;
  setFault(argument: _demo_fault_v1_SetFaultRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_demo_fault_v1_SetFaultResponse__Output>): grpc.ClientUnaryCall;
  setFault(argument: _demo_fault_v1_SetFaultRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_demo_fault_v1_SetFaultResponse__Output>): grpc.ClientUnaryCall;
  setFault(argument: _demo_fault_v1_SetFaultRequest, callback: grpc.requestCallback<_demo_fault_v1_SetFaultResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface FaultServiceHandlers extends grpc.UntypedServiceImplementation {
  ClearFault: grpc.handleUnaryCall<_demo_fault_v1_ClearFaultRequest__Output, _demo_fault_v1_ClearFaultResponse>;
  
  GetFault: grpc.handleUnaryCall<_demo_fault_v1_GetFaultRequest__Output, _demo_fault_v1_GetFaultResponse>;
  
  SetFault: grpc.handleUnaryCall<_demo_fault_v1_SetFaultRequest__Output, _demo_fault_v1_SetFaultResponse>;
  
}

export interface FaultServiceDefinition extends grpc.ServiceDefinition {
  ClearFault: MethodDefinition<_demo_fault_v1_ClearFaultRequest, _demo_fault_v1_ClearFaultResponse, _demo_fault_v1_ClearFaultRequest__Output, _demo_fault_v1_ClearFaultResponse__Output>
  GetFault: MethodDefinition<_demo_fault_v1_GetFaultRequest, _demo_fault_v1_GetFaultResponse, _demo_fault_v1_GetFaultRequest__Output, _demo_fault_v1_GetFaultResponse__Output>
  SetFault: MethodDefinition<_demo_fault_v1_SetFaultRequest, _demo_fault_v1_SetFaultResponse, _demo_fault_v1_SetFaultRequest__Output, _demo_fault_v1_SetFaultResponse__Output>
}
