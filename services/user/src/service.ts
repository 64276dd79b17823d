import {
  InvalidArgumentError,
  OutOfRangeError,
  UnavailableError,
  type AuthPolicy,
  type CallContext,
  type RpcHandlers,
} from '@demo/platform';
import type { User as UserMessage } from '@demo/platform/generated/demo/user/v1/User.js';
import type { UserServiceHandlers } from '@demo/platform/generated/demo/user/v1/UserService.js';
import { decodePageToken, encodePageToken, resolvePageSize } from './page-token.js';
import type { UserStore } from './store.js';
import {
  maxBatchSize,
  parseResumeAfterId,
  resumePastNewest,
  storedUserId,
  validateNewUser,
  validateNewUsers,
  validateRequestId,
  type User,
} from './users.js';

/**
 * UserService needs no token (DESIGN.md: only the aggregator and FaultService
 * do): it is reached inside the cluster, behind the aggregator.
 */
export const userAuthPolicy: AuthPolicy = {
  '/demo.user.v1.UserService/GetUser': 'public',
  '/demo.user.v1.UserService/ListUsers': 'public',
  '/demo.user.v1.UserService/CreateUser': 'public',
  '/demo.user.v1.UserService/WatchUsers': 'public',
  '/demo.user.v1.UserService/BatchCreateUsers': 'public',
};

/** The gRPC surface of UserService: translate messages, call the store. */
export function userHandlers(rpc: RpcHandlers, deps: { userStore: UserStore }): UserServiceHandlers {
  const { userStore } = deps;
  return {
    GetUser: rpc.unary(async (request, ctx) => ({
      user: toMessage(await userStore.get(storedUserId(request.id), ctx)),
    })),

    ListUsers: rpc.unary(async (request, ctx) => {
      const pageSize = resolvePageSize(request.pageSize);
      const afterId = decodePageToken(request.pageToken);
      const { users, total, hasMore } = await userStore.list({ pageSize, afterId }, ctx);
      const last = users.at(-1);
      return {
        users: users.map(toMessage),
        nextPageToken: hasMore && last ? encodePageToken(last.id) : '',
        totalCount: total,
      };
    }),

    CreateUser: rpc.unary(async (request, ctx) => {
      const newUser = validateNewUser(request);
      const requestId = validateRequestId(request.requestId);
      const [user] = await userStore.create([newUser], { requestId, signal: ctx.signal, deadline: ctx.deadline });
      if (!user) throw new Error('the store created no user');
      return { user: toMessage(user) };
    }),

    WatchUsers: rpc.serverStream(async (request, send, ctx) => {
      // A watch never finishes on its own: it ends when the client cancels or
      // when this server starts draining, so shutdown need not wait for it.
      const stop = AbortSignal.any([ctx.signal, ctx.draining]);
      const resumeAfterId = parseResumeAfterId(request.resumeAfterId);
      if (resumeAfterId !== undefined) await checkResumePoint(userStore, resumeAfterId, ctx);
      const options = { includeExisting: request.includeExisting, afterId: resumeAfterId };
      for await (const user of userStore.watch(stop, options)) {
        // A send waiting for a slow or vanished client must not outlive the
        // call. (Racing each send against one long-lived "stopped" promise
        // would leave a reaction on it per message: memory that grows with
        // every user streamed until the watch ends.)
        try {
          await send({ user: toMessage(user) }, { signal: stop });
        } catch (error) {
          if (stop.aborted) break;
          throw error;
        }
      }
      // UNAVAILABLE tells the client to reconnect, and its channel picks another replica.
      if (ctx.draining.aborted && !ctx.signal.aborted) throw new UnavailableError('server is shutting down');
    }),

    BatchCreateUsers: rpc.clientStream(async (requests, ctx) => {
      const received: { name: string; email: string }[] = [];
      let requestId: string | undefined;
      for await (const request of requests) {
        if (received.length === maxBatchSize) {
          throw new InvalidArgumentError(`a batch holds at most ${maxBatchSize} users`);
        }
        received.push(request);
        const messageRequestId = validateRequestId(request.requestId);
        if (messageRequestId !== undefined && requestId !== undefined && messageRequestId !== requestId) {
          throw new InvalidArgumentError('every request_id of a batch must be the same');
        }
        requestId ??= messageRequestId;
      }
      // A client that cancelled mid-stream wanted none of it created.
      ctx.signal.throwIfAborted();
      const users = await userStore.create(validateNewUsers(received), {
        requestId,
        signal: ctx.signal,
        deadline: ctx.deadline,
      });
      return { users: users.map(toMessage), createdCount: users.length };
    }),
  };
}

/**
 * A resume point past the newest user names a user this service never sent:
 * the client is confused (or resuming against another store), and waiting
 * until that id exists would silently skip every user before it.
 */
async function checkResumePoint(userStore: UserStore, afterId: number, ctx: CallContext): Promise<void> {
  const { users } = await userStore.list({ pageSize: 1, afterId: afterId - 1 }, ctx);
  if (users.length === 0) throw new OutOfRangeError(resumePastNewest(afterId));
}

/** The domain user as the proto message: int64 as a decimal string, time as a Timestamp. */
export function toMessage(user: User): UserMessage {
  const millis = user.createTime.getTime();
  return {
    id: String(user.id),
    name: user.name,
    email: user.email,
    status: user.status,
    createTime: { seconds: String(Math.floor(millis / 1000)), nanos: (millis % 1000) * 1_000_000 },
  };
}
