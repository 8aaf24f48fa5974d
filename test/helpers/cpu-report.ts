import { appendFileSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * CPU time per test file, for `node test/run-mocha.mjs --parallel --cpu-report`: where a run's CPU
 * goes, the test process' own and that of the processes it started (agents, meter-sim, install.sh)
 * once they have exited. The root hooks (root-hooks.ts) take a reading before and after each file,
 * which they run per file only in a parallel run; each file appends one JSON line to the file named
 * by EVSE_AGENT_TEST_CPU_REPORT.
 */

const reportFile = process.env['EVSE_AGENT_TEST_CPU_REPORT'];

interface Reading {
  wallMs: number;
  ownMs: number;
  childrenMs: number;
}

/** This process' CPU time and that of its exited children, from /proc (clock ticks of 10 ms). */
function reading(): Reading {
  let childrenMs = 0;
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Counted from the state (field 3 of stat): cutime and cstime, fields 16 and 17.
    childrenMs = (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    // no /proc: children not counted
  }
  const own = process.cpuUsage();
  return { wallMs: performance.now(), ownMs: (own.user + own.system) / 1000, childrenMs };
}

let start: Reading | undefined;

/** Before a file: the reading to subtract. */
export function startFileCpu(): void {
  if (reportFile) start = reading();
}

/** After a file: its wall and CPU time, appended to the report. */
export function recordFileCpu(file: string | undefined): void {
  if (!reportFile || !start) return;
  const end = reading();
  const line = {
    file: file ? path.relative(process.cwd(), file) : '(unknown)',
    wallMs: Math.round(end.wallMs - start.wallMs),
    ownMs: Math.round(end.ownMs - start.ownMs),
    childrenMs: end.childrenMs - start.childrenMs,
  };
  appendFileSync(reportFile, `${JSON.stringify(line)}\n`);
  start = undefined;
}
