// Original file: proto/demo/user/v1/user_service.proto


export interface CreateUserRequest {
  'name'?: (string);
  'email'?: (string);
  'requestId'?: (string);
}

export interface CreateUserRequest__Output {
  'name': (string);
  'email': (string);
  'requestId': (string);
}
