import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@demo/testkit/wait';
import { portForward } from '../src/cluster/port-forward.js';

// The forwarder against stand-ins for kubectl (no cluster here): each is a
// script given kubectl's arguments, the local:remote pair seventh.
const dir = mkdtempSync(join(tmpdir(), 'fake-kubectl-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function fakeKubectl(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\nlocal_port=\${7%%:*}\nremote_port=\${7##*:}\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

test('a forward counts once kubectl reports 127.0.0.1 at that port, and closing it ends kubectl', async () => {
  const kubectl = fakeKubectl(
    'ipv4',
    'echo "Forwarding from 127.0.0.1:$local_port -> $remote_port"\necho "Handling connection for $local_port"\nsleep 0.1\necho "a later error" >&2\nexec sleep 30',
  );
  let stderr = '';
  const forward = await portForward(kubectl, 'ns', 'svc/user', 50051, {
    timeoutMs: 5000,
    onStderr: (text) => (stderr += text),
  });
  assert.equal(forward.address, `127.0.0.1:${forward.port}`);
  await waitFor('kubectl stderr once up', () => (stderr.includes('a later error') ? true : undefined), 5000);
  await forward.close();
  await forward.closed;
});

test('a forward kubectl bound on [::1] alone is refused at the timeout, kubectl stopped', async () => {
  const kubectl = fakeKubectl('ipv6-only', 'echo "Forwarding from [::1]:$local_port -> $remote_port"\nexec sleep 30');
  const started = Date.now();
  await assert.rejects(
    portForward(kubectl, 'ns', 'svc/user', 50051, { localPort: 1, timeoutMs: 300 }),
    /did not report "Forwarding from 127\.0\.0\.1:1 -> 50051" within 300 ms/,
  );
  assert.ok(Date.now() - started < 5000);
});

test('kubectl exiting before the forward is up rejects with what it printed, after three ports tried', async () => {
  const kubectl = fakeKubectl('missing', 'echo \'error: services "nope" not found\' >&2\nexit 1');
  await assert.rejects(
    portForward(kubectl, 'ns', 'svc/nope', 80, { timeoutMs: 5000 }),
    /kubectl port-forward svc\/nope exited 1: error: services "nope" not found/,
  );
});

test('a kubectl that is not there rejects, naming it', async () => {
  await assert.rejects(
    portForward(join(dir, 'no-such-kubectl'), 'ns', 'svc/user', 50051, { localPort: 1, timeoutMs: 5000 }),
    /no-such-kubectl: spawn .* ENOENT/,
  );
});
