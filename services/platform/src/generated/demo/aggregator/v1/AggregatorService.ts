// Original file: proto/demo/aggregator/v1/aggregator_service.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { GetUserHomeRequest as _demo_aggregator_v1_GetUserHomeRequest, GetUserHomeRequest__Output as _demo_aggregator_v1_GetUserHomeRequest__Output } from '../../../demo/aggregator/v1/GetUserHomeRequest.js';
import type { GetUserHomeResponse as _demo_aggregator_v1_GetUserHomeResponse, GetUserHomeResponse__Output as _demo_aggregator_v1_GetUserHomeResponse__Output } from '../../../demo/aggregator/v1/GetUserHomeResponse.js';

export interface AggregatorServiceClient extends grpc.Client {
  GetUserHome(argument: _demo_aggregator_v1_GetUserHomeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_demo_aggregator_v1_GetUserHomeResponse__Output>): grpc.ClientUnaryCall;
  GetUserHome(argument: _demo_aggregator_v1_GetUserHomeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_demo_aggregator_v1_GetUserHomeResponse__Output>): grpc.ClientUnaryCall;
  GetUserHome(argument: _demo_aggregator_v1_GetUserHomeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_demo_aggregator_v1_GetUserHomeResponse__Output>): grpc.ClientUnaryCall;
  GetUserHome(argument: _demo_aggregator_v1_GetUserHomeRequest, callback: grpc.requestCallback<_demo_aggregator_v1_GetUserHomeResponse__Output>): grpc.ClientUnaryCall;
  getUserHome(argument: _demo_aggregator_v1_GetUserHomeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_demo_aggregator_v1_GetUserHomeResponse__Output>): grpc.ClientUnaryCall;
  getUserHome(argument: _demo_aggregator_v1_GetUserHomeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_demo_aggregator_v1_GetUserHomeResponse__Output>): grpc.ClientUnaryCall;
  getUserHome(argument: _demo_aggregator_v1_GetUserHomeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_demo_aggregator_v1_GetUserHomeResponse__Output>): grpc.ClientUnaryCall;
  getUserHome(argument: _demo_aggregator_v1_GetUserHomeRequest, callback: grpc.requestCallback<_demo_aggregator_v1_GetUserHomeResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface AggregatorServiceHandlers extends grpc.UntypedServiceImplementation {
  GetUserHome: grpc.handleUnaryCall<_demo_aggregator_v1_GetUserHomeRequest__Output, _demo_aggregator_v1_GetUserHomeResponse>;
  
}

export interface AggregatorServiceDefinition extends grpc.ServiceDefinition {
  GetUserHome: MethodDefinition<_demo_aggregator_v1_GetUserHomeRequest, _demo_aggregator_v1_GetUserHomeResponse, _demo_aggregator_v1_GetUserHomeRequest__Output, _demo_aggregator_v1_GetUserHomeResponse__Output>
}
