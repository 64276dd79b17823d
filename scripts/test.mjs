// Runs every compiled test (services/*/dist/test/**/*.test.js) with node's
// own test runner, on the Node that runs this script (Node 24 through npm).
import { spawnSync } from 'node:child_process';
import { globSync } from 'node:fs';

const files = globSync('services/*/dist/test/**/*.test.js').sort();
if (files.length === 0) {
  console.error('no compiled tests found: run npm run build first');
  process.exit(1);
}
const filter = process.argv.slice(2);
const selected = filter.length > 0 ? files.filter((f) => filter.some((part) => f.includes(part))) : files;
// node --test given no file would look for tests everywhere, sources included.
if (selected.length === 0) {
  console.error(`no compiled test file matches ${filter.join(', ')}`);
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', '--test-timeout=120000', ...selected], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
