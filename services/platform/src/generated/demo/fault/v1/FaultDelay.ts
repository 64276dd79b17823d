// Original file: proto/demo/fault/v1/fault_service.proto


export interface FaultDelay {
  'delayMs'?: (number);
  'percentage'?: (number | string);
}

export interface FaultDelay__Output {
  'delayMs': (number);
  'percentage': (number);
}
