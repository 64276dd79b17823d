// Generates TypeScript types for every .proto under proto/ with
// proto-loader-gen-types, using the very options the services pass to
// loadSync at run time (services/platform/proto-loader-options.json), so the
// types describe exactly the objects grpc-js hands to handlers.
//
//   node scripts/gen-proto-types.mjs          regenerate
//   node scripts/gen-proto-types.mjs --check  fail when the committed types are stale
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, cpSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const protoDir = join(root, 'proto');
const outDir = join(root, 'services/platform/src/generated');
const options = JSON.parse(readFileSync(join(root, 'services/platform/proto-loader-options.json'), 'utf8'));

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

const flags = [
  ...(options.keepCase ? ['--keepCase'] : []),
  `--longs=${options.longs}`,
  `--enums=${options.enums}`,
  ...(options.defaults ? ['--defaults'] : []),
  ...(options.oneofs ? ['--oneofs'] : []),
  '--grpcLib=@grpc/grpc-js',
  '--importFileExtension=.js',
];
const protoFiles = walk(protoDir)
  .filter((f) => f.endsWith('.proto'))
  .map((f) => relative(protoDir, f))
  .sort();

const scratch = mkdtempSync(join(tmpdir(), 'proto-types-'));
try {
  execFileSync(
    join(root, 'node_modules/.bin/proto-loader-gen-types'),
    [...flags, '--includeDirs=proto', `--outDir=${scratch}`, ...protoFiles],
    { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  if (process.argv.includes('--check')) {
    const read = (dir) =>
      new Map(
        (statSync(dir, { throwIfNoEntry: false }) ? walk(dir) : []).map((f) => [
          relative(dir, f),
          readFileSync(f, 'utf8'),
        ]),
      );
    const fresh = read(scratch);
    const committed = read(outDir);
    const stale = [...new Set([...fresh.keys(), ...committed.keys()])].filter((f) => fresh.get(f) !== committed.get(f));
    if (stale.length > 0) {
      console.error(
        `generated proto types are stale (${stale.slice(0, 3).join(', ')}${stale.length > 3 ? ', ...' : ''}): run npm run proto:gen`,
      );
      process.exit(1);
    }
    console.log(`generated proto types are up to date (${fresh.size} files)`);
  } else {
    rmSync(outDir, { recursive: true, force: true });
    cpSync(scratch, outDir, { recursive: true });
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
