// Original file: proto/demo/user/v1/user_service.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { BatchCreateUsersRequest as _demo_user_v1_BatchCreateUsersRequest, BatchCreateUsersRequest__Output as _demo_user_v1_BatchCreateUsersRequest__Output } from '../../../demo/user/v1/BatchCreateUsersRequest.js';
import type { BatchCreateUsersResponse as _demo_user_v1_BatchCreateUsersResponse, BatchCreateUsersResponse__Output as _demo_user_v1_BatchCreateUsersResponse__Output } from '../../../demo/user/v1/BatchCreateUsersResponse.js';
import type { CreateUserRequest as _demo_user_v1_CreateUserRequest, CreateUserRequest__Output as _demo_user_v1_CreateUserRequest__Output } from '../../../demo/user/v1/CreateUserRequest.js';
import type { CreateUserResponse as _demo_user_v1_CreateUserResponse, CreateUserResponse__Output as _demo_user_v1_CreateUserResponse__Output } from '../../../demo/user/v1/CreateUserResponse.js';
import type { GetUserRequest as _demo_user_v1_GetUserRequest, GetUserRequest__Output as _demo_user_v1_GetUserRequest__Output } from '../../../demo/user/v1/GetUserRequest.js';
import type { GetUserResponse as _demo_user_v1_GetUserResponse, GetUserResponse__Output as _demo_user_v1_GetUserResponse__Output } from '../../../demo/user/v1/GetUserResponse.js';
import type { ListUsersRequest as _demo_user_v1_ListUsersRequest, ListUsersRequest__Output as _demo_user_v1_ListUsersRequest__Output } from '../../../demo/user/v1/ListUsersRequest.js';
import type { ListUsersResponse as _demo_user_v1_ListUsersResponse, ListUsersResponse__Output as _demo_user_v1_ListUsersResponse__Output } from '../../../demo/user/v1/ListUsersResponse.js';
import type { WatchUsersRequest as _demo_user_v1_WatchUsersRequest, WatchUsersRequest__Output as _demo_user_v1_WatchUsersRequest__Output } from '../../../demo/user/v1/WatchUsersRequest.js';
import type { WatchUsersResponse as _demo_user_v1_WatchUsersResponse, WatchUsersResponse__Output as _demo_user_v1_WatchUsersResponse__Output } from '../../../demo/user/v1/WatchUsersResponse.js';

export interface UserServiceClient extends grpc.Client {
  BatchCreateUsers(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_demo_user_v1_BatchCreateUsersResponse__Output>): grpc.ClientWritableStream<_demo_user_v1_BatchCreateUsersRequest>;
  BatchCreateUsers(metadata: grpc.Metadata, callback: grpc.requestCallback<_demo_user_v1_BatchCreateUsersResponse__Output>): grpc.ClientWritableStream<_demo_user_v1_BatchCreateUsersRequest>;
  BatchCreateUsers(options: grpc.CallOptions, callback: grpc.requestCallback<_demo_user_v1_BatchCreateUsersResponse__Output>): grpc.ClientWritableStream<_demo_user_v1_BatchCreateUsersRequest>;
  BatchCreateUsers(callback: grpc.requestCallback<_demo_user_v1_BatchCreateUsersResponse__Output>): grpc.ClientWritableStream<_demo_user_v1_BatchCreateUsersRequest>;
  batchCreateUsers(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_demo_user_v1_BatchCreateUsersResponse__Output>): grpc.ClientWritableStream<_demo_user_v1_BatchCreateUsersRequest>;
  batchCreateUsers(metadata: grpc.Metadata, callback: grpc.requestCallback<_demo_user_v1_BatchCreateUsersResponse__Output>): grpc.ClientWritableStream<_demo_user_v1_BatchCreateUsersRequest>;
  batchCreateUsers(options: grpc.CallOptions, callback: grpc.requestCallback<_demo_user_v1_BatchCreateUsersResponse__Output>): grpc.ClientWritableStream<_demo_user_v1_BatchCreateUsersRequest>;
  batchCreateUsers(callback: grpc.requestCallback<_demo_user_v1_BatchCreateUsersResponse__Output>): grpc.ClientWritableStream<_demo_user_v1_BatchCreateUsersRequest>;
  
  CreateUser(argument: _demo_user_v1_CreateUserRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_demo_user_v1_CreateUserResponse__Output>): grpc.ClientUnaryCall;
  CreateUser(argument: _demo_user_v1_CreateUserRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_demo_user_v1_CreateUserResponse__Output>): grpc.ClientUnaryCall;
  CreateUser(argument: _demo_user_v1_CreateUserRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_demo_user_v1_CreateUserResponse__Output>): grpc.ClientUnaryCall;
  CreateUser(argument: _demo_user_v1_CreateUserRequest, callback: grpc.requestCallback<_demo_user_v1_CreateUserResponse__Output>): grpc.ClientUnaryCall;
  createUser(argument: _demo_user_v1_CreateUserRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_demo_user_v1_CreateUserResponse__Output>): grpc.ClientUnaryCall;
  createUser(argument: _demo_user_v1_CreateUserRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_demo_user_v1_CreateUserResponse__Output>): grpc.ClientUnaryCall;
  createUser(argument: _demo_user_v1_CreateUserRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_demo_user_v1_CreateUserResponse__Output>): grpc.ClientUnaryCall;
  createUser(argument: _demo_user_v1_CreateUserRequest, callback: grpc.requestCallback<_demo_user_v1_CreateUserResponse__Output>): grpc.ClientUnaryCall;
  
  GetUser(argument: _demo_user_v1_GetUserRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_demo_user_v1_GetUserResponse__Output>): grpc.ClientUnaryCall;
  GetUser(argument: _demo_user_v1_GetUserRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_demo_user_v1_GetUserResponse__Output>): grpc.ClientUnaryCall;
  GetUser(argument: _demo_user_v1_GetUserRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_demo_user_v1_GetUserResponse__Output>): grpc.ClientUnaryCall;
  GetUser(argument: _demo_user_v1_GetUserRequest, callback: grpc.requestCallback<_demo_user_v1_GetUserResponse__Output>): grpc.ClientUnaryCall;
  getUser(argument: _demo_user_v1_GetUserRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_demo_user_v1_GetUserResponse__Output>): grpc.ClientUnaryCall;
  getUser(argument: _demo_user_v1_GetUserRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_demo_user_v1_GetUserResponse__Output>): grpc.ClientUnaryCall;
  getUser(argument: _demo_user_v1_GetUserRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_demo_user_v1_GetUserResponse__Output>): grpc.ClientUnaryCall;
  getUser(argument: _demo_user_v1_GetUserRequest, callback: grpc.requestCallback<_demo_user_v1_GetUserResponse__Output>): grpc.ClientUnaryCall;
  
  ListUsers(argument: _demo_user_v1_ListUsersRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_demo_user_v1_ListUsersResponse__Output>): grpc.ClientUnaryCall;
  ListUsers(argument: _demo_user_v1_ListUsersRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_demo_user_v1_ListUsersResponse__Output>): grpc.ClientUnaryCall;
  ListUsers(argument: _demo_user_v1_ListUsersRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_demo_user_v1_ListUsersResponse__Output>): grpc.ClientUnaryCall;
  ListUsers(argument: _demo_user_v1_ListUsersRequest, callback: grpc.requestCallback<_demo_user_v1_ListUsersResponse__Output>): grpc.ClientUnaryCall;
  listUsers(argument: _demo_user_v1_ListUsersRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_demo_user_v1_ListUsersResponse__Output>): grpc.ClientUnaryCall;
  listUsers(argument: _demo_user_v1_ListUsersRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_demo_user_v1_ListUsersResponse__Output>): grpc.ClientUnaryCall;
  listUsers(argument: _demo_user_v1_ListUsersRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_demo_user_v1_ListUsersResponse__Output>): grpc.ClientUnaryCall;
  listUsers(argument: _demo_user_v1_ListUsersRequest, callback: grpc.requestCallback<_demo_user_v1_ListUsersResponse__Output>): grpc.ClientUnaryCall;
  
  WatchUsers(argument: _demo_user_v1_WatchUsersRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_demo_user_v1_WatchUsersResponse__Output>;
  WatchUsers(argument: _demo_user_v1_WatchUsersRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_demo_user_v1_WatchUsersResponse__Output>;
  watchUsers(argument: _demo_user_v1_WatchUsersRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_demo_user_v1_WatchUsersResponse__Output>;
  watchUsers(argument: _demo_user_v1_WatchUsersRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_demo_user_v1_WatchUsersResponse__Output>;
  
}

export interface UserServiceHandlers extends grpc.UntypedServiceImplementation {
  BatchCreateUsers: grpc.handleClientStreamingCall<_demo_user_v1_BatchCreateUsersRequest__Output, _demo_user_v1_BatchCreateUsersResponse>;
  
  CreateUser: grpc.handleUnaryCall<_demo_user_v1_CreateUserRequest__Output, _demo_user_v1_CreateUserResponse>;
  
  GetUser: grpc.handleUnaryCall<_demo_user_v1_GetUserRequest__Output, _demo_user_v1_GetUserResponse>;
  
  ListUsers: grpc.handleUnaryCall<_demo_user_v1_ListUsersRequest__Output, _demo_user_v1_ListUsersResponse>;
  
  WatchUsers: grpc.handleServerStreamingCall<_demo_user_v1_WatchUsersRequest__Output, _demo_user_v1_WatchUsersResponse>;
  
}

export interface UserServiceDefinition extends grpc.ServiceDefinition {
  BatchCreateUsers: MethodDefinition<_demo_user_v1_BatchCreateUsersRequest, _demo_user_v1_BatchCreateUsersResponse, _demo_user_v1_BatchCreateUsersRequest__Output, _demo_user_v1_BatchCreateUsersResponse__Output>
  CreateUser: MethodDefinition<_demo_user_v1_CreateUserRequest, _demo_user_v1_CreateUserResponse, _demo_user_v1_CreateUserRequest__Output, _demo_user_v1_CreateUserResponse__Output>
  GetUser: MethodDefinition<_demo_user_v1_GetUserRequest, _demo_user_v1_GetUserResponse, _demo_user_v1_GetUserRequest__Output, _demo_user_v1_GetUserResponse__Output>
  ListUsers: MethodDefinition<_demo_user_v1_ListUsersRequest, _demo_user_v1_ListUsersResponse, _demo_user_v1_ListUsersRequest__Output, _demo_user_v1_ListUsersResponse__Output>
  WatchUsers: MethodDefinition<_demo_user_v1_WatchUsersRequest, _demo_user_v1_WatchUsersResponse, _demo_user_v1_WatchUsersRequest__Output, _demo_user_v1_WatchUsersResponse__Output>
}
