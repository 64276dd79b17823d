import type { RpcHandlers } from '@demo/platform';
import { InvalidArgumentError } from '@demo/platform';
import type { RecommendationServiceHandlers } from '@demo/platform/generated/demo/recommendation/v1/RecommendationService.js';
import { viewsRemembered, type Recommender } from './recommender.js';

/** The gRPC surface of RecommendationService: translate messages, call the recommender. */
export function recommendationHandlers(
  rpc: RpcHandlers,
  deps: { recommender: Recommender; replica: () => string },
): RecommendationServiceHandlers {
  const { recommender, replica } = deps;
  return {
    GetRecommendations: rpc.unary(async (request) => ({
      recommendations: recommender.recommend(request.userId, { limit: request.limit }),
      servedBy: replica(),
    })),

    StreamRecommendations: rpc.bidiStream(async (requests, send) => {
      let userId: string | undefined;
      const viewed: string[] = [];
      for await (const request of requests) {
        userId ??= request.userId;
        if (request.userId !== userId) {
          throw new InvalidArgumentError('user_id must stay the same for the whole stream');
        }
        if (request.viewedProductId !== '') {
          recommender.requireProduct(request.viewedProductId);
          viewed.push(request.viewedProductId);
          if (viewed.length > viewsRemembered) viewed.shift();
        }
        await send({
          recommendations: recommender.recommend(userId, { limit: request.limit, viewed }),
          servedBy: replica(),
        });
      }
    }),
  };
}
