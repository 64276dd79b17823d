// Original file: proto/demo/aggregator/v1/aggregator_service.proto

import type { Long } from '@grpc/proto-loader';

export interface GetUserHomeRequest {
  'userId'?: (number | string | Long);
  'recommendationLimit'?: (number);
}

export interface GetUserHomeRequest__Output {
  'userId': (string);
  'recommendationLimit': (number);
}
