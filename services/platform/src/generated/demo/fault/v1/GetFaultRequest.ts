// Original file: proto/demo/fault/v1/fault_service.proto


export interface GetFaultRequest {
}

export interface GetFaultRequest__Output {
}
