// Prints a bearer token for the running system, nothing else, so that
//   TOKEN=$(make -s token)            (role user)
//   TOKEN=$(ROLE=admin make -s token) (role admin)
// works in a shell. Signs with JWT_SECRET, or the local development secret.
import { z } from 'zod';
import { loadConfigOrExit, maxTokenLifetimeSeconds, mintToken, secretKey, jwtSecret } from '@demo/platform';
import { localDevJwtSecret } from '@demo/testkit/local-dev';

const config = loadConfigOrExit(
  z.object({
    JWT_SECRET: jwtSecret().default(localDevJwtSecret),
    ROLE: z.enum(['user', 'admin']).default('user'),
    SUBJECT: z.string().min(1).default('local-developer'),
    TOKEN_TTL_SECONDS: z.coerce
      .number()
      .int()
      .min(1)
      .max(maxTokenLifetimeSeconds)
      .default(12 * 3600),
  }),
);

const token = await mintToken({
  key: secretKey(config.JWT_SECRET),
  subject: config.SUBJECT,
  role: config.ROLE,
  ttlSeconds: config.TOKEN_TTL_SECONDS,
});
process.stdout.write(`${token}\n`);
