/**
 * bench/idle-rss-ratio: the agent's idle resident memory against a bare node process, both spawned
 * at the same time and sampled at the same moments. The agent is the built CLI
 * (`node dist/src/cli/main.js run` on config/simulator.json: one EVSE, simulated hardware, 1 Hz
 * meter poll) connected and booted to a development CSMS in this process on 127.0.0.1; the
 * reference is `node -e "setInterval(()=>{},1000)"`. After --settle-s seconds (issue 18: 120) the
 * RSS of each (/proc/PID/status VmRSS) is sampled --samples times 1 s apart; medians and their
 * ratio are printed. Issue 18 target: <= 1.5x. (bench/idle-rss measures stations in one process.)
 *
 *   npm run bench:idle-rss-ratio [-- --settle-s 120 --samples 7]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DevCsms } from '../tools/dev-csms/dev-csms.js';
import { silentLogger } from '../src/process/logger.js';
import { median, requireBuild, rssOf, simulatorConfig, sleep, spawnAgent, stopChild } from './spawned-agent.js';

const TARGET_RATIO = 1.5;
const IDENTITY = 'BENCH-IDLE-RSS';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'settle-s': { type: 'string', default: '120' }, samples: { type: 'string', default: '7' } } });
  const settleS = Number(values['settle-s']);
  const samples = Number(values.samples);
  requireBuild();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'evse-bench-idle-rss-'));
  const csms = new DevCsms({ port: 0, log: silentLogger });
  await csms.start();
  const agent = spawnAgent(simulatorConfig(dir, csms.url, IDENTITY, 1000));
  const bare = spawn(process.execPath, ['-e', 'setInterval(()=>{},1000)'], { stdio: 'ignore' });
  try {
    await csms.waitForConnection(IDENTITY, 30_000);
    await csms.waitFor(IDENTITY, 'BootNotification', undefined, 30_000);
    await sleep(settleS * 1000);
    const agentRss: number[] = [];
    const bareRss: number[] = [];
    for (let i = 0; i < samples; i++) {
      agentRss.push(rssOf(agent.pid!) / 2 ** 20);
      bareRss.push(rssOf(bare.pid!) / 2 ** 20);
      await sleep(1000);
    }
    if (!csms.station(IDENTITY)?.connected) throw new Error('the agent was not connected at the end');
    const ratio = median(agentRss) / median(bareRss);
    const row = (name: string, xs: number[]): string => `  ${name.padEnd(38)} ${median(xs).toFixed(1).padStart(6)} MiB   (samples ${xs.map((x) => x.toFixed(1)).join(', ')})`;
    console.log(`idle RSS after ${settleS} s, median of ${samples} samples 1 s apart, both spawned together; ${os.cpus().length} CPUs, node ${process.version}`);
    console.log(row('node -e "setInterval(()=>{},1000)"', bareRss));
    console.log(row('main.js run (1 EVSE, 1 Hz poll, booted)', agentRss));
    console.log(`agent / bare node = ${ratio.toFixed(2)}x (target <= ${TARGET_RATIO}x): ${ratio <= TARGET_RATIO ? 'met' : 'NOT met'}`);
    process.exitCode = ratio <= TARGET_RATIO ? 0 : 1;
  } finally {
    bare.kill('SIGKILL');
    await stopChild(agent);
    await csms.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
