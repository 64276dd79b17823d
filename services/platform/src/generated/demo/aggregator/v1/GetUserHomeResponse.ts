// Original file: proto/demo/aggregator/v1/aggregator_service.proto

import type { User as _demo_user_v1_User, User__Output as _demo_user_v1_User__Output } from '../../../demo/user/v1/User.js';
import type { Recommendation as _demo_recommendation_v1_Recommendation, Recommendation__Output as _demo_recommendation_v1_Recommendation__Output } from '../../../demo/recommendation/v1/Recommendation.js';
import type { Degradation as _demo_aggregator_v1_Degradation, Degradation__Output as _demo_aggregator_v1_Degradation__Output } from '../../../demo/aggregator/v1/Degradation.js';

export interface GetUserHomeResponse {
  'user'?: (_demo_user_v1_User | null);
  'recommendations'?: (_demo_recommendation_v1_Recommendation)[];
  'degraded'?: (boolean);
  'degradations'?: (_demo_aggregator_v1_Degradation)[];
  'servedBy'?: ({[key: string]: string});
}

export interface GetUserHomeResponse__Output {
  'user': (_demo_user_v1_User__Output | null);
  'recommendations': (_demo_recommendation_v1_Recommendation__Output)[];
  'degraded': (boolean);
  'degradations': (_demo_aggregator_v1_Degradation__Output)[];
  'servedBy': ({[key: string]: string});
}
