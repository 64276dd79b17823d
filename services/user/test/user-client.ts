// A promise-based UserService client for the tests, plus what they share:
// where the compiled service lives and unique emails.
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { loadProtos } from '@demo/platform';
import type { BatchCreateUsersRequest } from '@demo/platform/generated/demo/user/v1/BatchCreateUsersRequest.js';
import type { BatchCreateUsersResponse__Output } from '@demo/platform/generated/demo/user/v1/BatchCreateUsersResponse.js';
import type { CreateUserRequest } from '@demo/platform/generated/demo/user/v1/CreateUserRequest.js';
import type { ListUsersRequest } from '@demo/platform/generated/demo/user/v1/ListUsersRequest.js';
import type { ListUsersResponse__Output } from '@demo/platform/generated/demo/user/v1/ListUsersResponse.js';
import type { User__Output } from '@demo/platform/generated/demo/user/v1/User.js';
import type { UserServiceClient } from '@demo/platform/generated/demo/user/v1/UserService.js';
import type { WatchUsersResponse__Output } from '@demo/platform/generated/demo/user/v1/WatchUsersResponse.js';

/** The compiled service, dist/src/main.js, seen from dist/test. */
export const userServiceEntry = fileURLToPath(new URL('../src/main.js', import.meta.url));

/** The pub/sub channel the Redis store publishes created users on. */
export const userEventsChannel = 'users:created';

let emailCounter = 0;
/** An address no other test uses, so tests sharing a store do not collide. */
export function uniqueEmail(label: string): string {
  emailCounter += 1;
  return `${label}-${process.pid}-${emailCounter}@example.com`;
}

const protos = loadProtos();
/** Long enough for a loaded CI machine, short enough that a hang fails the test quickly. */
const callTimeoutMs = 5000;
const withDeadline = (): grpc.CallOptions => ({ deadline: Date.now() + callTimeoutMs });

export interface Watch {
  /** Every user received so far, in order. */
  readonly users: User__Output[];
  /** The status the stream ended with. */
  readonly ended: Promise<grpc.StatusObject>;
  cancel(): void;
}

export class UserClient {
  readonly raw: UserServiceClient;

  constructor(address: string) {
    this.raw = new protos.demo.user.v1.UserService(address, grpc.credentials.createInsecure());
  }

  async getUser(id: string): Promise<User__Output> {
    const response = await new Promise<{ user: User__Output | null }>((resolve, reject) => {
      this.raw.getUser({ id }, withDeadline(), settle(resolve, reject));
    });
    return present(response.user);
  }

  async createUser(request: CreateUserRequest): Promise<User__Output> {
    const response = await new Promise<{ user: User__Output | null }>((resolve, reject) => {
      this.raw.createUser(request, withDeadline(), settle(resolve, reject));
    });
    return present(response.user);
  }

  listUsers(request: ListUsersRequest): Promise<ListUsersResponse__Output> {
    return new Promise((resolve, reject) => {
      this.raw.listUsers(request, withDeadline(), settle(resolve, reject));
    });
  }

  /** Every user id, read page by page (at most 1000 pages, so a paging bug cannot loop forever). */
  async listAllIds(pageSize = 100): Promise<string[]> {
    const ids: string[] = [];
    let pageToken = '';
    for (let page = 0; page < 1000; page += 1) {
      const response = await this.listUsers({ pageSize, pageToken });
      ids.push(...response.users.map((user) => user.id));
      if (response.nextPageToken === '') return ids;
      pageToken = response.nextPageToken;
    }
    throw new Error('paging did not end after 1000 pages');
  }

  batchCreateUsers(requests: BatchCreateUsersRequest[]): Promise<BatchCreateUsersResponse__Output> {
    return new Promise((resolve, reject) => {
      const stream = this.raw.batchCreateUsers(withDeadline(), settle(resolve, reject));
      for (const request of requests) stream.write(request);
      stream.end();
    });
  }

  /** Starts a watch; with `deadlineMs` the server ends it after that long. */
  watchUsers(includeExisting: boolean, deadlineMs?: number, resumeAfterId = '0'): Watch {
    const call = this.raw.watchUsers(
      { includeExisting, resumeAfterId },
      deadlineMs === undefined ? {} : { deadline: Date.now() + deadlineMs },
    );
    const users: User__Output[] = [];
    call.on('data', (message: WatchUsersResponse__Output) => users.push(present(message.user)));
    // The status event carries the outcome; without an error listener a failed stream would throw.
    call.on('error', () => undefined);
    const ended = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
    return { users, ended, cancel: () => call.cancel() };
  }

  close(): void {
    this.raw.close();
  }
}

function settle<T>(resolve: (value: T) => void, reject: (error: Error) => void): grpc.requestCallback<T> {
  return (error, value) => {
    if (error) reject(error);
    else if (value === undefined) reject(new Error('no response and no error'));
    else resolve(value);
  };
}

function present(user: User__Output | null): User__Output {
  if (!user) throw new Error('response has no user');
  return user;
}
