// Loaded with `node --import` by test/cli/run-module-graph.test.ts: logs every module the process
// resolves through the ES module loader (resolve-log.mjs) and, when it exits, every CommonJS
// module it loaded (require.cache: packages required lazily), one a line, to $MODULE_GRAPH_LOG.
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';

register(new URL('./resolve-log.mjs', import.meta.url));

const require = createRequire(import.meta.url);
process.on('exit', () => {
  const log = process.env.MODULE_GRAPH_LOG;
  if (log) appendFileSync(log, Object.keys(require.cache).map((file) => `${pathToFileURL(file).href}\n`).join(''));
});
