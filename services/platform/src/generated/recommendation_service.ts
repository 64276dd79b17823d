import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { GetRecommendationsRequest as _demo_recommendation_v1_GetRecommendationsRequest, GetRecommendationsRequest__Output as _demo_recommendation_v1_GetRecommendationsRequest__Output } from './demo/recommendation/v1/GetRecommendationsRequest.js';
import type { GetRecommendationsResponse as _demo_recommendation_v1_GetRecommendationsResponse, GetRecommendationsResponse__Output as _demo_recommendation_v1_GetRecommendationsResponse__Output } from './demo/recommendation/v1/GetRecommendationsResponse.js';
import type { Recommendation as _demo_recommendation_v1_Recommendation, Recommendation__Output as _demo_recommendation_v1_Recommendation__Output } from './demo/recommendation/v1/Recommendation.js';
import type { RecommendationServiceClient as _demo_recommendation_v1_RecommendationServiceClient, RecommendationServiceDefinition as _demo_recommendation_v1_RecommendationServiceDefinition } from './demo/recommendation/v1/RecommendationService.js';
import type { StreamRecommendationsRequest as _demo_recommendation_v1_StreamRecommendationsRequest, StreamRecommendationsRequest__Output as _demo_recommendation_v1_StreamRecommendationsRequest__Output } from './demo/recommendation/v1/StreamRecommendationsRequest.js';
import type { StreamRecommendationsResponse as _demo_recommendation_v1_StreamRecommendationsResponse, StreamRecommendationsResponse__Output as _demo_recommendation_v1_StreamRecommendationsResponse__Output } from './demo/recommendation/v1/StreamRecommendationsResponse.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  demo: {
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
  }
}

