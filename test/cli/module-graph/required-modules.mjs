// Loaded with `node --import` by test/cli/run-module-graph.test.ts for the bundle: when the process
// exits, logs every CommonJS module it loaded (require.cache) and every Node builtin it loaded
// (process.moduleLoadList, as builtin:<name>), one a line, to $MODULE_GRAPH_LOG. No module hooks,
// unlike loaded-modules.mjs: they would load worker_threads themselves.
import { appendFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
process.on('exit', () => {
  const log = process.env.MODULE_GRAPH_LOG;
  if (!log) return;
  const files = Object.keys(require.cache).map((file) => `${pathToFileURL(file).href}\n`);
  const builtins = process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => `builtin:${m.slice('NativeModule '.length)}\n`);
  appendFileSync(log, files.join('') + builtins.join(''));
});
