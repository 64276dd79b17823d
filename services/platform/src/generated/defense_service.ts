import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { DefenseServiceClient as _demo_aggregator_v1_DefenseServiceClient, DefenseServiceDefinition as _demo_aggregator_v1_DefenseServiceDefinition } from './demo/aggregator/v1/DefenseService.js';
import type { Defenses as _demo_aggregator_v1_Defenses, Defenses__Output as _demo_aggregator_v1_Defenses__Output } from './demo/aggregator/v1/Defenses.js';
import type { GetDefensesRequest as _demo_aggregator_v1_GetDefensesRequest, GetDefensesRequest__Output as _demo_aggregator_v1_GetDefensesRequest__Output } from './demo/aggregator/v1/GetDefensesRequest.js';
import type { GetDefensesResponse as _demo_aggregator_v1_GetDefensesResponse, GetDefensesResponse__Output as _demo_aggregator_v1_GetDefensesResponse__Output } from './demo/aggregator/v1/GetDefensesResponse.js';
import type { SetDefensesRequest as _demo_aggregator_v1_SetDefensesRequest, SetDefensesRequest__Output as _demo_aggregator_v1_SetDefensesRequest__Output } from './demo/aggregator/v1/SetDefensesRequest.js';
import type { SetDefensesResponse as _demo_aggregator_v1_SetDefensesResponse, SetDefensesResponse__Output as _demo_aggregator_v1_SetDefensesResponse__Output } from './demo/aggregator/v1/SetDefensesResponse.js';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from './google/protobuf/Timestamp.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  demo: {
    aggregator: {
      v1: {
        DefenseService: SubtypeConstructor<typeof grpc.Client, _demo_aggregator_v1_DefenseServiceClient> & { service: _demo_aggregator_v1_DefenseServiceDefinition }
        Defenses: MessageTypeDefinition<_demo_aggregator_v1_Defenses, _demo_aggregator_v1_Defenses__Output>
        GetDefensesRequest: MessageTypeDefinition<_demo_aggregator_v1_GetDefensesRequest, _demo_aggregator_v1_GetDefensesRequest__Output>
        GetDefensesResponse: MessageTypeDefinition<_demo_aggregator_v1_GetDefensesResponse, _demo_aggregator_v1_GetDefensesResponse__Output>
        SetDefensesRequest: MessageTypeDefinition<_demo_aggregator_v1_SetDefensesRequest, _demo_aggregator_v1_SetDefensesRequest__Output>
        SetDefensesResponse: MessageTypeDefinition<_demo_aggregator_v1_SetDefensesResponse, _demo_aggregator_v1_SetDefensesResponse__Output>
      }
    }
  }
  google: {
    protobuf: {
      Timestamp: MessageTypeDefinition<_google_protobuf_Timestamp, _google_protobuf_Timestamp__Output>
    }
  }
}

