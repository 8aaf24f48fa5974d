import type { CommandModules } from './command-line.js';

/** Each command's module, imported only when that command runs: `help` loads none, `check-config` no OCPP. */
export function lazyCommands(): CommandModules {
  return {
    run: () => import('./commands/run.js'),
    checkConfig: () => import('./commands/check-config.js'),
    meterRead: () => import('./commands/meter-read.js'),
    meterSim: () => import('./commands/meter-sim.js'),
    pilotRead: () => import('./commands/pilot-read.js'),
    cardRead: () => import('./commands/card-read.js'),
    failsafe: () => import('./failsafe/failsafe-args.js'),
    demo: () => import('./commands/demo.js'),
    devCsms: () => import('./commands/dev-csms.js'),
    release: () => import('./commands/release.js'),
    sessions: () => import('./commands/sessions.js'),
    simulate: () => import('./commands/simulate.js'),
  };
}
