// Original file: proto/demo/fault/v1/fault_service.proto


export interface FaultAbort {
  'grpcCode'?: (number);
  'percentage'?: (number | string);
}

export interface FaultAbort__Output {
  'grpcCode': (number);
  'percentage': (number);
}
