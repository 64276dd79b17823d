import type { AuthPolicy, RpcHandlers } from '@demo/platform';
import { InvalidArgumentError, UnavailableError, untilAborted } from '@demo/platform';
import type { RecommendationServiceHandlers } from '@demo/platform/generated/demo/recommendation/v1/RecommendationService.js';
import { viewsRemembered, type Recommender } from './recommender.js';

/** Recommendations need no token: only the aggregator calls them, inside the cluster. */
export const recommendationAuthPolicy: AuthPolicy = {
  '/demo.recommendation.v1.RecommendationService/GetRecommendations': 'public',
  '/demo.recommendation.v1.RecommendationService/StreamRecommendations': 'public',
};

/** The gRPC surface of RecommendationService: translate messages, call the recommender. */
export function recommendationHandlers(
  rpc: RpcHandlers,
  /** `server` names the replica that answers (`served_by`): the GrpcServer these handlers run on. */
  deps: { recommender: Recommender; server: { readonly replica: string } },
): RecommendationServiceHandlers {
  const { recommender, server } = deps;
  return {
    GetRecommendations: rpc.unary(async (request) => ({
      recommendations: recommender.recommend(request.userId, { limit: request.limit }),
      servedBy: server.replica,
    })),

    StreamRecommendations: rpc.bidiStream(async (requests, send, ctx) => {
      let userId: string | undefined;
      const viewed: string[] = [];
      // The stream runs as long as the client keeps it open, so a draining
      // server ends it rather than wait for the client.
      for await (const request of untilAborted(requests, ctx.draining)) {
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
          servedBy: server.replica,
        });
      }
      // UNAVAILABLE tells the client to open a new stream, which its channel sends to another replica.
      if (ctx.draining.aborted && !ctx.signal.aborted) throw new UnavailableError('server is shutting down; reconnect');
    }),
  };
}
