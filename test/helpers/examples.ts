/** Gateway configuration for the example services and demos (as jetgate.json has it), for tests. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = (p: string) => fileURLToPath(new URL(`../../../${p}`, import.meta.url));

/** jetgate.json's auth, streams, namespaces and schemas (schema paths made absolute). */
export function exampleConfig(): Record<string, unknown> {
  const cfg = JSON.parse(readFileSync(root('jetgate.json'), 'utf8')) as { auth: unknown; schemas: string[]; streams: unknown[]; namespaces: unknown[] };
  return { auth: cfg.auth, schemas: cfg.schemas.map(root), streams: cfg.streams, namespaces: cfg.namespaces };
}
