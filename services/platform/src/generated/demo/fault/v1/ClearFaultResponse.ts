// Original file: proto/demo/fault/v1/fault_service.proto


export interface ClearFaultResponse {
  'appliedTo'?: (string)[];
}

export interface ClearFaultResponse__Output {
  'appliedTo': (string)[];
}
