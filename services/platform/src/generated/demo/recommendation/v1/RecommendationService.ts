// Original file: proto/demo/recommendation/v1/recommendation_service.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { GetRecommendationsRequest as _demo_recommendation_v1_GetRecommendationsRequest, GetRecommendationsRequest__Output as _demo_recommendation_v1_GetRecommendationsRequest__Output } from '../../../demo/recommendation/v1/GetRecommendationsRequest.js';
import type { GetRecommendationsResponse as _demo_recommendation_v1_GetRecommendationsResponse, GetRecommendationsResponse__Output as _demo_recommendation_v1_GetRecommendationsResponse__Output } from '../../../demo/recommendation/v1/GetRecommendationsResponse.js';
import type { StreamRecommendationsRequest as _demo_recommendation_v1_StreamRecommendationsRequest, StreamRecommendationsRequest__Output as _demo_recommendation_v1_StreamRecommendationsRequest__Output } from '../../../demo/recommendation/v1/StreamRecommendationsRequest.js';
import type { StreamRecommendationsResponse as _demo_recommendation_v1_StreamRecommendationsResponse, StreamRecommendationsResponse__Output as _demo_recommendation_v1_StreamRecommendationsResponse__Output } from '../../../demo/recommendation/v1/StreamRecommendationsResponse.js';

export interface RecommendationServiceClient extends grpc.Client {
  GetRecommendations(argument: _demo_recommendation_v1_GetRecommendationsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_demo_recommendation_v1_GetRecommendationsResponse__Output>): grpc.ClientUnaryCall;
  GetRecommendations(argument: _demo_recommendation_v1_GetRecommendationsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_demo_recommendation_v1_GetRecommendationsResponse__Output>): grpc.ClientUnaryCall;
  GetRecommendations(argument: _demo_recommendation_v1_GetRecommendationsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_demo_recommendation_v1_GetRecommendationsResponse__Output>): grpc.ClientUnaryCall;
  GetRecommendations(argument: _demo_recommendation_v1_GetRecommendationsRequest, callback: grpc.requestCallback<_demo_recommendation_v1_GetRecommendationsResponse__Output>): grpc.ClientUnaryCall;
  getRecommendations(argument: _demo_recommendation_v1_GetRecommendationsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_demo_recommendation_v1_GetRecommendationsResponse__Output>): grpc.ClientUnaryCall;
  getRecommendations(argument: _demo_recommendation_v1_GetRecommendationsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_demo_recommendation_v1_GetRecommendationsResponse__Output>): grpc.ClientUnaryCall;
  getRecommendations(argument: _demo_recommendation_v1_GetRecommendationsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_demo_recommendation_v1_GetRecommendationsResponse__Output>): grpc.ClientUnaryCall;
  getRecommendations(argument: _demo_recommendation_v1_GetRecommendationsRequest, callback: grpc.requestCallback<_demo_recommendation_v1_GetRecommendationsResponse__Output>): grpc.ClientUnaryCall;
  
  StreamRecommendations(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_demo_recommendation_v1_StreamRecommendationsRequest, _demo_recommendation_v1_StreamRecommendationsResponse__Output>;
  StreamRecommendations(options?: grpc.CallOptions): grpc.ClientDuplexStream<_demo_recommendation_v1_StreamRecommendationsRequest, _demo_recommendation_v1_StreamRecommendationsResponse__Output>;
  streamRecommendations(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_demo_recommendation_v1_StreamRecommendationsRequest, _demo_recommendation_v1_StreamRecommendationsResponse__Output>;
  streamRecommendations(options?: grpc.CallOptions): grpc.ClientDuplexStream<_demo_recommendation_v1_StreamRecommendationsRequest, _demo_recommendation_v1_StreamRecommendationsResponse__Output>;
  
}

export interface RecommendationServiceHandlers extends grpc.UntypedServiceImplementation {
  GetRecommendations: grpc.handleUnaryCall<_demo_recommendation_v1_GetRecommendationsRequest__Output, _demo_recommendation_v1_GetRecommendationsResponse>;
  
  StreamRecommendations: grpc.handleBidiStreamingCall<_demo_recommendation_v1_StreamRecommendationsRequest__Output, _demo_recommendation_v1_StreamRecommendationsResponse>;
  
}

export interface RecommendationServiceDefinition extends grpc.ServiceDefinition {
  GetRecommendations: MethodDefinition<_demo_recommendation_v1_GetRecommendationsRequest, _demo_recommendation_v1_GetRecommendationsResponse, _demo_recommendation_v1_GetRecommendationsRequest__Output, _demo_recommendation_v1_GetRecommendationsResponse__Output>
  StreamRecommendations: MethodDefinition<_demo_recommendation_v1_StreamRecommendationsRequest, _demo_recommendation_v1_StreamRecommendationsResponse, _demo_recommendation_v1_StreamRecommendationsRequest__Output, _demo_recommendation_v1_StreamRecommendationsResponse__Output>
}
