// Original file: proto/demo/aggregator/v1/defense_service.proto

import type { Defenses as _demo_aggregator_v1_Defenses, Defenses__Output as _demo_aggregator_v1_Defenses__Output } from '../../../demo/aggregator/v1/Defenses.js';

export interface SetDefensesResponse {
  'defenses'?: (_demo_aggregator_v1_Defenses | null);
  'appliedTo'?: (string)[];
}

export interface SetDefensesResponse__Output {
  'defenses': (_demo_aggregator_v1_Defenses__Output | null);
  'appliedTo': (string)[];
}
