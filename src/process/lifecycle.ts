/**
 * Process-wide safety: whatever ends the process, relays are opened first. Hooks run synchronously
 * because an uncaught exception leaves no time for promises.
 */

type FailsafeHook = () => void;
// Process-wide by nature: a crash ends every station in the process, so each registers its relays here.
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

/**
 * Exit codes, after sysexits.h; each means one thing (the README's table lists them). A start that
 * fails is sorted into one of them by exitCodeForStartError.
 */
export const EXIT = {
  ok: 0,
  /** failsafe: a relay could not be opened, or none is known. */
  failure: 1,
  /** EX_USAGE: the command line is wrong. */
  usage: 64,
  /** EX_UNAVAILABLE: a device did not answer (a meter). */
  unavailable: 69,
  /** EX_SOFTWARE: an internal error (a bug, a crash). */
  software: 70,
  /** EX_OSERR: a port to listen on is in use, or its address is not this machine's. */
  cannotListen: 71,
  /** EX_CANTCREAT: storage.dir cannot be created or written (read-only, full, not a folder). */
  cannotCreate: 73,
  /** EX_IOERR: hardware could not be opened (a GPIO chip or line, a serial device). */
  hardware: 74,
  /** EX_TEMPFAIL: another instance runs on the same storage.dir; retry once it has stopped. */
  alreadyRunning: 75,
  /** EX_NOPERM: permission denied (a GPIO line, a serial device, storage.dir, a port below 1024). */
  noPermission: 77,
  /** EX_CONFIG: the config is invalid. */
  config: 78,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

// The process has one set of crash handlers, however many stations it runs.
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

/** What kept the agent from starting, as far as the exit code is concerned. */
export type StartFailure = 'already-running' | 'storage' | 'hardware' | 'listen';

/** A start that failed for a known reason; the original error is its cause. */
export class StartError extends Error {
  constructor(
    readonly failure: StartFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StartError';
  }
}

/** The errno code of an error or of any error in its cause chain. */
function errnoCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
  }
  return undefined;
}

/** The exit code for an error that stopped `run` or `demo` from starting. */
export function exitCodeForStartError(err: unknown): ExitCode {
  if (err instanceof StartError && err.failure === 'already-running') return EXIT.alreadyRunning;
  const code = errnoCode(err);
  if (code === 'EACCES' || code === 'EPERM') return EXIT.noPermission;
  if (code === 'EADDRINUSE' || code === 'EADDRNOTAVAIL') return EXIT.cannotListen;
  if (err instanceof StartError) {
    switch (err.failure) {
      case 'storage':
        return EXIT.cannotCreate;
      case 'hardware':
        return EXIT.hardware;
      case 'listen':
        return EXIT.cannotListen;
    }
  }
  return EXIT.software;
}
