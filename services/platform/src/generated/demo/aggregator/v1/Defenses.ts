// Original file: proto/demo/aggregator/v1/defense_service.proto


export interface Defenses {
  'timeouts'?: (boolean);
  'retries'?: (boolean);
  'circuitBreaker'?: (boolean);
  'bulkhead'?: (boolean);
  'fallback'?: (boolean);
}

export interface Defenses__Output {
  'timeouts': (boolean);
  'retries': (boolean);
  'circuitBreaker': (boolean);
  'bulkhead': (boolean);
  'fallback': (boolean);
}
