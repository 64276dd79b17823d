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
import type { CustomHttpPattern as _google_api_CustomHttpPattern, CustomHttpPattern__Output as _google_api_CustomHttpPattern__Output } from './google/api/CustomHttpPattern.js';
import type { Http as _google_api_Http, Http__Output as _google_api_Http__Output } from './google/api/Http.js';
import type { HttpRule as _google_api_HttpRule, HttpRule__Output as _google_api_HttpRule__Output } from './google/api/HttpRule.js';
import type { DescriptorProto as _google_protobuf_DescriptorProto, DescriptorProto__Output as _google_protobuf_DescriptorProto__Output } from './google/protobuf/DescriptorProto.js';
import type { EnumDescriptorProto as _google_protobuf_EnumDescriptorProto, EnumDescriptorProto__Output as _google_protobuf_EnumDescriptorProto__Output } from './google/protobuf/EnumDescriptorProto.js';
import type { EnumOptions as _google_protobuf_EnumOptions, EnumOptions__Output as _google_protobuf_EnumOptions__Output } from './google/protobuf/EnumOptions.js';
import type { EnumValueDescriptorProto as _google_protobuf_EnumValueDescriptorProto, EnumValueDescriptorProto__Output as _google_protobuf_EnumValueDescriptorProto__Output } from './google/protobuf/EnumValueDescriptorProto.js';
import type { EnumValueOptions as _google_protobuf_EnumValueOptions, EnumValueOptions__Output as _google_protobuf_EnumValueOptions__Output } from './google/protobuf/EnumValueOptions.js';
import type { ExtensionRangeOptions as _google_protobuf_ExtensionRangeOptions, ExtensionRangeOptions__Output as _google_protobuf_ExtensionRangeOptions__Output } from './google/protobuf/ExtensionRangeOptions.js';
import type { FeatureSet as _google_protobuf_FeatureSet, FeatureSet__Output as _google_protobuf_FeatureSet__Output } from './google/protobuf/FeatureSet.js';
import type { FeatureSetDefaults as _google_protobuf_FeatureSetDefaults, FeatureSetDefaults__Output as _google_protobuf_FeatureSetDefaults__Output } from './google/protobuf/FeatureSetDefaults.js';
import type { FieldDescriptorProto as _google_protobuf_FieldDescriptorProto, FieldDescriptorProto__Output as _google_protobuf_FieldDescriptorProto__Output } from './google/protobuf/FieldDescriptorProto.js';
import type { FieldOptions as _google_protobuf_FieldOptions, FieldOptions__Output as _google_protobuf_FieldOptions__Output } from './google/protobuf/FieldOptions.js';
import type { FileDescriptorProto as _google_protobuf_FileDescriptorProto, FileDescriptorProto__Output as _google_protobuf_FileDescriptorProto__Output } from './google/protobuf/FileDescriptorProto.js';
import type { FileDescriptorSet as _google_protobuf_FileDescriptorSet, FileDescriptorSet__Output as _google_protobuf_FileDescriptorSet__Output } from './google/protobuf/FileDescriptorSet.js';
import type { FileOptions as _google_protobuf_FileOptions, FileOptions__Output as _google_protobuf_FileOptions__Output } from './google/protobuf/FileOptions.js';
import type { GeneratedCodeInfo as _google_protobuf_GeneratedCodeInfo, GeneratedCodeInfo__Output as _google_protobuf_GeneratedCodeInfo__Output } from './google/protobuf/GeneratedCodeInfo.js';
import type { MessageOptions as _google_protobuf_MessageOptions, MessageOptions__Output as _google_protobuf_MessageOptions__Output } from './google/protobuf/MessageOptions.js';
import type { MethodDescriptorProto as _google_protobuf_MethodDescriptorProto, MethodDescriptorProto__Output as _google_protobuf_MethodDescriptorProto__Output } from './google/protobuf/MethodDescriptorProto.js';
import type { MethodOptions as _google_protobuf_MethodOptions, MethodOptions__Output as _google_protobuf_MethodOptions__Output } from './google/protobuf/MethodOptions.js';
import type { OneofDescriptorProto as _google_protobuf_OneofDescriptorProto, OneofDescriptorProto__Output as _google_protobuf_OneofDescriptorProto__Output } from './google/protobuf/OneofDescriptorProto.js';
import type { OneofOptions as _google_protobuf_OneofOptions, OneofOptions__Output as _google_protobuf_OneofOptions__Output } from './google/protobuf/OneofOptions.js';
import type { ServiceDescriptorProto as _google_protobuf_ServiceDescriptorProto, ServiceDescriptorProto__Output as _google_protobuf_ServiceDescriptorProto__Output } from './google/protobuf/ServiceDescriptorProto.js';
import type { ServiceOptions as _google_protobuf_ServiceOptions, ServiceOptions__Output as _google_protobuf_ServiceOptions__Output } from './google/protobuf/ServiceOptions.js';
import type { SourceCodeInfo as _google_protobuf_SourceCodeInfo, SourceCodeInfo__Output as _google_protobuf_SourceCodeInfo__Output } from './google/protobuf/SourceCodeInfo.js';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from './google/protobuf/Timestamp.js';
import type { UninterpretedOption as _google_protobuf_UninterpretedOption, UninterpretedOption__Output as _google_protobuf_UninterpretedOption__Output } from './google/protobuf/UninterpretedOption.js';

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
    api: {
      CustomHttpPattern: MessageTypeDefinition<_google_api_CustomHttpPattern, _google_api_CustomHttpPattern__Output>
      Http: MessageTypeDefinition<_google_api_Http, _google_api_Http__Output>
      HttpRule: MessageTypeDefinition<_google_api_HttpRule, _google_api_HttpRule__Output>
    }
    protobuf: {
      DescriptorProto: MessageTypeDefinition<_google_protobuf_DescriptorProto, _google_protobuf_DescriptorProto__Output>
      Edition: EnumTypeDefinition
      EnumDescriptorProto: MessageTypeDefinition<_google_protobuf_EnumDescriptorProto, _google_protobuf_EnumDescriptorProto__Output>
      EnumOptions: MessageTypeDefinition<_google_protobuf_EnumOptions, _google_protobuf_EnumOptions__Output>
      EnumValueDescriptorProto: MessageTypeDefinition<_google_protobuf_EnumValueDescriptorProto, _google_protobuf_EnumValueDescriptorProto__Output>
      EnumValueOptions: MessageTypeDefinition<_google_protobuf_EnumValueOptions, _google_protobuf_EnumValueOptions__Output>
      ExtensionRangeOptions: MessageTypeDefinition<_google_protobuf_ExtensionRangeOptions, _google_protobuf_ExtensionRangeOptions__Output>
      FeatureSet: MessageTypeDefinition<_google_protobuf_FeatureSet, _google_protobuf_FeatureSet__Output>
      FeatureSetDefaults: MessageTypeDefinition<_google_protobuf_FeatureSetDefaults, _google_protobuf_FeatureSetDefaults__Output>
      FieldDescriptorProto: MessageTypeDefinition<_google_protobuf_FieldDescriptorProto, _google_protobuf_FieldDescriptorProto__Output>
      FieldOptions: MessageTypeDefinition<_google_protobuf_FieldOptions, _google_protobuf_FieldOptions__Output>
      FileDescriptorProto: MessageTypeDefinition<_google_protobuf_FileDescriptorProto, _google_protobuf_FileDescriptorProto__Output>
      FileDescriptorSet: MessageTypeDefinition<_google_protobuf_FileDescriptorSet, _google_protobuf_FileDescriptorSet__Output>
      FileOptions: MessageTypeDefinition<_google_protobuf_FileOptions, _google_protobuf_FileOptions__Output>
      GeneratedCodeInfo: MessageTypeDefinition<_google_protobuf_GeneratedCodeInfo, _google_protobuf_GeneratedCodeInfo__Output>
      MessageOptions: MessageTypeDefinition<_google_protobuf_MessageOptions, _google_protobuf_MessageOptions__Output>
      MethodDescriptorProto: MessageTypeDefinition<_google_protobuf_MethodDescriptorProto, _google_protobuf_MethodDescriptorProto__Output>
      MethodOptions: MessageTypeDefinition<_google_protobuf_MethodOptions, _google_protobuf_MethodOptions__Output>
      OneofDescriptorProto: MessageTypeDefinition<_google_protobuf_OneofDescriptorProto, _google_protobuf_OneofDescriptorProto__Output>
      OneofOptions: MessageTypeDefinition<_google_protobuf_OneofOptions, _google_protobuf_OneofOptions__Output>
      ServiceDescriptorProto: MessageTypeDefinition<_google_protobuf_ServiceDescriptorProto, _google_protobuf_ServiceDescriptorProto__Output>
      ServiceOptions: MessageTypeDefinition<_google_protobuf_ServiceOptions, _google_protobuf_ServiceOptions__Output>
      SourceCodeInfo: MessageTypeDefinition<_google_protobuf_SourceCodeInfo, _google_protobuf_SourceCodeInfo__Output>
      SymbolVisibility: EnumTypeDefinition
      Timestamp: MessageTypeDefinition<_google_protobuf_Timestamp, _google_protobuf_Timestamp__Output>
      UninterpretedOption: MessageTypeDefinition<_google_protobuf_UninterpretedOption, _google_protobuf_UninterpretedOption__Output>
    }
  }
}

