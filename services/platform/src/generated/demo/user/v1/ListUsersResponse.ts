// Original file: proto/demo/user/v1/user_service.proto

import type { User as _demo_user_v1_User, User__Output as _demo_user_v1_User__Output } from '../../../demo/user/v1/User.js';

export interface ListUsersResponse {
  'users'?: (_demo_user_v1_User)[];
  'nextPageToken'?: (string);
  'totalCount'?: (number);
}

export interface ListUsersResponse__Output {
  'users': (_demo_user_v1_User__Output)[];
  'nextPageToken': (string);
  'totalCount': (number);
}
