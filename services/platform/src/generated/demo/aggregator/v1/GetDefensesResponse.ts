// Original file: proto/demo/aggregator/v1/defense_service.proto

import type { Defenses as _demo_aggregator_v1_Defenses, Defenses__Output as _demo_aggregator_v1_Defenses__Output } from '../../../demo/aggregator/v1/Defenses.js';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../../google/protobuf/Timestamp.js';

export interface GetDefensesResponse {
  'defenses'?: (_demo_aggregator_v1_Defenses | null);
  'replica'?: (string);
  'updateTime'?: (_google_protobuf_Timestamp | null);
  'updateOrigin'?: (string);
}

export interface GetDefensesResponse__Output {
  'defenses': (_demo_aggregator_v1_Defenses__Output | null);
  'replica': (string);
  'updateTime': (_google_protobuf_Timestamp__Output | null);
  'updateOrigin': (string);
}
