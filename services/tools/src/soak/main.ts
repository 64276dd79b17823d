// make soak: the README's promise that streams outlive connection ageing,
// held for minutes with clients nobody here wrote. Two runs side by side:
// connections aged every 5 s for 10 minutes, and the settings `make run` and
// the chart use (30 s age, 60 s keepalive) for 3 minutes, long past the
// keepalive that used to end them at 60 s.
import { runLongStreams, streamProblem, type LongStreamRun } from './long-streams.js';

const minutes = (name: string, fallback: number): number => {
  const raw = process.env[name];
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    console.error(`${name}: expected a positive number of minutes, got ${raw}`);
    process.exit(2);
  }
  return value;
};

const intervalMs = 1000;
// A message a second flows on every stream; a stream silent for five is not flowing.
const maxGapMs = 5 * intervalMs;
const cases = [
  { name: 'connection age 5 s', minutes: minutes('AGED_MINUTES', 10), serverEnv: { MAX_CONNECTION_AGE_MS: '5000' } },
  {
    name: 'the defaults of make run and the chart',
    minutes: minutes('DEFAULT_MINUTES', 3),
    serverEnv: {} as Record<string, string>,
  },
];

const started = Date.now();
const runs = await Promise.all(
  cases.map(async (c): Promise<[typeof c, LongStreamRun]> => [
    c,
    await runLongStreams({
      durationMs: c.minutes * 60_000,
      serverEnv: c.serverEnv,
      intervalMs,
      log: (line) => console.log(`soak (${c.name}) ${line}`),
    }),
  ]),
);
let failed = 0;
for (const [c, run] of runs) {
  console.log(`\n${c.name}, ${c.minutes} min: ${run.created.length} users created`);
  console.log('| client | stream | messages | last message (s) | longest gap (s) | result |');
  console.log('| --- | --- | ---: | ---: | ---: | --- |');
  for (const outcome of run.outcomes) {
    const problem = streamProblem(run, outcome, maxGapMs);
    if (problem) failed += 1;
    console.log(
      `| ${outcome.client} | ${outcome.kind} | ${outcome.messages} | ${(outcome.lastMessageMs / 1000).toFixed(1)} | ${(outcome.longestGapMs / 1000).toFixed(1)} | ${problem ?? 'open throughout'} |`,
    );
  }
}
console.log(`\nsoak: ${Math.round((Date.now() - started) / 1000)} s`);
console.log(`soak: ${runs.reduce((n, [, run]) => n + run.outcomes.length, 0) - failed} streams held, ${failed} broke`);
process.exit(failed === 0 ? 0 : 1);
