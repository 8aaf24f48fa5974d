// A module resolve hook (it runs on the loader's thread): appends each resolved URL to $MODULE_GRAPH_LOG.
import { appendFileSync } from 'node:fs';

export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  if (process.env.MODULE_GRAPH_LOG) appendFileSync(process.env.MODULE_GRAPH_LOG, `${resolved.url}\n`);
  return resolved;
}
