#!/usr/bin/env node

// `failsafe` has an entry of its own that loads no OCPP (failsafe-main.ts): hand it over before
// anything else is loaded, this file's own imports included. Its --help goes there too and comes
// back to the full command line.
if (process.argv[2] === 'failsafe') {
  process.argv.splice(2, 1);
  await import('./failsafe-main.js');
} else {
  const bundled = await bundleStart();
  if (bundled) {
    await bundled.runBundled();
  } else {
    // Before anything imports rxjs (issue 18: start-up time; the bundle has its own).
    const { useRxjsBundle } = await import('./rxjs-bundle.js');
    useRxjsBundle();
    const { runProcess } = await import('./process-main.js');
    // Each command's module is imported only when that command runs.
    const { lazyCommands } = await import('./lazy-commands.js');
    await runProcess(lazyCommands());
  }
}

/**
 * The shipped bundle's start (bundle-start.ts, built as dist/bundle/start.cjs) for `run`, when this
 * is the built main.js and the build made one; else the modules as they are: the other commands,
 * the sources run by tsx (tests, `npm start`), or EVSE_AGENT_BUNDLE=off (e.g. to see which modules
 * a command loads).
 */
async function bundleStart(): Promise<typeof import('./bundle-start.js') | undefined> {
  if (process.argv[2] !== 'run' || !import.meta.url.endsWith('.js') || process.env['EVSE_AGENT_BUNDLE'] === 'off') return undefined;
  const { createRequire } = await import('node:module');
  const start = '../../bundle/start.cjs';
  try {
    return createRequire(import.meta.url)(start) as typeof import('./bundle-start.js');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && (err as Error).message.includes(start)) return undefined;
    throw err;
  }
}
