import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as grpc from '@grpc/grpc-js';
import { secretKey } from '../src/auth.js';
import { createLogger } from '../src/logger.js';
import { ReplicatedService } from '../src/replication/replicated-service.js';
import { ReplicatedState, type Change } from '../src/replication/replicated-state.js';

// The start-up order, with a peer whose answer the test holds back: the
// fault-injection and defense-switch tests run real replicas, where the
// peers answer too fast to tell "adopted, then ready" from "ready, then adopted".
test('a replicated service reports ready only once it holds the value its peers hold, and its own start-up is done', async () => {
  const peerAsked = Promise.withResolvers<undefined>();
  const peerAnswer = Promise.withResolvers<Change<string>>();
  const ownStartUp = Promise.withResolvers<undefined>();
  const state = new ReplicatedState('start-up value');
  const service = new ReplicatedService({
    state,
    peers: { addresses: async () => ['10.0.0.2:50051'], includesHost: async () => true },
    replica: () => '10.0.0.1:50051',
    connect: () => ({ close: () => undefined }) as unknown as grpc.Client,
    transport: {
      push: async () => [],
      pull: () => {
        peerAsked.resolve(undefined);
        return peerAnswer.promise;
      },
    },
    key: secretKey('replicated-service-test-secret-0123456789'),
    topic: 'test',
    logger: createLogger({ service: 'test', level: 'silent' }),
  });
  const steps: string[] = [];
  const server = {
    start: async () => void steps.push('listening'),
    setReady: (ready: boolean) => void steps.push(ready ? 'ready' : 'not ready'),
  };

  const started = service.startServing(server, () => ownStartUp.promise);
  await peerAsked.promise;
  assert.deepEqual(steps, ['not ready', 'listening'], 'serving, not ready, while the peer has not answered');

  peerAnswer.resolve({ value: 'the peers’ value', version: { atMs: Date.now(), origin: '10.0.0.2:50051' } });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(state.current, 'the peers’ value');
  assert.deepEqual(steps, ['not ready', 'listening'], 'still not ready: the service’s own start-up is not done');

  ownStartUp.resolve(undefined);
  await started;
  assert.deepEqual(steps, ['not ready', 'listening', 'ready']);
  service.close();
});
