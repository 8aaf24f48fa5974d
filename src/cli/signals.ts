import os from 'node:os';
import { runFailsafeHooks } from '../process/lifecycle.js';

/** What sends the signals: the process, or a stand-in in tests. */
export interface SignalSource {
  on(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
}

/**
 * SIGINT and SIGTERM open the relays at once, then abort the command for an orderly stop. A
 * second signal cuts that short with the shell's convention, 128 + the signal's number (130, 143):
 * a code of its own, not the internal error (70) it used to be.
 */
export function stopOnSignals(controller: AbortController, exit: (code: number) => void = (code) => process.exit(code), source: SignalSource = process): void {
  let signals = 0;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    source.on(sig, () => {
      signals++;
      // Open relays at once, before the orderly shutdown that follows.
      runFailsafeHooks();
      controller.abort();
      if (signals > 1) exit(128 + os.constants.signals[sig]);
    });
  }
}
