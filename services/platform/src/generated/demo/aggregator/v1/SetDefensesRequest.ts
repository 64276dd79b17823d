// Original file: proto/demo/aggregator/v1/defense_service.proto

import type { Defenses as _demo_aggregator_v1_Defenses, Defenses__Output as _demo_aggregator_v1_Defenses__Output } from '../../../demo/aggregator/v1/Defenses.js';

export interface SetDefensesRequest {
  'defenses'?: (_demo_aggregator_v1_Defenses | null);
}

export interface SetDefensesRequest__Output {
  'defenses': (_demo_aggregator_v1_Defenses__Output | null);
}
