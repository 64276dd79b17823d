// Original file: proto/demo/user/v1/user_service.proto


export interface WatchUsersRequest {
  'includeExisting'?: (boolean);
}

export interface WatchUsersRequest__Output {
  'includeExisting': (boolean);
}
