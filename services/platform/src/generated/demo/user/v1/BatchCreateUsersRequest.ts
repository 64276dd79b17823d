// Original file: proto/demo/user/v1/user_service.proto


export interface BatchCreateUsersRequest {
  'name'?: (string);
  'email'?: (string);
  'requestId'?: (string);
}

export interface BatchCreateUsersRequest__Output {
  'name': (string);
  'email': (string);
  'requestId': (string);
}
