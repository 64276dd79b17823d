import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { BatchCreateUsersRequest as _demo_user_v1_BatchCreateUsersRequest, BatchCreateUsersRequest__Output as _demo_user_v1_BatchCreateUsersRequest__Output } from './demo/user/v1/BatchCreateUsersRequest.js';
import type { BatchCreateUsersResponse as _demo_user_v1_BatchCreateUsersResponse, BatchCreateUsersResponse__Output as _demo_user_v1_BatchCreateUsersResponse__Output } from './demo/user/v1/BatchCreateUsersResponse.js';
import type { CreateUserRequest as _demo_user_v1_CreateUserRequest, CreateUserRequest__Output as _demo_user_v1_CreateUserRequest__Output } from './demo/user/v1/CreateUserRequest.js';
import type { CreateUserResponse as _demo_user_v1_CreateUserResponse, CreateUserResponse__Output as _demo_user_v1_CreateUserResponse__Output } from './demo/user/v1/CreateUserResponse.js';
import type { GetUserRequest as _demo_user_v1_GetUserRequest, GetUserRequest__Output as _demo_user_v1_GetUserRequest__Output } from './demo/user/v1/GetUserRequest.js';
import type { GetUserResponse as _demo_user_v1_GetUserResponse, GetUserResponse__Output as _demo_user_v1_GetUserResponse__Output } from './demo/user/v1/GetUserResponse.js';
import type { ListUsersRequest as _demo_user_v1_ListUsersRequest, ListUsersRequest__Output as _demo_user_v1_ListUsersRequest__Output } from './demo/user/v1/ListUsersRequest.js';
import type { ListUsersResponse as _demo_user_v1_ListUsersResponse, ListUsersResponse__Output as _demo_user_v1_ListUsersResponse__Output } from './demo/user/v1/ListUsersResponse.js';
import type { User as _demo_user_v1_User, User__Output as _demo_user_v1_User__Output } from './demo/user/v1/User.js';
import type { UserServiceClient as _demo_user_v1_UserServiceClient, UserServiceDefinition as _demo_user_v1_UserServiceDefinition } from './demo/user/v1/UserService.js';
import type { WatchUsersRequest as _demo_user_v1_WatchUsersRequest, WatchUsersRequest__Output as _demo_user_v1_WatchUsersRequest__Output } from './demo/user/v1/WatchUsersRequest.js';
import type { WatchUsersResponse as _demo_user_v1_WatchUsersResponse, WatchUsersResponse__Output as _demo_user_v1_WatchUsersResponse__Output } from './demo/user/v1/WatchUsersResponse.js';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from './google/protobuf/Timestamp.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  demo: {
    user: {
      v1: {
        BatchCreateUsersRequest: MessageTypeDefinition<_demo_user_v1_BatchCreateUsersRequest, _demo_user_v1_BatchCreateUsersRequest__Output>
        BatchCreateUsersResponse: MessageTypeDefinition<_demo_user_v1_BatchCreateUsersResponse, _demo_user_v1_BatchCreateUsersResponse__Output>
        CreateUserRequest: MessageTypeDefinition<_demo_user_v1_CreateUserRequest, _demo_user_v1_CreateUserRequest__Output>
        CreateUserResponse: MessageTypeDefinition<_demo_user_v1_CreateUserResponse, _demo_user_v1_CreateUserResponse__Output>
        GetUserRequest: MessageTypeDefinition<_demo_user_v1_GetUserRequest, _demo_user_v1_GetUserRequest__Output>
        GetUserResponse: MessageTypeDefinition<_demo_user_v1_GetUserResponse, _demo_user_v1_GetUserResponse__Output>
        ListUsersRequest: MessageTypeDefinition<_demo_user_v1_ListUsersRequest, _demo_user_v1_ListUsersRequest__Output>
        ListUsersResponse: MessageTypeDefinition<_demo_user_v1_ListUsersResponse, _demo_user_v1_ListUsersResponse__Output>
        User: MessageTypeDefinition<_demo_user_v1_User, _demo_user_v1_User__Output>
        UserService: SubtypeConstructor<typeof grpc.Client, _demo_user_v1_UserServiceClient> & { service: _demo_user_v1_UserServiceDefinition }
        UserStatus: EnumTypeDefinition
        WatchUsersRequest: MessageTypeDefinition<_demo_user_v1_WatchUsersRequest, _demo_user_v1_WatchUsersRequest__Output>
        WatchUsersResponse: MessageTypeDefinition<_demo_user_v1_WatchUsersResponse, _demo_user_v1_WatchUsersResponse__Output>
      }
    }
  }
  google: {
    protobuf: {
      Timestamp: MessageTypeDefinition<_google_protobuf_Timestamp, _google_protobuf_Timestamp__Output>
    }
  }
}

