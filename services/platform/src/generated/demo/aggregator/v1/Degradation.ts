// Original file: proto/demo/aggregator/v1/aggregator_service.proto


export interface Degradation {
  'dependency'?: (string);
  'reason'?: (string);
}

export interface Degradation__Output {
  'dependency': (string);
  'reason': (string);
}
