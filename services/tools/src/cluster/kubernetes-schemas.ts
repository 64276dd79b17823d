/**
 * JSON Schemas of the Kubernetes API for kubeconform, made offline from the
 * OpenAPI spec of a Kubernetes release. The spec (api/openapi-spec/swagger.json)
 * ships inside the k8s.io/kubernetes Go module, which `make install`
 * downloads from the Go module proxy; the usual schema source, a GitHub
 * repository, cannot be reached from here.
 *
 * The conversion is what openapi2jsonschema does for kubeconform's
 * "-standalone-strict" schemas: one file per kind holding every definition it
 * uses, objects closed to unknown fields (additionalProperties: false), and
 * the two types the spec models as strings widened to what the API server
 * accepts (IntOrString: a string or an integer; Quantity: a string or a number).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCommandSync } from '@demo/testkit/processes';
import { kubernetesVersion, paths } from './toolchain.js';

interface OpenApiSchema {
  type?: string;
  format?: string;
  $ref?: string;
  properties?: Record<string, OpenApiSchema>;
  additionalProperties?: OpenApiSchema | boolean;
  items?: OpenApiSchema;
  required?: string[];
  'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }[];
}

type JsonSchema = Record<string, unknown>;

const intOrString = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const quantity = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const definitionRef = '#/definitions/';

/**
 * The directory layout kubeconform expects for `-schema-location`:
 * <root>/v<version>-standalone-strict/<kind><suffix>.json. Made once per
 * Kubernetes version, under .tools.
 */
export function kubernetesSchemas(version = kubernetesVersion()): { root: string; location: string } {
  const root = join(paths.tools, 'kubernetes-schemas');
  const dir = join(root, `v${version}-standalone-strict`);
  if (!existsSync(dir)) {
    const scratch = `${dir}.partial-${process.pid}`;
    mkdirSync(scratch, { recursive: true });
    writeSchemas(readSpec(version), scratch);
    renameSync(scratch, dir);
  }
  return {
    root,
    location: join(
      root,
      '{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json',
    ),
  };
}

/** The swagger.json of k8s.io/kubernetes at `version`, from the Go module cache (make install fills it). */
function readSpec(version: string): Record<string, OpenApiSchema> {
  // go prints the module's JSON, its Error included, and exits 1 when it cannot have it.
  const { stdout } = runCommandSync('go', ['mod', 'download', '-json', `k8s.io/kubernetes@v${version}`], {
    timeoutMs: 600_000,
    allowFailure: true,
  });
  const module = JSON.parse(stdout || '{}') as { Dir?: string; Error?: string };
  if (!module.Dir)
    throw new Error(`k8s.io/kubernetes@v${version}: ${module.Error ?? 'not downloaded'} (run make install)`);
  const spec = JSON.parse(readFileSync(join(module.Dir, 'api/openapi-spec/swagger.json'), 'utf8')) as {
    definitions: Record<string, OpenApiSchema>;
  };
  return spec.definitions;
}

function writeSchemas(definitions: Record<string, OpenApiSchema>, dir: string): void {
  for (const definition of Object.values(definitions)) {
    for (const { group, version, kind } of definition['x-kubernetes-group-version-kind'] ?? []) {
      const apiVersion = group ? `${group}/${version}` : version;
      // kubeconform's file name: the kind, the first label of the group, the version.
      const suffix = group ? `-${group.split('.')[0]}-${version}` : `-${version}`;
      const root = strict(definition);
      const properties = (root['properties'] ?? {}) as Record<string, JsonSchema>;
      properties['apiVersion'] = { type: 'string', enum: [apiVersion] };
      properties['kind'] = { type: 'string', enum: [kind] };
      const used = new Set<string>();
      collectRefs(definition, definitions, used);
      const schema = {
        $schema: 'http://json-schema.org/draft-07/schema#',
        ...root,
        properties,
        definitions: Object.fromEntries([...used].sort().map((ref) => [ref, strictDefinition(ref, definitions)])),
      };
      writeFileSync(join(dir, `${kind.toLowerCase()}${suffix}.json`), JSON.stringify(schema));
    }
  }
}

function strictDefinition(name: string, definitions: Record<string, OpenApiSchema>): JsonSchema {
  if (name === intOrString) return { oneOf: [{ type: 'string' }, { type: 'integer' }] };
  if (name === quantity) return { oneOf: [{ type: 'string' }, { type: 'number' }] };
  const definition = definitions[name];
  if (!definition) throw new Error(`the spec has no definition ${name}`);
  return strict(definition);
}

/** The spec's schema, closed to unknown fields; descriptions and formats dropped (except base64 as a pattern). */
function strict(schema: OpenApiSchema): JsonSchema {
  if (schema.$ref) return { $ref: schema.$ref };
  const out: JsonSchema = {};
  if (schema.type) out['type'] = schema.type;
  if (schema.format === 'byte') out['pattern'] = '^[A-Za-z0-9+/]*={0,2}$';
  if (schema.properties) {
    out['properties'] = Object.fromEntries(
      Object.entries(schema.properties).map(([key, value]) => [key, strict(value)]),
    );
    out['additionalProperties'] = false;
  }
  if (schema.additionalProperties !== undefined) {
    out['additionalProperties'] =
      typeof schema.additionalProperties === 'boolean'
        ? schema.additionalProperties
        : strict(schema.additionalProperties);
  }
  if (schema.items) out['items'] = strict(schema.items);
  if (schema.required) out['required'] = schema.required;
  return out;
}

function collectRefs(schema: OpenApiSchema, definitions: Record<string, OpenApiSchema>, seen: Set<string>): void {
  if (schema.$ref?.startsWith(definitionRef)) {
    const name = schema.$ref.slice(definitionRef.length);
    if (seen.has(name)) return;
    seen.add(name);
    const definition = definitions[name];
    if (definition) collectRefs(definition, definitions, seen);
    return;
  }
  for (const child of [
    ...Object.values(schema.properties ?? {}),
    ...(typeof schema.additionalProperties === 'object' ? [schema.additionalProperties] : []),
    ...(schema.items ? [schema.items] : []),
  ]) {
    collectRefs(child, definitions, seen);
  }
}
