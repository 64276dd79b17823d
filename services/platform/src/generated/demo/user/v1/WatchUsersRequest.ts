// Original file: proto/demo/user/v1/user_service.proto

import type { Long } from '@grpc/proto-loader';

export interface WatchUsersRequest {
  'includeExisting'?: (boolean);
  'resumeAfterId'?: (number | string | Long);
}

export interface WatchUsersRequest__Output {
  'includeExisting': (boolean);
  'resumeAfterId': (string);
}
