// `make load`: open-loop GetUserHome load at a fixed rate for a fixed time,
// with a live progress line and a final summary (p50, p90, p99, p99.9).
//   make load RATE=100 DURATION=30 TARGET=127.0.0.1:50051
import { z } from 'zod';
import { grpcTarget, jwtSecret, loadConfigOrExit, mintToken, secretKey } from '@demo/platform';
import { localDevJwtSecret } from '@demo/testkit/local-dev';
import { formatMs, runOpenLoop, summarize, type Sample } from '@demo/testkit/open-loop';
import { userHomeCaller } from './user-home-caller.js';

const config = loadConfigOrExit(
  z.object({
    TARGET: grpcTarget().default('127.0.0.1:50051'),
    RATE: z.coerce.number().positive().max(20_000).default(100),
    /** Seconds. */
    DURATION: z.coerce.number().positive().max(3600).default(30),
    DEADLINE_MS: z.coerce.number().int().positive().default(1000),
    USER_IDS: z
      .string()
      .regex(/^\d+(,\d+)*$/, 'expected ids like 1,2,3')
      .default('1,2,3'),
    JWT_SECRET: jwtSecret().default(localDevJwtSecret),
  }),
);

const token = await mintToken({ key: secretKey(config.JWT_SECRET), subject: 'load', role: 'user', ttlSeconds: 3600 });
const caller = userHomeCaller({
  target: config.TARGET,
  token,
  userIds: config.USER_IDS.split(','),
  deadlineMs: config.DEADLINE_MS,
});
const stop = new AbortController();
process.once('SIGINT', () => stop.abort());

process.stdout.write(
  `open-loop load: ${config.RATE} req/s for ${config.DURATION} s against ${config.TARGET}, deadline ${config.DEADLINE_MS} ms\n`,
);
const interactive = process.stdout.isTTY;
let window: Sample[] = [];
const progress = setInterval(() => {
  const s = summarize(window);
  const line = `${s.count} req/s  p50 ${formatMs(s.p50)} ms  p99 ${formatMs(s.p99)} ms  ok ${s.ok}  degraded ${s.degraded}  error ${s.errors}`;
  process.stdout.write(interactive ? `\r\u001b[2K${line}` : `${line}\n`);
  window = [];
}, 1000);

const samples = await runOpenLoop({
  rate: config.RATE,
  durationMs: config.DURATION * 1000,
  send: () => caller.send(),
  onSample: (sample) => window.push(sample),
  signal: stop.signal,
});
clearInterval(progress);
caller.close();

const s = summarize(samples);
process.stdout.write(`${interactive ? '\n' : ''}
requests  ${s.count}
ok        ${s.ok}
degraded  ${s.degraded}
errors    ${s.errors}${s.errors > 0 ? `  ${JSON.stringify(s.errorsByCode)}` : ''}
latency   p50 ${formatMs(s.p50)} ms  p90 ${formatMs(s.p90)} ms  p99 ${formatMs(s.p99)} ms  p99.9 ${formatMs(s.p999)} ms  max ${formatMs(s.max)} ms
`);
