import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * The built agent's modules (dist/, `npm run build`) for benches that measure the real thing in
 * their own process: each loaded from dist with its source's types.
 */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const dist = (p: string): string => pathToFileURL(path.join(repoRoot, 'dist', p)).href;

export async function builtModules(): Promise<{
  Agent: (typeof import('../src/app/agent.js'))['Agent'];
  loadConfig: (typeof import('../src/config/load-config.js'))['loadConfig'];
  silentLogger: (typeof import('../src/process/logger.js'))['silentLogger'];
  FakeClock: (typeof import('../src/station/clock.js'))['FakeClock'];
  SimulatedWorld: (typeof import('../src/hal/simulated-world.js'))['SimulatedWorld'];
  DevCsms: (typeof import('../tools/dev-csms/dev-csms.js'))['DevCsms'];
}> {
  const { Agent } = (await import(dist('src/app/agent.js'))) as typeof import('../src/app/agent.js');
  const { loadConfig } = (await import(dist('src/config/load-config.js'))) as typeof import('../src/config/load-config.js');
  const { silentLogger } = (await import(dist('src/process/logger.js'))) as typeof import('../src/process/logger.js');
  const { FakeClock } = (await import(dist('src/station/clock.js'))) as typeof import('../src/station/clock.js');
  const { SimulatedWorld } = (await import(dist('src/hal/simulated-world.js'))) as typeof import('../src/hal/simulated-world.js');
  const { DevCsms } = (await import(dist('tools/dev-csms/dev-csms.js'))) as typeof import('../tools/dev-csms/dev-csms.js');
  return { Agent, loadConfig, silentLogger, FakeClock, SimulatedWorld, DevCsms };
}
