/**
 * The REST routes as the protos declare them: each `google.api.http` path
 * template with the HTTP methods it takes. The transcoder reads the same
 * annotations from the descriptor set; the gateway needs them itself only to
 * answer a known path asked with another method 405 (with `Allow`), where
 * the transcoder alone would say 404.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { googleProtoRoot, protoFiles, protoRoot } from '@demo/platform';

export interface RestRoute {
  /** The path template, e.g. `/v1/users/{user_id}/home`. */
  template: string;
  /** The methods the template takes, e.g. `['GET']`. */
  methods: string[];
}

const httpVerbs = ['get', 'put', 'post', 'delete', 'patch'] as const;

type HttpRule = Partial<Record<(typeof httpVerbs)[number], string>>;

/** Every path template of the protos' services, with its methods, in the protos' order. */
export function restRoutes(services: readonly string[]): RestRoute[] {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) =>
    [protoRoot, googleProtoRoot].map((dir) => join(dir, target)).find((path) => existsSync(path)) ?? target;
  root.loadSync(protoFiles, { keepCase: true });
  const byTemplate = new Map<string, Set<string>>();
  for (const name of services) {
    for (const method of Object.values(root.lookupService(name).methods)) {
      // protobufjs keeps each option a method declares as { '(name)': value }.
      const options = (method.parsedOptions ?? []) as Record<string, unknown>[];
      const rule = options.find((option) => '(google.api.http)' in option)?.['(google.api.http)'] as
        HttpRule | undefined;
      for (const verb of httpVerbs) {
        const template = rule?.[verb];
        if (template === undefined) continue;
        const methods = byTemplate.get(template) ?? new Set<string>();
        methods.add(verb.toUpperCase());
        byTemplate.set(template, methods);
      }
    }
  }
  return [...byTemplate].map(([template, methods]) => ({ template, methods: [...methods] }));
}

/**
 * The template as a regular expression over the path (Envoy matches it with
 * the query string removed): a `{variable}` is one segment, as the
 * transcoder binds it; the literal parts are matched as they are.
 */
export function templatePattern(template: string): string {
  const parts = template.split(/(\{[^}]+\})/);
  const pattern = parts
    .map((part) => (part.startsWith('{') ? '[^/]+' : part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
    .join('');
  return `^${pattern}$`;
}
