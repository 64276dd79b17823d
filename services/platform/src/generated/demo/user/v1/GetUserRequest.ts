// Original file: proto/demo/user/v1/user_service.proto

import type { Long } from '@grpc/proto-loader';

export interface GetUserRequest {
  'id'?: (number | string | Long);
}

export interface GetUserRequest__Output {
  'id': (string);
}
