import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatProfileSummary, packageOf, summarizeProfiles } from '../src/bench/profile.js';

// A hand-written V8 CPU profile: twelve samples 1 ms apart, four of them idle.
const frame = (functionName: string, url = '', lineNumber = -1) => ({ functionName, url, lineNumber, columnNumber: 0 });
const profile = {
  nodes: [
    { id: 1, callFrame: frame('(root)'), children: [2, 3, 4, 5, 7] },
    { id: 2, callFrame: frame('(program)') },
    { id: 3, callFrame: frame('(idle)') },
    { id: 4, callFrame: frame('(garbage collector)') },
    {
      id: 5,
      callFrame: frame('handleUnary', 'file:///app/node_modules/@grpc/grpc-js/build/src/server.js', 9),
      children: [6],
    },
    { id: 6, callFrame: frame('getUser', 'file:///app/services/user/dist/src/user-service.js', 40) },
    { id: 7, callFrame: frame('writevGeneric', 'node:internal/stream_base_commons', 120) },
  ],
  startTime: 0,
  endTime: 12_000,
  samples: [5, 5, 5, 6, 6, 3, 3, 3, 3, 4, 2, 7],
  timeDeltas: [0, ...Array.from({ length: 11 }, () => 1000)],
};

function writeProfile(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'profile-')), 'service.cpuprofile');
  writeFileSync(path, JSON.stringify(profile));
  return path;
}

test('self time is shared by package, idle left out, each sample standing for the time until the next', () => {
  const summary = summarizeProfiles([writeProfile()]);
  assert.equal(summary.totalMs, 8);
  assert.deepEqual(
    summary.packages.map((p) => [p.name, p.ms, p.share]),
    [
      ['node_modules/@grpc/grpc-js', 3, 0.375],
      ['services/user', 2, 0.25],
      ['(garbage collector)', 1, 0.125],
      ['(program)', 1, 0.125],
      ['node internals', 1, 0.125],
    ],
  );
});

test('functions are ranked by self time and named with their package, file and line', () => {
  const summary = summarizeProfiles([writeProfile()]);
  assert.deepEqual(
    summary.functions.map((f) => [f.name, f.ms]),
    [
      ['handleUnary (node_modules/@grpc/grpc-js server.js:10)', 3],
      ['getUser (services/user user-service.js:41)', 2],
      ['(garbage collector)', 1],
      ['(program)', 1],
      ['writevGeneric (node internals stream_base_commons:121)', 1],
    ],
  );
});

test('profiles of several processes add up', () => {
  const path = writeProfile();
  const summary = summarizeProfiles([path, path]);
  assert.equal(summary.totalMs, 16);
  assert.equal(summary.packages[0]?.share, 0.375);
});

test('only the samples inside the window count: the load, not the startup before it', () => {
  // Samples are at 0, 1000, ... 11000 µs: from 2500 on leaves the last nine, four of them idle,
  // and none of the three in grpc-js.
  const summary = summarizeProfiles([writeProfile()], { fromUs: 2500, toUs: Infinity });
  assert.equal(summary.totalMs, 5);
  assert.deepEqual(
    summary.packages.map((p) => [p.name, p.ms]),
    [
      ['services/user', 2],
      ['(garbage collector)', 1],
      ['(program)', 1],
      ['node internals', 1],
    ],
  );
});

test('a package inside another counts as the inner one, and V8 built-ins as node internals', () => {
  assert.equal(
    packageOf({ functionName: 'decode', url: 'file:///app/node_modules/.pnpm/x/node_modules/protobufjs/src/r.js' }),
    'node_modules/protobufjs',
  );
  assert.equal(packageOf({ functionName: 'JSONParse', url: '' }), 'node internals');
  assert.equal(packageOf({ functionName: 'main', url: 'file:///tmp/script.js' }), 'other');
});

test('the summary prints the packages and the top functions as tables', () => {
  const lines = formatProfileSummary(summarizeProfiles([writeProfile()]), 2);
  assert.ok(lines.includes('| node_modules/@grpc/grpc-js | 3 ms | 37.5% |'), lines.join('\n'));
  const functions = lines.slice(lines.indexOf('Top 2 functions by self time:'));
  assert.deepEqual(
    functions.filter((line) => line.startsWith('| ') && !line.startsWith('| function') && !line.startsWith('| ---')),
    [
      '| handleUnary (node_modules/@grpc/grpc-js server.js:10) | 3 ms | 37.5% |',
      '| getUser (services/user user-service.js:41) | 2 ms | 25.0% |',
    ],
  );
});
