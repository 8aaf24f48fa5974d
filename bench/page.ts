/**
 * bench/page: what the status page costs the agent, and how fast it shows what happens (issue 16).
 * The agent runs as installed (the built CLI, `evse-agent run`, its own process, simulated
 * hardware, the meter polled every second as config/simulator.json has it) against an in-process
 * development CSMS on loopback; Debian's chromium (playwright-core) opens its page.
 *
 * - Agent RSS and CPU during a charging session: first with no page open, then with `--pages`
 *   pages (default 5) open, each with its live event stream; sampled from /proc every second
 *   over `--window-s` seconds each.
 * - Event-to-screen latency over `--pulls` lever pulls (default 40) from the first page's developer
 *   panel while EVSE 1 charges and the other pages are open: a second EVSE plugged and unplugged in
 *   turn, from the click (in the page) to the first animation frame showing its new status; p50,
 *   p95 and max.
 *
 *   npm run bench:page [-- --pages 5 --window-s 20 --pulls 40]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { BrowserContext, Page } from 'playwright-core';
import { silentLogger } from '../src/process/logger.js';
import { DevCsms } from '../tools/dev-csms/dev-csms.js';
import { launchChromium } from '../test/helpers/browser.js';
import { repoRoot, simulatorConfigCopy } from '../test/helpers/cli.js';
import { withSecondEvse } from '../test/integration/harness.js';
import { removeAllTempDirs } from '../test/helpers/temp-dir.js';
import { byTestId, inEvse, timeToScreen, waitOnScreen } from '../test/web/page-harness.js';

const { values } = parseArgs({
  options: {
    pages: { type: 'string', default: '5' },
    'window-s': { type: 'string', default: '20' },
    pulls: { type: 'string', default: '40' },
  },
});
const pageCount = Number(values.pages);
const windowMs = Number(values['window-s']) * 1000;
const pulls = Number(values.pulls);

const builtCli = path.join(repoRoot, 'dist', 'src', 'cli', 'main.js');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A port free now on 127.0.0.1 (the agent's API listens there; it prints no port of its own for port 0). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The process's resident memory (bytes) and CPU time (ms) so far, from /proc. */
function processUsage(pid: number): { rss: number; cpuMs: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
  // /proc/<pid>/stat: utime and stime are fields 14 and 15, in clock ticks (100 a second on Linux).
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { rss: rssKb * 1024, cpuMs: ticks * 10 };
}

/** RSS samples (MiB) every second and CPU (% of one core) over windowMs. */
async function measureAgent(pid: number): Promise<{ rssMiB: number[]; cpuPercent: number }> {
  const from = processUsage(pid);
  const t0 = performance.now();
  const rssMiB: number[] = [];
  while (performance.now() - t0 < windowMs) {
    await sleep(1000);
    rssMiB.push(processUsage(pid).rss / 2 ** 20);
  }
  const cpuPercent = ((processUsage(pid).cpuMs - from.cpuMs) / (performance.now() - t0)) * 100;
  return { rssMiB, cpuPercent };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const median = (xs: number[]): number => percentile([...xs].sort((a, b) => a - b), 50);

async function post(base: string, route: string, body: unknown): Promise<void> {
  const res = await fetch(`${base}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`POST ${route}: ${res.status} ${await res.text()}`);
}

async function main(): Promise<void> {
  if (!existsSync(builtCli)) throw new Error('dist/ is missing: run npm run build first (npm run bench:page does)');
  const csms = new DevCsms({ port: 0, log: silentLogger });
  await csms.start();
  const port = await freePort();
  const file = simulatorConfigCopy((doc) => {
    doc['ocpp'] = { ...doc['ocpp'], url: csms.url };
    doc['api'] = { listen: `127.0.0.1:${port}` };
    doc['log'] = { level: 'warning' };
    withSecondEvse(doc);
  });
  const base = `http://127.0.0.1:${port}`;
  let agent: ChildProcess | undefined;
  const browser = await launchChromium();
  try {
    agent = spawn(process.execPath, [builtCli, 'run', '--config', file], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
    const pid = agent.pid!;
    const deadline = Date.now() + 20_000;
    for (;;) {
      const status = await fetch(`${base}/api/status`).then((r) => r.json() as Promise<{ connection: { bootState: string } }>).catch(() => undefined);
      if (status?.connection.bootState === 'Accepted') break;
      if (Date.now() > deadline) throw new Error('the agent did not boot within 20 s');
      await sleep(200);
    }

    // A session, driven over the API: plugged, a card, the EV charging.
    await post(base, '/api/sim/evses/1/connectors/1/plug', {});
    await post(base, '/api/sim/evses/1/token', { idToken: 'BENCH-0001', type: 'ISO14443' });
    await sleep(2000);
    const without = await measureAgent(pid);

    // A context (a window) per page, as five people each with a browser: every page in front, none a
    // background tab whose timers and animation frames the browser slows down.
    const contexts: BrowserContext[] = [];
    const pages: Page[] = [];
    for (let i = 0; i < pageCount; i++) {
      const context = await browser.newContext();
      contexts.push(context);
      const page = await context.newPage();
      await page.goto(base);
      await waitOnScreen(page, { selector: inEvse(1, 'power'), valueAbove: 0 }, 10_000);
      pages.push(page);
    }
    const withPages = await measureAgent(pid);

    const page = pages[0]!;
    const latencies: number[] = [];
    for (let i = 0; i < pulls; i++) {
      const plug = i % 2 === 0;
      const text = plug ? /occupied/i : /available/i;
      latencies.push(await timeToScreen(page, () => page.click(byTestId(plug ? 'sim-plug-2' : 'sim-unplug-2')), { selector: inEvse(2, 'status'), text }));
      // Apart, as a person pulls levers: each change its own event, not coalesced with the last.
      await sleep(300);
    }
    const stillOpen = await Promise.all(pages.map((p) => p.evaluate(() => 1).then(() => true, () => false)));
    for (const context of contexts) await context.close();

    const sorted = [...latencies].sort((a, b) => a - b);
    const rssText = (r: { rssMiB: number[] }): string => `RSS median ${median(r.rssMiB).toFixed(1)} MiB (${Math.min(...r.rssMiB).toFixed(1)}-${Math.max(...r.rssMiB).toFixed(1)})`;
    const out = process.stdout;
    out.write(`status page bench: agent pid ${pid} (built CLI, simulated hardware, meter 1 Hz), charging session running; ${os.availableParallelism()} cores\n`);
    out.write(`  no page open      ${rssText(without)}, CPU ${without.cpuPercent.toFixed(1)} % of a core (${windowMs / 1000} s)\n`);
    out.write(`  ${`${pageCount} pages open`.padEnd(17)} ${rssText(withPages)}, CPU ${withPages.cpuPercent.toFixed(1)} % of a core (${windowMs / 1000} s)\n`);
    out.write(`  ${pageCount} pages cost   ${(median(withPages.rssMiB) - median(without.rssMiB)).toFixed(1)} MiB, ${(withPages.cpuPercent - without.cpuPercent).toFixed(1)} % CPU\n`);
    out.write(`event to screen (click in the page to EVSE 2's status shown), ${pulls} lever pulls with ${pageCount} pages open: p50 ${percentile(sorted, 50).toFixed(0)} ms  p95 ${percentile(sorted, 95).toFixed(0)} ms  max ${sorted.at(-1)!.toFixed(0)} ms (target: within 1000 ms)\n`);
    if (!stillOpen.every(Boolean)) throw new Error('a page was lost during the bench');
    process.exitCode = percentile(sorted, 95) <= 1000 ? 0 : 1;
  } finally {
    await browser.close();
    if (agent && agent.exitCode === null) {
      agent.kill('SIGTERM');
      await new Promise((resolve) => agent!.once('exit', resolve));
    }
    await csms.stop();
    removeAllTempDirs();
  }
}

await main();
