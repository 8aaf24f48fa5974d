import type { CommandModules } from './command-line.js';
import { runProcess as runWith } from './process-main.js';

/**
 * The shipped bundle's entry (tools/build-bundle.ts, issue 18): the process with `run` alone, the
 * command a station starts with and the one whose start-up time counts. main.ts hands every other
 * command to the modules of dist/src, so the bundle carries neither the development CSMS, the
 * fleet simulator nor the release tools.
 */
export function runProcess(): Promise<void> {
  const elsewhere = (): Promise<never> => Promise.reject(new Error('the bundle has `run` only: main.ts runs the other commands from dist/src'));
  const commands: CommandModules = {
    run: () => import('./commands/run.js'),
    checkConfig: elsewhere,
    meterRead: elsewhere,
    meterSim: elsewhere,
    pilotRead: elsewhere,
    cardRead: elsewhere,
    failsafe: elsewhere,
    demo: elsewhere,
    devCsms: elsewhere,
    release: elsewhere,
    sessions: elsewhere,
    simulate: elsewhere,
  };
  return runWith(commands);
}
