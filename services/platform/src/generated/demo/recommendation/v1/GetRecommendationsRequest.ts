// Original file: proto/demo/recommendation/v1/recommendation_service.proto

import type { Long } from '@grpc/proto-loader';

export interface GetRecommendationsRequest {
  'userId'?: (number | string | Long);
  'limit'?: (number);
}

export interface GetRecommendationsRequest__Output {
  'userId': (string);
  'limit': (number);
}
