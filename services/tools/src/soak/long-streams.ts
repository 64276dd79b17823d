// Long-lived streams from three clients nobody on one side wrote for the
// other (grpcurl, Python grpcio, grpc-js), held open against the user and
// recommendation services while the servers age their connections, with
// messages flowing both ways throughout. The suite runs it for a few
// keepalive intervals; `make soak` runs it for the minutes the README promises.
// A fourth client, REST through the gateway (Envoy), holds a watch too.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { envoyInstalled, startGateway, type GatewayProcess } from '@demo/testkit/envoy-process';
import { bearerHeaders, createClient, loadProtos, mintToken, secretKey, unaryCall } from '@demo/platform';
import { freePorts } from '@demo/testkit/ports';
import { startService, type ServiceProcess } from '@demo/testkit/processes';
import type { User__Output } from '@demo/platform/generated/demo/user/v1/User.js';
import type { WatchUsersResponse__Output } from '@demo/platform/generated/demo/user/v1/WatchUsersResponse.js';
import { paths, repoRoot } from '../cluster/toolchain.js';
import { serviceEntry } from '@demo/testkit/entrypoints';

const pythonClient = join(repoRoot, 'services/tools/clients/stream_client.py');
const { grpcurl: grpcurlPath, pythonPackages: pythonPath } = paths;

/** REST: newline-delimited JSON through the gateway (Envoy), which holds the gRPC stream upstream. */
export type StreamClient = 'grpcurl' | 'grpcio' | 'grpc-js' | 'REST';
export type StreamKind = 'watch' | 'bidi';

/** What one stream did over the run. */
export interface StreamOutcome {
  client: StreamClient;
  kind: StreamKind;
  messages: number;
  /** Milliseconds from the start of the run to its last message. */
  lastMessageMs: number;
  /** The longest silence between two messages (or from the start to the first). */
  longestGapMs: number;
  /** For a watch: the users it showed, in order. */
  emails: string[];
  /** How the stream ended: 'open' until the run closed it, else the error it ended with. */
  ended: string;
}

export interface LongStreamRun {
  durationMs: number;
  /** Every stream, and the users created (in order) that each watch must show once. */
  outcomes: StreamOutcome[];
  created: string[];
}

export interface LongStreamOptions {
  durationMs: number;
  /** The services' environment (connection age, keepalive); their defaults where unset. */
  serverEnv?: Record<string, string>;
  /** The grpc-js clients' keepalive interval (the platform's 30 s when unset). */
  clientKeepaliveMs?: number;
  /** A user created and a bidi request sent this often. */
  intervalMs?: number;
  log?: (line: string) => void;
}

interface Tracker {
  outcome: StreamOutcome;
  stop(): Promise<void>;
}

const intervalDefault = 250;

export function missingStreamClients(): string[] {
  const missing: string[] = [];
  if (!existsSync(grpcurlPath)) missing.push('grpcurl (make install)');
  if (!existsSync(`${pythonPath}/grpc`)) missing.push('Python grpcio in .tools/python (make install)');
  if (!envoyInstalled()) missing.push('Envoy in .tools/envoy, for the REST watch (make install)');
  return missing;
}

/**
 * Holds a watch and a bidirectional stream from each client open for the
 * duration, creating a user and asking for recommendations every interval,
 * and reports what each stream saw.
 */
export async function runLongStreams(options: LongStreamOptions): Promise<LongStreamRun> {
  const missing = missingStreamClients();
  if (missing.length > 0) throw new Error(`missing: ${missing.join(', ')}`);
  const intervalMs = options.intervalMs ?? intervalDefault;
  const env = { ...options.serverEnv };
  const services: ServiceProcess[] = [];
  const trackers: Tracker[] = [];
  const protos = loadProtos();
  const channelOptions: grpc.ChannelOptions =
    options.clientKeepaliveMs === undefined ? {} : { 'grpc.keepalive_time_ms': options.clientKeepaliveMs };
  let users: InstanceType<typeof protos.demo.user.v1.UserService> | undefined;
  let gateway: GatewayProcess | undefined;
  try {
    const user = await startService({ name: 'long-streams-user', entry: serviceEntry.user, env });
    services.push(user);
    const jwtSecret = 'long-streams-secret-0123456789abcdef0123';
    const recommendation = await startService({
      name: 'long-streams-recommendation',
      entry: serviceEntry.recommendation,
      // Its FaultService checks tokens; the gRPC streams here need none.
      env: { JWT_SECRET: jwtSecret, ...env },
    });
    services.push(recommendation);
    // The gateway in front of the user service, for a watch over REST. It
    // serves no GetUserHome here, so it has no aggregator to send one to.
    const [listenPort = 0, adminPort = 0] = await freePorts(2);
    gateway = await startGateway({
      listen: { host: '127.0.0.1', port: listenPort },
      admin: { host: '127.0.0.1', port: adminPort },
      upstreams: { user: [user.address], recommendation: [recommendation.address], aggregator: [] },
      jwtSecret,
    });
    const restToken = await mintToken({
      key: secretKey(jwtSecret),
      subject: 'long-streams',
      role: 'user',
      ttlSeconds: 86_400,
    });
    const started = Date.now();
    const since = () => Date.now() - started;
    const track = (client: StreamClient, kind: StreamKind) => {
      const outcome: StreamOutcome = {
        client,
        kind,
        messages: 0,
        lastMessageMs: 0,
        longestGapMs: 0,
        emails: [],
        ended: 'open',
      };
      let closing = false;
      return {
        outcome,
        /** From here on the run itself is ending the stream. */
        close() {
          closing = true;
        },
        received(email?: string) {
          const now = since();
          outcome.longestGapMs = Math.max(outcome.longestGapMs, now - outcome.lastMessageMs);
          outcome.lastMessageMs = now;
          outcome.messages += 1;
          if (email !== undefined) outcome.emails.push(email);
        },
        ended(how: string) {
          if (!closing && outcome.ended === 'open') outcome.ended = how;
        },
      };
    };
    const watchDecode = protos.demo.user.v1.UserService.service.WatchUsers.responseDeserialize as (
      bytes: Buffer,
    ) => WatchUsersResponse__Output;

    // grpc-js: the platform's own channel options, as the services use them.
    const userClient = createClient(protos.demo.user.v1.UserService, user.address, { channelOptions });
    users = userClient;
    const recommendations = createClient(protos.demo.recommendation.v1.RecommendationService, recommendation.address, {
      channelOptions,
    });
    {
      const t = track('grpc-js', 'watch');
      const call = userClient.watchUsers({ includeExisting: true });
      call.on('data', (message: WatchUsersResponse__Output) => t.received(message.user?.email));
      call.on('error', (error: grpc.ServiceError) => t.ended(`${grpc.status[error.code]}: ${error.details}`));
      call.on('end', () => t.ended('ended by the server'));
      trackers.push({
        outcome: t.outcome,
        stop: async () => {
          t.close();
          call.cancel();
        },
      });
    }
    const bidiSenders: ((request: { userId: number; limit: number }) => void)[] = [];
    {
      const t = track('grpc-js', 'bidi');
      const call = recommendations.streamRecommendations();
      call.on('data', () => t.received());
      call.on('error', (error: grpc.ServiceError) => t.ended(`${grpc.status[error.code]}: ${error.details}`));
      const finished = new Promise<void>((resolve) => call.on('status', () => resolve()));
      bidiSenders.push((request) => call.write(request));
      trackers.push({
        outcome: t.outcome,
        stop: async () => {
          t.close();
          call.end();
          await finished;
        },
      });
    }

    // REST: the README's curl watch, as fetch reads it, one JSON message a line.
    {
      const t = track('REST', 'watch');
      const client = new AbortController();
      const reading = (async () => {
        const response = await fetch(`http://${gateway.address}/v1/users:watch?include_existing=true`, {
          headers: bearerHeaders(restToken),
          signal: client.signal,
        });
        if (response.status !== 200 || !response.body)
          throw new Error(`HTTP ${response.status}: ${await response.text()}`);
        let buffered = '';
        for await (const chunk of response.body.pipeThrough(new TextDecoderStream())) {
          buffered += chunk;
          const lines = buffered.split('\n');
          buffered = lines.pop() ?? '';
          for (const line of lines) {
            if (line.trim() === '') continue;
            const message = JSON.parse(line) as { user?: { email?: string }; error?: unknown };
            if (message.user) t.received(message.user.email);
            else t.ended(`an error line: ${line}`);
          }
        }
        t.ended('ended by the gateway');
      })().catch((error: unknown) => t.ended(String(error)));
      trackers.push({
        outcome: t.outcome,
        stop: async () => {
          t.close();
          client.abort();
          await reading;
        },
      });
    }

    // grpcurl: the README's commands, as a user types them.
    const spawnTracked = (
      client: StreamClient,
      kind: StreamKind,
      child: ChildProcess,
      onLine: (line: string, t: ReturnType<typeof track>) => void,
      stopSignal: NodeJS.Signals,
    ) => {
      const t = track(client, kind);
      let output = '';
      let buffered = '';
      child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
        buffered += chunk;
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) onLine(line, t);
      });
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      const exited = once(child, 'exit');
      child.on('exit', (code, signal) => t.ended(`exited (${code ?? signal}): ${output.trim().slice(-300)}`));
      trackers.push({
        outcome: t.outcome,
        stop: async () => {
          t.close();
          if (child.exitCode === null && child.signalCode === null) child.kill(stopSignal);
          await exited;
        },
      });
      return child;
    };
    spawnTracked(
      'grpcurl',
      'watch',
      spawn(
        grpcurlPath,
        ['-plaintext', '-d', '{"include_existing": true}', user.address, 'demo.user.v1.UserService/WatchUsers'],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      ),
      (line, t) => {
        const email = /"email": "([^"]+)"/.exec(line)?.[1];
        if (email) t.received(email);
      },
      'SIGINT',
    );
    const grpcurlBidi = spawnTracked(
      'grpcurl',
      'bidi',
      spawn(
        grpcurlPath,
        [
          '-plaintext',
          '-d',
          '@',
          recommendation.address,
          'demo.recommendation.v1.RecommendationService/StreamRecommendations',
        ],
        { stdio: ['pipe', 'pipe', 'pipe'] },
      ),
      (line, t) => {
        if (/"servedBy":/.test(line)) t.received();
      },
      'SIGINT',
    );
    bidiSenders.push((request) => grpcurlBidi.stdin?.write(`${JSON.stringify(request)}\n`));

    // Python grpcio: its own keepalive defaults, its own GOAWAY handling.
    for (const kind of ['watch', 'bidi'] as const) {
      spawnTracked(
        'grpcio',
        kind,
        spawn(
          'python3',
          // The run stops it; its own limit is only a backstop.
          [
            pythonClient,
            kind === 'watch' ? user.address : recommendation.address,
            kind,
            String(options.durationMs / 1000 + 60),
          ],
          { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PYTHONPATH: pythonPath } },
        ),
        (line, t) => {
          if (!line.startsWith('{')) return;
          const parsed = JSON.parse(line) as { message?: string; end?: string; code?: string; details?: string };
          if (parsed.message !== undefined) {
            t.received(kind === 'watch' ? watchDecode(Buffer.from(parsed.message, 'base64')).user?.email : undefined);
          } else if (parsed.end === 'error') {
            t.ended(`${parsed.code}: ${parsed.details}`);
          }
        },
        'SIGTERM',
      );
    }

    // Messages both ways until the time is up: a user created (every watch
    // shows it), a request on every bidirectional stream (each answers it).
    const created: string[] = [];
    for (let i = 0; since() < options.durationMs && i < options.durationMs / intervalMs + 1; i += 1) {
      const email = `long-stream-${i}@example.com`;
      await unaryCall<{ user: User__Output | null }>(
        (metadata, callOptions, callback) =>
          userClient.createUser({ name: `Streamer ${i}`, email }, metadata, callOptions, callback),
        { deadline: new Date(Date.now() + 5000) },
      );
      created.push(email);
      for (const send of bidiSenders) send({ userId: 1, limit: 3 });
      if (i % Math.max(1, Math.round(60_000 / intervalMs)) === 0) {
        options.log?.(
          `${Math.round(since() / 1000)} s: ${trackers.map((t) => `${t.outcome.client} ${t.outcome.kind} ${t.outcome.messages} (${t.outcome.ended})`).join(', ')}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
    // The last user reaches every watch before the streams are closed.
    const settleUntil = Date.now() + 5000;
    while (
      Date.now() < settleUntil &&
      trackers.some(
        (t) => t.outcome.kind === 'watch' && t.outcome.ended === 'open' && t.outcome.emails.at(-1) !== created.at(-1),
      )
    ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await Promise.all(trackers.map((t) => t.stop()));
    recommendations.close();
    return { durationMs: options.durationMs, outcomes: trackers.map((t) => t.outcome), created };
  } finally {
    await Promise.allSettled(trackers.map((t) => t.stop()));
    users?.close();
    await gateway?.stop();
    await Promise.allSettled(services.map((service) => service.stop()));
  }
}

/**
 * Why a stream did not hold, or undefined when it did: open to the end, a
 * message at least every `maxGapMs`, and for a watch every user exactly once.
 */
export function streamProblem(run: LongStreamRun, outcome: StreamOutcome, maxGapMs: number): string | undefined {
  const name = `${outcome.client} ${outcome.kind}`;
  if (outcome.ended !== 'open') return `${name} ended early at ${outcome.lastMessageMs} ms: ${outcome.ended}`;
  if (outcome.messages === 0) return `${name} received nothing`;
  if (outcome.longestGapMs > maxGapMs) return `${name} went ${outcome.longestGapMs} ms without a message`;
  if (run.durationMs - outcome.lastMessageMs > maxGapMs) {
    return `${name} received nothing in the last ${run.durationMs - outcome.lastMessageMs} ms`;
  }
  if (
    outcome.kind === 'watch' &&
    outcome.emails.filter((e) => e.startsWith('long-stream-')).join() !== run.created.join()
  ) {
    return `${name} showed ${outcome.emails.length} users, not the ${run.created.length} created, once each in order`;
  }
  return undefined;
}
