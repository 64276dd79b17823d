// Original file: proto/demo/recommendation/v1/recommendation_service.proto

import type { Recommendation as _demo_recommendation_v1_Recommendation, Recommendation__Output as _demo_recommendation_v1_Recommendation__Output } from '../../../demo/recommendation/v1/Recommendation.js';

export interface GetRecommendationsResponse {
  'recommendations'?: (_demo_recommendation_v1_Recommendation)[];
  'servedBy'?: (string);
}

export interface GetRecommendationsResponse__Output {
  'recommendations': (_demo_recommendation_v1_Recommendation__Output)[];
  'servedBy': (string);
}
