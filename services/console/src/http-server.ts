import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { status as grpcStatus } from '@grpc/grpc-js';
import { z } from 'zod';
import {
  defenseLabels,
  eachDefense,
  InvalidTokenError,
  maxDelayMs,
  verifyToken,
  type Logger,
  type SecretKey,
} from '@demo/platform';
import type { LoadGenerator } from './load-generator.js';
import { messageOf, type ServiceCalls } from './service-calls.js';
import type { SystemSampler } from './system-sampler.js';
import type { PointEvent, State } from './wire.js';

/** The page and its assets: web/ beside dist/, the compiled script in dist/web, uPlot from its npm package. */
const webDir = fileURLToPath(new URL('../../web/', import.meta.url));
const compiledWebDir = fileURLToPath(new URL('../web/', import.meta.url));
const uplotDir = dirname(createRequire(import.meta.url).resolve('uplot'));

const assets: Record<string, { file: string; type: string }> = {
  '/': { file: join(webDir, 'index.html'), type: 'text/html; charset=utf-8' },
  '/app.css': { file: join(webDir, 'app.css'), type: 'text/css; charset=utf-8' },
  '/app.js': { file: join(compiledWebDir, 'app.js'), type: 'text/javascript; charset=utf-8' },
  '/trace.js': { file: join(compiledWebDir, 'trace.js'), type: 'text/javascript; charset=utf-8' },
  '/trace': { file: join(webDir, 'trace.html'), type: 'text/html; charset=utf-8' },
  '/vendor/uPlot.esm.js': { file: join(uplotDir, 'uPlot.esm.js'), type: 'text/javascript; charset=utf-8' },
  '/vendor/uPlot.min.css': { file: join(uplotDir, 'uPlot.min.css'), type: 'text/css; charset=utf-8' },
};

const percentage = z.number().min(0).max(100);
const faultBody = z.object({
  fault: z.object({
    delay: z.object({ delayMs: z.number().int().min(0).max(maxDelayMs), percentage }).optional(),
    abort: z.object({ grpcCode: z.number().int().min(1).max(16), percentage }).optional(),
  }),
});
const defensesBody = z.object({ defenses: z.object(eachDefense(() => z.boolean())) });

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface ConsoleHttpOptions {
  sampler: SystemSampler;
  calls: ServiceCalls;
  load: LoadGenerator;
  key: SecretKey;
  logger: Logger;
  jaegerUrl: string;
  /** Jaeger's query API, for the trace view; empty for none. */
  jaegerQueryUrl: string;
  traceLinks: boolean;
  maxRate: number;
}

/**
 * The console's HTTP surface: the page, its state (once, then a point a
 * second over server-sent events), and the admin actions. An action needs
 * an admin token in `authorization: Bearer`, which the console checks (to
 * log who) and passes on to the service, which checks it again; the JWT
 * secret stays in this process.
 */
export function createConsoleServer(options: ConsoleHttpOptions): { server: Server; closeStreams: () => void } {
  const { sampler, calls, load, logger } = options;
  const streams = new Set<ServerResponse>();

  const state = (): State => ({
    history: sampler.history,
    markers: sampler.markers,
    settings: sampler.settings,
    load: load.status,
    recent: load.recent,
    defenseLabels,
    jaegerUrl: options.traceLinks ? options.jaegerUrl : '',
    maxRate: options.maxRate,
    gateway: sampler.hasGateway,
  });

  sampler.onPoint((point) => {
    const event: PointEvent = {
      point,
      markers: sampler.markers,
      settings: sampler.settings,
      load: load.status,
      recent: load.recent,
    };
    const message = `event: point\ndata: ${JSON.stringify(event)}\n\n`;
    for (const stream of streams) stream.write(message);
  });

  /** Who is asking: an admin token's subject, or an HttpError for the page to show. */
  async function admin(request: IncomingMessage): Promise<{ by: string; authorization: string }> {
    const header = request.headers.authorization ?? '';
    const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    if (token === undefined) throw new HttpError(401, 'this needs an admin token');
    try {
      const principal = await verifyToken(token, options.key);
      if (principal.role !== 'admin')
        throw new HttpError(403, `${principal.subject} has the ${principal.role} role, not admin`);
      return { by: principal.subject, authorization: `Bearer ${token}` };
    } catch (error) {
      if (error instanceof InvalidTokenError) throw new HttpError(401, error.message);
      throw error;
    }
  }

  async function body<T>(request: IncomingMessage, schema: z.ZodType<T>): Promise<T> {
    // A JSON content type cannot be sent cross-site without a CORS preflight, which this server never allows.
    if (!request.headers['content-type']?.startsWith('application/json')) {
      throw new HttpError(415, 'expected application/json');
    }
    let text = '';
    for await (const chunk of request) {
      text += String(chunk);
      if (text.length > 10_000) throw new HttpError(413, 'body too large');
    }
    const parsed = schema.safeParse(JSON.parse(text || '{}'));
    if (!parsed.success) throw new HttpError(400, parsed.error.issues.map((issue) => issue.message).join('; '));
    return parsed.data;
  }

  const actions: Record<string, (request: IncomingMessage) => Promise<unknown>> = {
    async 'POST /api/fault'(request) {
      const who = await admin(request);
      const { fault } = await body(request, faultBody);
      logger.info({ by: who.by, fault }, 'admin action: set fault');
      const appliedTo = await calls.setFault(fault, who.authorization);
      return { appliedTo };
    },
    async 'POST /api/fault/clear'(request) {
      const who = await admin(request);
      logger.info({ by: who.by }, 'admin action: clear fault');
      return { appliedTo: await calls.setFault({}, who.authorization) };
    },
    async 'POST /api/defenses'(request) {
      const who = await admin(request);
      const { defenses } = await body(request, defensesBody);
      logger.info({ by: who.by, defenses }, 'admin action: set defenses');
      return { appliedTo: await calls.setDefenses(defenses, who.authorization) };
    },
    async 'POST /api/load'(request) {
      const who = await admin(request);
      const { rate } = await body(request, z.object({ rate: z.number().min(0).max(options.maxRate) }));
      logger.info({ by: who.by, rate }, rate > 0 ? 'admin action: load at rate' : 'admin action: load stopped');
      load.setRate(rate);
      sampler.mark(rate > 0 ? `load: ${rate}/s` : 'load: stopped');
      return load.status;
    },
  };

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const route = `${request.method ?? 'GET'} ${path}`;
    const action = actions[route];
    if (action) {
      try {
        sendJson(response, 200, await action(request));
      } catch (error) {
        if (error instanceof HttpError) {
          sendJson(response, error.status, { error: error.message });
          return;
        }
        // A service's refusal (PERMISSION_DENIED, INVALID_ARGUMENT) or its absence, in words. ABORTED is a
        // change that did not take on every replica: a conflict with the replicas' state (409), not an outage.
        const code = (error as { code?: grpcStatus }).code;
        logger.warn({ err: error, route }, 'admin action failed');
        const httpStatus = code === undefined ? 500 : code === grpcStatus.ABORTED ? 409 : 502;
        sendJson(response, httpStatus, { error: messageOf(error) });
      }
      return;
    }
    if (route === 'GET /api/state') {
      sendJson(response, 200, state());
      return;
    }
    const traceId = /^GET \/api\/traces\/([0-9a-f]{32})$/.exec(route)?.[1];
    if (traceId !== undefined) {
      await sendTrace(response, traceId);
      return;
    }
    if (route === 'GET /api/events') {
      response.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      });
      response.write('retry: 1000\n\n');
      streams.add(response);
      request.on('close', () => streams.delete(response));
      return;
    }
    if (route === 'GET /healthz' || route === 'GET /readyz') {
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    // /trace/<id> is one page; the script reads the id from the address.
    const assetPath = /^\/trace\/[0-9a-f]{32}$/.test(path) ? '/trace' : path;
    const asset = request.method === 'GET' ? assets[assetPath] : undefined;
    if (asset) {
      const content = await readFile(asset.file);
      response
        .writeHead(200, {
          'content-type': asset.type,
          'cache-control': 'no-cache',
          // Everything the page loads comes from this server: no CDN, works offline.
          'content-security-policy':
            "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:",
          'x-content-type-options': 'nosniff',
        })
        .end(content);
      return;
    }
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  }

  /** One trace from Jaeger's query API, passed through as Jaeger answers it. */
  async function sendTrace(response: ServerResponse, traceId: string): Promise<void> {
    if (options.jaegerQueryUrl === '') {
      sendJson(response, 404, { error: 'no Jaeger configured' });
      return;
    }
    try {
      const answer = await fetch(`${options.jaegerQueryUrl}/api/traces/${traceId}`, {
        signal: AbortSignal.timeout(3000),
      });
      response
        .writeHead(answer.status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
        .end(Buffer.from(await answer.arrayBuffer()));
    } catch (error) {
      sendJson(response, 502, { error: `Jaeger did not answer: ${messageOf(error)}` });
    }
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      logger.error({ err: error }, 'request failed');
      if (!response.headersSent) sendJson(response, 500, { error: 'internal error' });
      else response.end();
    });
  });
  return {
    server,
    closeStreams: () => {
      for (const stream of streams) stream.end();
      streams.clear();
    },
  };
}

function sendJson(response: ServerResponse, status: number, value: unknown): void {
  response
    .writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
    .end(JSON.stringify(value));
}
