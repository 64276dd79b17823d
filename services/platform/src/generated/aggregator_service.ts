import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { AggregatorServiceClient as _demo_aggregator_v1_AggregatorServiceClient, AggregatorServiceDefinition as _demo_aggregator_v1_AggregatorServiceDefinition } from './demo/aggregator/v1/AggregatorService.js';
import type { Degradation as _demo_aggregator_v1_Degradation, Degradation__Output as _demo_aggregator_v1_Degradation__Output } from './demo/aggregator/v1/Degradation.js';
import type { GetUserHomeRequest as _demo_aggregator_v1_GetUserHomeRequest, GetUserHomeRequest__Output as _demo_aggregator_v1_GetUserHomeRequest__Output } from './demo/aggregator/v1/GetUserHomeRequest.js';
import type { GetUserHomeResponse as _demo_aggregator_v1_GetUserHomeResponse, GetUserHomeResponse__Output as _demo_aggregator_v1_GetUserHomeResponse__Output } from './demo/aggregator/v1/GetUserHomeResponse.js';
import type { GetRecommendationsRequest as _demo_recommendation_v1_GetRecommendationsRequest, GetRecommendationsRequest__Output as _demo_recommendation_v1_GetRecommendationsRequest__Output } from './demo/recommendation/v1/GetRecommendationsRequest.js';
import type { GetRecommendationsResponse as _demo_recommendation_v1_GetRecommendationsResponse, GetRecommendationsResponse__Output as _demo_recommendation_v1_GetRecommendationsResponse__Output } from './demo/recommendation/v1/GetRecommendationsResponse.js';
import type { Recommendation as _demo_recommendation_v1_Recommendation, Recommendation__Output as _demo_recommendation_v1_Recommendation__Output } from './demo/recommendation/v1/Recommendation.js';
import type { RecommendationServiceClient as _demo_recommendation_v1_RecommendationServiceClient, RecommendationServiceDefinition as _demo_recommendation_v1_RecommendationServiceDefinition } from './demo/recommendation/v1/RecommendationService.js';
import type { StreamRecommendationsRequest as _demo_recommendation_v1_StreamRecommendationsRequest, StreamRecommendationsRequest__Output as _demo_recommendation_v1_StreamRecommendationsRequest__Output } from './demo/recommendation/v1/StreamRecommendationsRequest.js';
import type { StreamRecommendationsResponse as _demo_recommendation_v1_StreamRecommendationsResponse, StreamRecommendationsResponse__Output as _demo_recommendation_v1_StreamRecommendationsResponse__Output } from './demo/recommendation/v1/StreamRecommendationsResponse.js';
import type { BatchCreateUsersRequest as _demo_user_v1_BatchCreateUsersRequest, BatchCreateUsersRequest__Output as _demo_user_v1_BatchCreateUsersRequest__Output } from './demo/user/v1/BatchCreateUsersRequest.js';
import type { BatchCreateUsersResponse as _demo_user_v1_BatchCreateUsersResponse, BatchCreateUsersResponse__Output as _demo_user_v1_BatchCreateUsersResponse__Output } from './demo/user/v1/BatchCreateUsersResponse.js';
import type { CreateUserRequest as _demo_user_v1_CreateUserRequest, CreateUserRequest__Output as _demo_user_v1_CreateUserRequest__Output } from './demo/user/v1/CreateUserRequest.js';
import type { CreateUserResponse as _demo_user_v1_CreateUserResponse, CreateUserResponse__Output as _demo_user_v1_CreateUserResponse__Output } from './demo/user/v1/CreateUserResponse.js';
import type { GetUserRequest as _demo_user_v1_GetUserRequest, GetUserRequest__Output as _demo_user_v1_GetUserRequest__Output } from './demo/user/v1/GetUserRequest.js';
import type { GetUserResponse as _demo_user_v1_GetUserResponse, GetUserResponse__Output as _demo_user_v1_GetUserResponse__Output } from './demo/user/v1/GetUserResponse.js';
import type { ListUsersRequest as _demo_user_v1_ListUsersRequest, ListUsersRequest__Output as _demo_user_v1_ListUsersRequest__Output } from './demo/user/v1/ListUsersRequest.js';
import type { ListUsersResponse as _demo_user_v1_ListUsersResponse, ListUsersResponse__Output as _demo_user_v1_ListUsersResponse__Output } from './demo/user/v1/ListUsersResponse.js';
import type { User as _demo_user_v1_User, User__Output as _demo_user_v1_User__Output } from './demo/user/v1/User.js';
import type { UserServiceClient as _demo_user_v1_UserServiceClient, UserServiceDefinition as _demo_user_v1_UserServiceDefinition } from './demo/user/v1/UserService.js';
import type { WatchUsersRequest as _demo_user_v1_WatchUsersRequest, WatchUsersRequest__Output as _demo_user_v1_WatchUsersRequest__Output } from './demo/user/v1/WatchUsersRequest.js';
import type { WatchUsersResponse as _demo_user_v1_WatchUsersResponse, WatchUsersResponse__Output as _demo_user_v1_WatchUsersResponse__Output } from './demo/user/v1/WatchUsersResponse.js';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from './google/protobuf/Timestamp.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  demo: {
    aggregator: {
      v1: {
        AggregatorService: SubtypeConstructor<typeof grpc.Client, _demo_aggregator_v1_AggregatorServiceClient> & { service: _demo_aggregator_v1_AggregatorServiceDefinition }
        Degradation: MessageTypeDefinition<_demo_aggregator_v1_Degradation, _demo_aggregator_v1_Degradation__Output>
        GetUserHomeRequest: MessageTypeDefinition<_demo_aggregator_v1_GetUserHomeRequest, _demo_aggregator_v1_GetUserHomeRequest__Output>
        GetUserHomeResponse: MessageTypeDefinition<_demo_aggregator_v1_GetUserHomeResponse, _demo_aggregator_v1_GetUserHomeResponse__Output>
      }
    }
    recommendation: {
      v1: {
        GetRecommendationsRequest: MessageTypeDefinition<_demo_recommendation_v1_GetRecommendationsRequest, _demo_recommendation_v1_GetRecommendationsRequest__Output>
        GetRecommendationsResponse: MessageTypeDefinition<_demo_recommendation_v1_GetRecommendationsResponse, _demo_recommendation_v1_GetRecommendationsResponse__Output>
        Recommendation: MessageTypeDefinition<_demo_recommendation_v1_Recommendation, _demo_recommendation_v1_Recommendation__Output>
        RecommendationService: SubtypeConstructor<typeof grpc.Client, _demo_recommendation_v1_RecommendationServiceClient> & { service: _demo_recommendation_v1_RecommendationServiceDefinition }
        StreamRecommendationsRequest: MessageTypeDefinition<_demo_recommendation_v1_StreamRecommendationsRequest, _demo_recommendation_v1_StreamRecommendationsRequest__Output>
        StreamRecommendationsResponse: MessageTypeDefinition<_demo_recommendation_v1_StreamRecommendationsResponse, _demo_recommendation_v1_StreamRecommendationsResponse__Output>
      }
    }
    user: {
      v1: {
        BatchCreateUsersRequest: MessageTypeDefinition<_demo_user_v1_BatchCreateUsersRequest, _demo_user_v1_BatchCreateUsersRequest__Output>
        BatchCreateUsersResponse: MessageTypeDefinition<_demo_user_v1_BatchCreateUsersResponse, _demo_user_v1_BatchCreateUsersResponse__Output>
        CreateUserRequest: MessageTypeDefinition<_demo_user_v1_CreateUserRequest, _demo_user_v1_CreateUserRequest__Output>
        CreateUserResponse: MessageTypeDefinition<_demo_user_v1_CreateUserResponse, _demo_user_v1_CreateUserResponse__Output>
        GetUserRequest: MessageTypeDefinition<_demo_user_v1_GetUserRequest, _demo_user_v1_GetUserRequest__Output>
        GetUserResponse: MessageTypeDefinition<_demo_user_v1_GetUserResponse, _demo_user_v1_GetUserResponse__Output>
        ListUsersRequest: MessageTypeDefinition<_demo_user_v1_ListUsersRequest, _demo_user_v1_ListUsersRequest__Output>
        ListUsersResponse: MessageTypeDefinition<_demo_user_v1_ListUsersResponse, _demo_user_v1_ListUsersResponse__Output>
        User: MessageTypeDefinition<_demo_user_v1_User, _demo_user_v1_User__Output>
        UserService: SubtypeConstructor<typeof grpc.Client, _demo_user_v1_UserServiceClient> & { service: _demo_user_v1_UserServiceDefinition }
        UserStatus: EnumTypeDefinition
        WatchUsersRequest: MessageTypeDefinition<_demo_user_v1_WatchUsersRequest, _demo_user_v1_WatchUsersRequest__Output>
        WatchUsersResponse: MessageTypeDefinition<_demo_user_v1_WatchUsersResponse, _demo_user_v1_WatchUsersResponse__Output>
      }
    }
  }
  google: {
    protobuf: {
      Timestamp: MessageTypeDefinition<_google_protobuf_Timestamp, _google_protobuf_Timestamp__Output>
    }
  }
}

