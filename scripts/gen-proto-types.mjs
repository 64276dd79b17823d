// Generates, from every .proto under proto/:
// - TypeScript types, with proto-loader-gen-types and the very options the
//   services pass to loadSync at run time (services/platform/proto-loader-options.json),
//   so the types describe exactly the objects grpc-js hands to handlers;
// - proto/descriptor-set.binpb, the FileDescriptorSet that `buf build` compiles
//   (with the health and reflection protos, and every import: google.api.http's
//   annotations among them), which server reflection serves (see
//   services/platform/src/protos.ts for why) and Envoy's gRPC-JSON transcoder
//   reads (services/gateway);
// - proto/openapi.json, the OpenAPI document the gateway serves, which
//   grpc-gateway's protoc-gen-openapiv2 generates from the same google.api.http
//   annotations (`buf generate` with buf.gen.yaml; the plugin is a Go binary
//   that `make install` puts in .tools/bin: without it the build keeps the
//   committed document and says so, and the check fails).
//
//   node scripts/gen-proto-types.mjs          regenerate
//   node scripts/gen-proto-types.mjs --check  fail when the committed files are stale
import { Buffer } from 'node:buffer';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const protoDir = join(root, 'proto');
const outDir = join(root, 'services/platform/src/generated');
const descriptorSet = join(protoDir, 'descriptor-set.binpb');
const openapiDocument = join(protoDir, 'openapi.json');
const openapiPlugin = join(root, '.tools/bin/protoc-gen-openapiv2');
// google/api/annotations.proto and http.proto, which the protos import for google.api.http.
const googleProtoDir = 'node_modules/google-proto-files';
const options = JSON.parse(readFileSync(join(root, 'services/platform/proto-loader-options.json'), 'utf8'));

/** The merged document protoc-gen-openapiv2 writes, as <merge_file_name>.swagger.json (buf.gen.yaml). */
function generateOpenapi() {
  execFileSync(
    join(root, 'node_modules/.bin/buf'),
    ['generate', 'proto', '--template', 'buf.gen.yaml', '-o', scratchOpenapi],
    {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  return readFileSync(join(scratchOpenapi, 'openapi.swagger.json'));
}

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
const scratchSet = join(tmpdir(), `descriptor-set-${process.pid}.binpb`);
const scratchOpenapi = mkdtempSync(join(tmpdir(), 'openapi-'));
const check = process.argv.includes('--check');
try {
  // Our module (the google/api module of buf.yaml only lends the imports),
  // plus the health and reflection protos the servers also expose.
  // Serialized FileDescriptorSets concatenate into one set.
  const inputs = [
    ['proto'],
    ['node_modules/grpc-health-check/proto'],
    [
      'node_modules/@grpc/reflection/build/proto',
      '--path',
      'node_modules/@grpc/reflection/build/proto/grpc/reflection',
    ],
  ];
  const sets = inputs.map((input, index) => {
    const out = `${scratchSet}.${index}`;
    execFileSync(join(root, 'node_modules/.bin/buf'), ['build', ...input, '--as-file-descriptor-set', '-o', out], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const bytes = readFileSync(out);
    rmSync(out);
    return bytes;
  });
  writeFileSync(scratchSet, Buffer.concat(sets));
  execFileSync(
    join(root, 'node_modules/.bin/proto-loader-gen-types'),
    [...flags, '--includeDirs=proto', `--includeDirs=${googleProtoDir}`, `--outDir=${scratch}`, ...protoFiles],
    { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const freshOpenapi = existsSync(openapiPlugin) ? generateOpenapi() : undefined;
  const openapiMissing = `${relative(root, openapiPlugin)} is not installed (make install)`;
  if (check) {
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
    if (!existsSync(descriptorSet) || !readFileSync(descriptorSet).equals(readFileSync(scratchSet))) {
      stale.push('proto/descriptor-set.binpb');
    }
    if (!freshOpenapi) {
      console.error(`proto/openapi.json cannot be checked: ${openapiMissing}`);
      process.exit(1);
    }
    if (!existsSync(openapiDocument) || !readFileSync(openapiDocument).equals(freshOpenapi)) {
      stale.push('proto/openapi.json');
    }
    if (stale.length > 0) {
      console.error(
        `generated proto files are stale (${stale.slice(0, 3).join(', ')}${stale.length > 3 ? ', ...' : ''}): run npm run proto:gen`,
      );
      process.exit(1);
    }
    console.log(`generated proto types, descriptor set and OpenAPI document are up to date (${fresh.size + 2} files)`);
  } else {
    if (!existsSync(descriptorSet) || !readFileSync(descriptorSet).equals(readFileSync(scratchSet))) {
      cpSync(scratchSet, descriptorSet);
    }
    if (!freshOpenapi) {
      console.log(`proto/openapi.json kept as committed: ${openapiMissing}`);
    } else if (!existsSync(openapiDocument) || !readFileSync(openapiDocument).equals(freshOpenapi)) {
      writeFileSync(openapiDocument, freshOpenapi);
    }
    if (
      // Rewrite only when something changed, so `tsc -b` stays incremental.
      walk(scratch).some((f) => {
        const target = join(outDir, relative(scratch, f));
        return !existsSync(target) || readFileSync(target, 'utf8') !== readFileSync(f, 'utf8');
      }) ||
      (existsSync(outDir) && walk(outDir).some((f) => !existsSync(join(scratch, relative(outDir, f)))))
    ) {
      rmSync(outDir, { recursive: true, force: true });
      cpSync(scratch, outDir, { recursive: true });
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
  rmSync(scratchSet, { force: true });
  rmSync(scratchOpenapi, { recursive: true, force: true });
}
