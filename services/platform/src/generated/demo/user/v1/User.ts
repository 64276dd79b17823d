// Original file: proto/demo/user/v1/user_service.proto

import type { UserStatus as _demo_user_v1_UserStatus, UserStatus__Output as _demo_user_v1_UserStatus__Output } from '../../../demo/user/v1/UserStatus.js';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../../google/protobuf/Timestamp.js';
import type { Long } from '@grpc/proto-loader';

export interface User {
  'id'?: (number | string | Long);
  'name'?: (string);
  'email'?: (string);
  'status'?: (_demo_user_v1_UserStatus);
  'createTime'?: (_google_protobuf_Timestamp | null);
}

export interface User__Output {
  'id': (string);
  'name': (string);
  'email': (string);
  'status': (_demo_user_v1_UserStatus__Output);
  'createTime': (_google_protobuf_Timestamp__Output | null);
}
