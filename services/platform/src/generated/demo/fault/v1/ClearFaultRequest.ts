// Original file: proto/demo/fault/v1/fault_service.proto


export interface ClearFaultRequest {
}

export interface ClearFaultRequest__Output {
}
