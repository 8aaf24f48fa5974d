/** Where a command writes, and what stops a long-running one: injectable so tests run commands in-process. */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** Aborted by SIGINT/SIGTERM in the real process, by the test otherwise. */
  stop: AbortSignal;
  /** Lines typed on standard input (meter-sim's commands); absent when there is none. */
  stdinLines?: AsyncIterable<string>;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Resolves when the signal aborts. */
export function untilStopped(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
