import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../cluster/toolchain.js';
import { run, type Programs } from '../commands.js';
import type { CommandResult } from '@demo/testkit/processes';
import type { Check } from '../check.js';

export const readmeMarker = '<!-- make e2e runs the next code block against the cluster. -->';
export const readmeGatewayMarker = "<!-- make e2e runs the next code block against the cluster's gateway. -->";

/** The bash block after `marker` in the README. */
function blockAfter(readme: string, marker: string): string {
  const at = readme.indexOf(marker);
  if (at < 0) throw new Error(`the README has no "${marker}"`);
  const block = /```bash\n([\s\S]*?)```/.exec(readme.slice(at))?.[1];
  if (block === undefined) throw new Error(`no bash block after "${marker}"`);
  return block;
}

/**
 * The README's REST block for the cluster, made to run against this run's
 * gateway: its forward stands in for make port-forward's 127.0.0.1:8081.
 */
export function readmeGatewayBlock(readme: string, options: { namespace: string; gateway: string }): string {
  const commands = blockAfter(readme, readmeGatewayMarker);
  const stray = /127\.0\.0\.1:(?!8081)\d+/.exec(commands);
  if (stray) throw new Error(`the README's gateway block uses ${stray[0]}, which the check does not forward`);
  return commands.replaceAll('-n grpc-demo ', `-n ${options.namespace} `).replaceAll('127.0.0.1:8081', options.gateway);
}

/**
 * The README's cluster block, made to run against this run's cluster: the
 * forwards the check holds stand in for `make port-forward` (whose fixed
 * ports may be taken), and the namespace is this run's.
 */
export function readmeClusterBlock(
  readme: string,
  options: { namespace: string; aggregator: string; user: string },
): string {
  const commands = blockAfter(readme, readmeMarker)
    .split('\n')
    .filter((line) => !line.startsWith('make port-forward'))
    .join('\n');
  // Checked before the forwards' own addresses go in, which may be these very ports.
  const stray = /127\.0\.0\.1:5005[03-9]/.exec(commands);
  if (stray) throw new Error(`the README's cluster block uses ${stray[0]}, which the check does not forward`);
  return commands
    .replaceAll('-n grpc-demo ', `-n ${options.namespace} `)
    .replaceAll('127.0.0.1:50051', options.aggregator)
    .replaceAll('127.0.0.1:50052', options.user);
}

/** A README block as a person runs it: bash, the pinned tools first on the PATH, no JWT_SECRET of ours. */
export function runReadmeBlock(programs: Programs, script: string): Promise<CommandResult> {
  const path = [...programs.pathDirs, join(repoRoot, 'node_modules/.bin'), process.env['PATH'] ?? ''].join(':');
  return run('bash', ['-euo', 'pipefail', '-c', script], {
    timeoutMs: 120_000,
    allowFailure: true,
    env: { ...process.env, PATH: path, JWT_SECRET: '' },
  });
}

export const readmeCheck: Check = {
  id: 2,
  title: "The README's cluster commands work as written",
  async run({ cluster, programs, forwards }, r) {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const script = readmeClusterBlock(readme, {
      namespace: cluster.namespace,
      aggregator: forwards.aggregator.address,
      user: forwards.user.address,
    });
    const result = await runReadmeBlock(programs, script);
    r.figure('exitStatus', result.status);
    if (!r.expect(result.status === 0, `the README's cluster block failed:\n${result.stderr}${result.stdout}`)) return;
    const created = /"createdCount": (\d+)/.exec(result.stdout)?.[1];
    r.figure('usersCreated', Number(created));
    r.expect(created === '3', `BatchCreateUsers created ${created ?? 'nothing'}, not 3`);
    r.expect(/"name": "Ada Lovelace"/.test(result.stdout), 'GetUserHome did not answer with user 1, Ada Lovelace');
    r.expect(/"recommendations"/.test(result.stdout), 'GetUserHome answered without recommendations');
    // Right after the pods are Ready the answer may still be degraded (the
    // aggregator looks for recommendation pods again within seconds); the
    // answer is there either way, and the checks after this one wait for a
    // healthy one.
    r.figure('degraded', /"degraded": true/.test(result.stdout));
  },
};
