// `make fault-on` / `make fault-off` / `make fault-status`: switch the
// recommendation service's fault injection on every replica, through any one
// of them (FaultService forwards the change).
//   make fault-on DELAY_MS=2000 PERCENT=100      slow
//   make fault-on CODE=UNAVAILABLE PERCENT=50    erroring
//   make fault-on HANG=1                         hung (a delay of hours)
//   make fault-off
// Against a cluster: make port-forward, and JWT_SECRET from the chart's Secret.
import * as grpc from '@grpc/grpc-js';
import { z } from 'zod';
import {
  describeFault,
  faultClient,
  flag,
  jwtSecret,
  loadConfigOrExit,
  mintToken,
  parseStatusCode,
  secretKey,
  validateFault,
} from '@demo/platform';
import { localDevJwtSecret } from '@demo/testkit/local-dev';

const hangMs = 4 * 3600 * 1000;
const config = loadConfigOrExit(
  z.object({
    FAULT_TARGET: z
      .string()
      .regex(/^[\w.-]+:\d+$/, 'expected host:port')
      .default('127.0.0.1:50053'),
    JWT_SECRET: jwtSecret().default(localDevJwtSecret),
    DELAY_MS: z.coerce
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1)
      .optional(),
    HANG: flag(false),
    CODE: z
      .string()
      .optional()
      .refine(
        (code) => code === undefined || parseStatusCode(code) !== undefined,
        'expected a gRPC status name or number',
      ),
    PERCENT: z.coerce.number().min(0).max(100).default(100),
  }),
);
const action = process.argv[2];
const role = action === 'status' ? 'user' : 'admin';
const token = await mintToken({ key: secretKey(config.JWT_SECRET), subject: 'make-fault', role, ttlSeconds: 60 });
const faults = faultClient(config.FAULT_TARGET, { token });

try {
  if (action === 'on') {
    const delayMs = config.HANG ? hangMs : config.DELAY_MS;
    const code = config.CODE === undefined ? undefined : parseStatusCode(config.CODE);
    if (delayMs === undefined && code === undefined) {
      throw new Error('say what to inject: DELAY_MS=..., HANG=1 or CODE=... (with PERCENT=..., default 100)');
    }
    const fault = validateFault({
      delay: delayMs === undefined ? null : { delayMs, percentage: config.PERCENT },
      abort: code === undefined ? null : { grpcCode: code, percentage: config.PERCENT },
    });
    const { appliedTo } = await faults.set(fault);
    console.log(`fault on: ${describeFault(fault)}; applied to ${appliedTo.join(', ')}`);
  } else if (action === 'off') {
    const { appliedTo } = await faults.clear();
    console.log(`fault off; applied to ${appliedTo.join(', ')}`);
  } else if (action === 'status') {
    const { replica, fault } = await faults.get();
    console.log(`${replica}: ${describeFault(fault)}`);
  } else {
    throw new Error('usage: fault.js on|off|status');
  }
} catch (error) {
  const { code, details, message } = error as { code?: number; details?: string; message?: string };
  console.error(code === undefined ? message : `${grpc.status[code]}: ${details}`);
  process.exitCode = 1;
} finally {
  faults.close();
}
