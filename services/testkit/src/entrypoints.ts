import { fileURLToPath } from 'node:url';

/** The compiled main module of each service, for launching it as a process. */
export const serviceEntry = {
  user: fileURLToPath(new URL('../../../user/dist/src/main.js', import.meta.url)),
  recommendation: fileURLToPath(new URL('../../../recommendation/dist/src/main.js', import.meta.url)),
  aggregator: fileURLToPath(new URL('../../../aggregator/dist/src/main.js', import.meta.url)),
  console: fileURLToPath(new URL('../../../console/dist/src/main.js', import.meta.url)),
} as const;
