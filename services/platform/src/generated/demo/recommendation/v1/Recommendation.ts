// Original file: proto/demo/recommendation/v1/recommendation_service.proto


export interface Recommendation {
  'productId'?: (string);
  'title'?: (string);
  'score'?: (number | string);
}

export interface Recommendation__Output {
  'productId': (string);
  'title': (string);
  'score': (number);
}
