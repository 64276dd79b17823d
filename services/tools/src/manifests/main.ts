// `make manifests`: writes the chart's generated files (the gateway's Envoy
// configuration and descriptor set), then renders k8s/ from the chart (see
// manifests.ts), and removes any file under k8s/base or k8s/overlays that it
// did not write.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { renderChartFiles, renderManifests } from '../cluster/manifests.js';
import { paths } from '../cluster/toolchain.js';

const chartFiles = renderChartFiles();
for (const [path, content] of chartFiles) {
  const target = join(paths.chart, path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, content);
}
console.log(`helm/grpc-demo/: ${[...chartFiles.keys()].join(', ')}`);

const files = renderManifests();
for (const [path, content] of files) {
  const target = join(paths.k8s, path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, content);
}
for (const dir of ['base', 'overlays']) {
  for (const entry of readdirSync(join(paths.k8s, dir), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = relative(paths.k8s, join(entry.parentPath, entry.name));
    if (!files.has(path)) rmSync(join(paths.k8s, path));
  }
}
console.log(`k8s/: ${[...files.keys()].join(', ')}`);
