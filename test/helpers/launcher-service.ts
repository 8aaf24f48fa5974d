import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './cli.js';

/**
 * The agent as systemd/evse-agent.service runs it (issue 15, "Installing on the Pi"): this
 * checkout's built launcher (what /usr/local/bin/evse-agent execs) running `run --config FILE`, with
 * $STATE_DIRECTORY set as StateDirectory= sets it, and started again whenever it exits, as
 * Restart=always does (after `restartDelayMs` rather than RestartSec's 5 s), until stop().
 */

export interface ServiceStart {
  /** stdout and stderr together, as they came. */
  output: string;
  /** Set when this start's process has exited. */
  exit?: { code: number | null; signal: NodeJS.Signals | null };
}

export interface LauncherServiceOptions {
  stateDir: string;
  configFile: string;
  restartDelayMs?: number;
}

export class LauncherService {
  readonly starts: ServiceStart[] = [];
  private child: ChildProcess | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: LauncherServiceOptions) {}

  /** The launcher of the build dist/ holds (the releases are packed from it too). */
  static readonly launcher = path.join(repoRoot, 'dist', 'src', 'release', 'launcher.js');

  start(): void {
    const env: NodeJS.ProcessEnv = { ...process.env, STATE_DIRECTORY: this.options.stateDir, JOURNAL_STREAM: '' };
    // Not under systemd: no notify socket or watchdog of the test runner's own to talk to.
    delete env['NOTIFY_SOCKET'];
    delete env['WATCHDOG_USEC'];
    const start: ServiceStart = { output: '' };
    this.starts.push(start);
    const child = spawn(process.execPath, [LauncherService.launcher, 'run', '--config', this.options.configFile], {
      cwd: this.options.stateDir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const keep = (chunk: Buffer): void => {
      start.output += chunk.toString();
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    child.on('exit', (code, signal) => {
      start.exit = { code, signal };
      if (this.child === child) this.child = undefined;
      if (!this.stopped) this.restartTimer = setTimeout(() => this.start(), this.options.restartDelayMs ?? 100);
    });
  }

  /** Whether the latest start's process still runs. */
  get running(): boolean {
    return this.child !== undefined;
  }

  /** Everything every start printed, each start headed by its number, for a failure message. */
  get output(): string {
    return this.starts.map((s, i) => `---- start ${i + 1} (exit ${JSON.stringify(s.exit ?? 'running')}) ----\n${s.output}`).join('\n');
  }

  /** `systemctl stop`: SIGTERM (SIGKILL after 20 s, TimeoutStopSec=), and no more restarts. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(killer);
  }
}
