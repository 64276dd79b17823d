// Original file: proto/demo/recommendation/v1/recommendation_service.proto

import type { Long } from '@grpc/proto-loader';

export interface StreamRecommendationsRequest {
  'userId'?: (number | string | Long);
  'viewedProductId'?: (string);
  'limit'?: (number);
}

export interface StreamRecommendationsRequest__Output {
  'userId': (string);
  'viewedProductId': (string);
  'limit': (number);
}
