// Metadata over the server's limit is answered at once, with a status, from
// grpcurl, Python grpcio and grpc-js alike, and the server keeps serving.
// Three paths: a client that honours the server's advertised limit fails the
// call itself (grpcurl); Node resets a stream over the limit
// (RESOURCE_EXHAUSTED); a header field past Node's HPACK decoder (64 KiB
// encoded) used to leave the connection open and the call hanging to its
// deadline, and now closes the connection at once.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadProtos, maxMetadataBytes } from '@demo/platform';
import { runCommand, startService, type ServiceProcess } from '@demo/testkit/processes';
import { serviceEntry } from '@demo/testkit/entrypoints';
import { paths, repoRoot } from '../src/cluster/toolchain.js';

const kib = 1024;
// Just over the limit, past Node's HPACK limit, and up to 1 MB.
const oversized = [maxMetadataBytes + 1, 64 * kib, 70 * kib, 100 * kib, 300 * kib, 1024 * kib];
const manyEntries = 300;
const deadlineMs = 10_000;
const method = '/demo.user.v1.UserService/GetUser';

interface Outcome {
  client: string;
  what: string;
  code: string;
  details: string;
  ms: number;
}

let service: ServiceProcess;
const protos = loadProtos();

before(async () => {
  service = await startService({ name: 'metadata-user', entry: serviceEntry.user });
});
after(async () => {
  await service.stop();
});

/** Every call ended with a status of its own before its deadline, none with OK or DEADLINE_EXCEEDED. */
function assertAnsweredPromptly(outcomes: Outcome[]): void {
  const late = outcomes.filter(
    (o) => o.code === 'OK' || o.code === 'DEADLINE_EXCEEDED' || o.code === 'DeadlineExceeded',
  );
  assert.deepEqual(late, [], 'every oversized call gets a status of its own, not OK and not its deadline');
  const slowest = outcomes.reduce((a, b) => (b.ms > a.ms ? b : a));
  console.log(
    `${outcomes[0]?.client}: ${outcomes.length} oversized calls, the slowest answered in ${slowest.ms} ms (${slowest.what}: ${slowest.code})`,
  );
}

async function grpcJsCall(
  client: InstanceType<typeof protos.demo.user.v1.UserService>,
  what: string,
  metadata: grpc.Metadata,
): Promise<Outcome> {
  const started = Date.now();
  return new Promise((resolve) =>
    client.getUser({ id: 1 }, metadata, { deadline: Date.now() + deadlineMs }, (error) =>
      resolve({
        client: 'grpc-js',
        what,
        code: error ? grpc.status[error.code] : 'OK',
        details: error?.details ?? '',
        ms: Date.now() - started,
      }),
    ),
  );
}

test('grpc-js: oversized metadata and too many entries are answered at once, also 300 at a time, and normal calls keep answering', async () => {
  const client = new protos.demo.user.v1.UserService(service.address, grpc.credentials.createInsecure());
  try {
    const padded = (bytes: number) => {
      const metadata = new grpc.Metadata();
      metadata.set('x-pad', 'p'.repeat(bytes));
      return metadata;
    };
    const outcomes: Outcome[] = [];
    for (const bytes of oversized) outcomes.push(await grpcJsCall(client, `${bytes} bytes`, padded(bytes)));
    const many = new grpc.Metadata();
    for (let i = 0; i < manyEntries; i += 1) many.set(`x-entry-${i}`, 'v');
    outcomes.push(await grpcJsCall(client, `${manyEntries} entries`, many));
    outcomes.push(
      ...(await Promise.all(
        Array.from({ length: 300 }, () => grpcJsCall(client, 'burst of 70 KiB', padded(70 * kib))),
      )),
    );
    assertAnsweredPromptly(outcomes);
    assert.equal(outcomes[0]?.code, 'RESOURCE_EXHAUSTED', `just over the limit: ${JSON.stringify(outcomes[0])}`);
    // Under the limit, and after all that: an ordinary answer.
    const normal = await grpcJsCall(client, 'under the limit', padded(8 * kib));
    assert.equal(normal.code, 'NOT_FOUND', normal.details);
  } finally {
    client.close();
  }
});

test('Python grpcio: oversized metadata and too many entries are answered at once, also 300 at a time, and normal calls keep answering', async () => {
  const plan = {
    request: Buffer.from([0x08, 0x01]).toString('base64'),
    deadline_s: deadlineMs / 1000,
    calls: [
      ...oversized.map((bytes) => ({ pad_bytes: bytes })),
      { entries: manyEntries },
      { pad_bytes: 70 * kib, count: 300 },
      { pad_bytes: 8 * kib },
    ],
  };
  const { stdout } = await runCommand(
    'python3',
    [join(repoRoot, 'services/tools/clients/metadata_client.py'), service.address, method, JSON.stringify(plan)],
    { env: { ...process.env, PYTHONPATH: paths.pythonPackages }, timeoutMs: 120_000 },
  );
  const results = stdout
    .trim()
    .split('\n')
    .map(
      (line) =>
        JSON.parse(line) as {
          group: { pad_bytes?: number; entries?: number };
          code: string;
          details: string;
          ms: number;
        },
    );
  const normal = results.pop();
  assert.equal(normal?.code, 'NOT_FOUND', `under the limit, after the oversized calls: ${JSON.stringify(normal)}`);
  assert.equal(results.length, oversized.length + 1 + 300);
  assertAnsweredPromptly(
    results.map((r) => ({
      client: 'grpcio',
      what: r.group.entries ? `${r.group.entries} entries` : `${r.group.pad_bytes} bytes`,
      code: r.code,
      details: r.details,
      ms: r.ms,
    })),
  );
  assert.equal(results[0]?.code, 'RESOURCE_EXHAUSTED', `just over the limit: ${JSON.stringify(results[0])}`);
});

test('grpcurl: oversized metadata is refused by grpcurl itself from the limit the server advertises, too many entries by the server', async () => {
  // A command-line argument holds at most 128 KiB, so grpcurl's sizes stop at 120 KiB.
  const outcomes: Outcome[] = [];
  const grpcurl = async (what: string, headers: string[]): Promise<Outcome> => {
    const started = Date.now();
    const args = [
      '-plaintext',
      '-max-time',
      String(deadlineMs / 1000),
      ...headers.flatMap((h) => ['-H', h]),
      '-d',
      '{"id": 1}',
      service.address,
      method.slice(1),
    ];
    const { status, output } = await runCommand(paths.grpcurl, args, { timeoutMs: 30_000, allowFailure: true });
    const result =
      status === 0
        ? { code: 'OK', details: '' }
        : {
            code: /Code: (\w+)/.exec(output)?.[1] ?? /code = (\w+)/.exec(output)?.[1] ?? 'unknown',
            details: output.trim().slice(0, 300),
          };
    return { client: 'grpcurl', what, ...result, ms: Date.now() - started };
  };
  for (const bytes of oversized.filter((b) => b <= 120 * kib))
    outcomes.push(await grpcurl(`${bytes} bytes`, [`x-pad: ${'p'.repeat(bytes)}`]));
  outcomes.push(
    await grpcurl(
      `${manyEntries} entries`,
      Array.from({ length: manyEntries }, (_, i) => `x-entry-${i}: v`),
    ),
  );
  assertAnsweredPromptly(outcomes);
  for (const outcome of outcomes.slice(0, -1))
    assert.match(outcome.details, /maximum size \(16384 bytes\) set by server/);
  assert.equal(outcomes.at(-1)?.code, 'ResourceExhausted', JSON.stringify(outcomes.at(-1)));
  const normal = await grpcurl('under the limit', [`x-pad: ${'p'.repeat(8 * kib)}`]);
  assert.equal(normal.code, 'NotFound', normal.details);
});
