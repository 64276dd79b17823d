// Original file: proto/demo/aggregator/v1/defense_service.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { GetDefensesRequest as _demo_aggregator_v1_GetDefensesRequest, GetDefensesRequest__Output as _demo_aggregator_v1_GetDefensesRequest__Output } from '../../../demo/aggregator/v1/GetDefensesRequest.js';
import type { GetDefensesResponse as _demo_aggregator_v1_GetDefensesResponse, GetDefensesResponse__Output as _demo_aggregator_v1_GetDefensesResponse__Output } from '../../../demo/aggregator/v1/GetDefensesResponse.js';
import type { SetDefensesRequest as _demo_aggregator_v1_SetDefensesRequest, SetDefensesRequest__Output as _demo_aggregator_v1_SetDefensesRequest__Output } from '../../../demo/aggregator/v1/SetDefensesRequest.js';
import type { SetDefensesResponse as _demo_aggregator_v1_SetDefensesResponse, SetDefensesResponse__Output as _demo_aggregator_v1_SetDefensesResponse__Output } from '../../../demo/aggregator/v1/SetDefensesResponse.js';

export interface DefenseServiceClient extends grpc.Client {
  GetDefenses(argument: _demo_aggregator_v1_GetDefensesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_demo_aggregator_v1_GetDefensesResponse__Output>): grpc.ClientUnaryCall;
  GetDefenses(argument: _demo_aggregator_v1_GetDefensesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_demo_aggregator_v1_GetDefensesResponse__Output>): grpc.ClientUnaryCall;
  GetDefenses(argument: _demo_aggregator_v1_GetDefensesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_demo_aggregator_v1_GetDefensesResponse__Output>): grpc.ClientUnaryCall;
  GetDefenses(argument: _demo_aggregator_v1_GetDefensesRequest, callback: grpc.requestCallback<_demo_aggregator_v1_GetDefensesResponse__Output>): grpc.ClientUnaryCall;
  getDefenses(argument: _demo_aggregator_v1_GetDefensesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_demo_aggregator_v1_GetDefensesResponse__Output>): grpc.ClientUnaryCall;
  getDefenses(argument: _demo_aggregator_v1_GetDefensesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_demo_aggregator_v1_GetDefensesResponse__Output>): grpc.ClientUnaryCall;
  getDefenses(argument: _demo_aggregator_v1_GetDefensesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_demo_aggregator_v1_GetDefensesResponse__Output>): grpc.ClientUnaryCall;
  getDefenses(argument: _demo_aggregator_v1_GetDefensesRequest, callback: grpc.requestCallback<_demo_aggregator_v1_GetDefensesResponse__Output>): grpc.ClientUnaryCall;
  
  SetDefenses(argument: _demo_aggregator_v1_SetDefensesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_demo_aggregator_v1_SetDefensesResponse__Output>): grpc.ClientUnaryCall;
  SetDefenses(argument: _demo_aggregator_v1_SetDefensesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_demo_aggregator_v1_SetDefensesResponse__Output>): grpc.ClientUnaryCall;
  SetDefenses(argument: _demo_aggregator_v1_SetDefensesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_demo_aggregator_v1_SetDefensesResponse__Output>): grpc.ClientUnaryCall;
  SetDefenses(argument: _demo_aggregator_v1_SetDefensesRequest, callback: grpc.requestCallback<_demo_aggregator_v1_SetDefensesResponse__Output>): grpc.ClientUnaryCall;
  setDefenses(argument: _demo_aggregator_v1_SetDefensesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_demo_aggregator_v1_SetDefensesResponse__Output>): grpc.ClientUnaryCall;
  setDefenses(argument: _demo_aggregator_v1_SetDefensesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_demo_aggregator_v1_SetDefensesResponse__Output>): grpc.ClientUnaryCall;
  setDefenses(argument: _demo_aggregator_v1_SetDefensesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_demo_aggregator_v1_SetDefensesResponse__Output>): grpc.ClientUnaryCall;
  setDefenses(argument: _demo_aggregator_v1_SetDefensesRequest, callback: grpc.requestCallback<_demo_aggregator_v1_SetDefensesResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface DefenseServiceHandlers extends grpc.UntypedServiceImplementation {
  GetDefenses: grpc.handleUnaryCall<_demo_aggregator_v1_GetDefensesRequest__Output, _demo_aggregator_v1_GetDefensesResponse>;
  
  SetDefenses: grpc.handleUnaryCall<_demo_aggregator_v1_SetDefensesRequest__Output, _demo_aggregator_v1_SetDefensesResponse>;
  
}

export interface DefenseServiceDefinition extends grpc.ServiceDefinition {
  GetDefenses: MethodDefinition<_demo_aggregator_v1_GetDefensesRequest, _demo_aggregator_v1_GetDefensesResponse, _demo_aggregator_v1_GetDefensesRequest__Output, _demo_aggregator_v1_GetDefensesResponse__Output>
  SetDefenses: MethodDefinition<_demo_aggregator_v1_SetDefensesRequest, _demo_aggregator_v1_SetDefensesResponse, _demo_aggregator_v1_SetDefensesRequest__Output, _demo_aggregator_v1_SetDefensesResponse__Output>
}
