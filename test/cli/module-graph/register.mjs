// Loaded with `node --import` by test/cli/failsafe-entry.test.ts: logs every module the process
// resolves (one URL a line) to the file in $MODULE_GRAPH_LOG.
import { register } from 'node:module';

register(new URL('./resolve-log.mjs', import.meta.url));
