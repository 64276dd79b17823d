// Original file: proto/demo/aggregator/v1/defense_service.proto


export interface GetDefensesRequest {
}

export interface GetDefensesRequest__Output {
}
