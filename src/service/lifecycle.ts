/**
 * Process-wide safety: whatever ends the process, relays are opened first. Hooks run synchronously
 * because an uncaught exception leaves no time for promises.
 */

type FailsafeHook = () => void;
const hooks = new Set<FailsafeHook>();

/** Registers something to do before the process dies (open relays); returns its removal. */
export function onFailsafe(hook: FailsafeHook): () => void {
  hooks.add(hook);
  return () => hooks.delete(hook);
}

/** Runs every failsafe hook; a hook that throws does not stop the others. */
export function runFailsafeHooks(): void {
  for (const h of hooks) {
    try {
      h();
    } catch {
      // Keep going: the other relays matter more than this error.
    }
  }
}

/** Exit codes, after sysexits.h where one fits. */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 64,
  unavailable: 69,
  software: 70,
  config: 78,
} as const;

let installed = false;

/** Opens relays and exits on a crash: an exception or rejection nobody handled. */
export function installCrashHandlers(write: (line: string) => void = (l) => process.stderr.write(l)): void {
  if (installed) return;
  installed = true;
  const crash = (what: string, err: unknown): void => {
    runFailsafeHooks();
    write(`<2>fatal: ${what}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(EXIT.software);
  };
  process.on('uncaughtException', (err) => crash('uncaught exception', err));
  process.on('unhandledRejection', (err) => crash('unhandled rejection', err));
  process.on('exit', () => runFailsafeHooks());
}
