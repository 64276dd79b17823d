import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readmeClusterBlock, readmeGatewayBlock, readmeGatewayMarker } from '../src/e2e/checks/readme.js';
import { serviceTargets } from '../src/e2e/deploy.js';
import { mebibytes, millicores, ResourceSampler } from '../src/e2e/resources.js';

// The parts of `make e2e` that need no cluster; the cluster run itself is
// `make e2e` (CI runs it against the local cluster of ../shared/kube).
const readme = readFileSync(fileURLToPath(new URL('../../../../README.md', import.meta.url)), 'utf8');

test("the README's cluster block runs against the e2e run's own forwards and namespace", () => {
  const script = readmeClusterBlock(readme, {
    namespace: 'ns-x',
    aggregator: '127.0.0.1:41001',
    user: '127.0.0.1:41002',
  });
  assert.doesNotMatch(script, /make port-forward/, 'the fixed-port forwards are left to the check');
  assert.match(script, /kubectl -n ns-x get secret grpc-demo-jwt/);
  assert.match(script, /127\.0\.0\.1:41002 demo\.user\.v1\.UserService\/BatchCreateUsers/);
  assert.match(script, /127\.0\.0\.1:41001 demo\.aggregator\.v1\.AggregatorService\/GetUserHome/);
  assert.doesNotMatch(script, /5005\d/);
});

test('a README cluster block that uses a port the check does not forward is refused, not run', () => {
  const marker = '<!-- make e2e runs the next code block against the cluster. -->';
  const bad = `${marker}\n\`\`\`bash\ngrpcurl -plaintext 127.0.0.1:50053 list\n\`\`\`\n`;
  assert.throws(
    () => readmeClusterBlock(bad, { namespace: 'n', aggregator: 'a', user: 'u' }),
    /uses 127\.0\.0\.1:50053/,
  );
});

test("the README's gateway block runs against the e2e run's forward of the gateway and its namespace", () => {
  const script = readmeGatewayBlock(readme, { namespace: 'ns-x', gateway: '127.0.0.1:41003' });
  assert.match(script, /kubectl -n ns-x get secret grpc-demo-jwt/);
  assert.match(script, /curl -si -H "authorization: Bearer \$TOKEN" 'http:\/\/127\.0\.0\.1:41003\/v1\/users\/1\/home/);
  assert.doesNotMatch(script, /8081/);
  const bad = `${readmeGatewayMarker}\n\`\`\`bash\ncurl -s http://127.0.0.1:8080/\n\`\`\`\n`;
  assert.throws(() => readmeGatewayBlock(bad, { namespace: 'n', gateway: 'g' }), /uses 127\.0\.0\.1:8080/);
});

test('the images e2e builds are every service target of the Dockerfile', () => {
  const targets = serviceTargets();
  for (const service of ['user', 'recommendation', 'aggregator']) assert.ok(targets.includes(service), service);
});

test('Kubernetes quantities are read as millicores and MiB', () => {
  assert.equal(millicores('100m'), 100);
  assert.equal(millicores('1'), 1000);
  assert.equal(mebibytes('192Mi'), 192);
  assert.equal(mebibytes('1Gi'), 1024);
  assert.equal(mebibytes('128974848'), 123);
});

test('CPU over a window is the difference of two cumulative kubelet readings', () => {
  const before = new Map([['p', { cpuNanos: 1e9, workingSetBytes: 0, at: 10_000 }]]);
  const after = new Map([['p', { cpuNanos: 1.5e9, workingSetBytes: 64 * 2 ** 20, at: 12_000 }]]);
  assert.deepEqual(ResourceSampler.usage(before, after).get('p'), { cpuMillicores: 250, memoryMiB: 64 });
});
