// Original file: proto/demo/user/v1/user_service.proto


export interface ListUsersRequest {
  'pageSize'?: (number);
  'pageToken'?: (string);
}

export interface ListUsersRequest__Output {
  'pageSize': (number);
  'pageToken': (string);
}
