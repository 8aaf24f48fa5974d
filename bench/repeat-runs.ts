import { spawnSync } from 'node:child_process';

/**
 * `--runs N` for a bench that prints one figure per run: runs the same script N times in fresh
 * processes (one run's heap and JIT do not help the next) and prints each run's figure and their
 * median, the figure the targets are read against.
 */
export function repeatRuns(runs: number, figure: RegExp, what: string): void {
  const args = [...process.execArgv, ...process.argv.slice(1)];
  const at = args.indexOf('--runs');
  args.splice(at, 2);
  const figures: number[] = [];
  for (let i = 1; i <= runs; i++) {
    const run = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (run.status !== 0) throw new Error(`run ${i} failed (exit ${run.status})`);
    const m = figure.exec(run.stdout);
    if (!m) throw new Error(`run ${i} printed no ${what}:\n${run.stdout}`);
    figures.push(Number(m[1]));
    if (i === runs) process.stdout.write(run.stdout);
    console.log(`run ${i}: ${what} ${m[1]}`);
  }
  const sorted = [...figures].sort((a, b) => a - b);
  const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
  console.log(`\nmedian of ${runs} runs: ${what} ${median.toFixed(1)} (runs: ${figures.join(', ')}; the last run's report is above)`);
}
