import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './cli.js';

/**
 * The agent as systemd/evse-agent.service runs it (issue 15, "Installing on the Pi"): this
 * checkout's built launcher (what /usr/local/bin/evse-agent execs) running `run --config FILE`, with
 * $STATE_DIRECTORY set as StateDirectory= sets it; after every exit ExecStopPost's `failsafe
 * --config FILE` through the same launcher, then started again, as Restart=always does (after
 * `restartDelayMs` rather than RestartSec's 5 s), until stop().
 */

export interface ServiceStart {
  /** stdout and stderr together, as they came. */
  output: string;
  /** Set when this start's process has exited. */
  exit?: { code: number | null; signal: NodeJS.Signals | null };
  /** ExecStopPost's `evse-agent failsafe` after the exit, once it has run: its exit code and output. */
  stopPost?: { code: number | null; output: string };
}

export interface LauncherServiceOptions {
  stateDir: string;
  configFile: string;
  restartDelayMs?: number;
  /** Before each start (numbered from 1), as a test's change while the service is down. */
  beforeStart?: (start: number) => void;
}

export class LauncherService {
  readonly starts: ServiceStart[] = [];
  private child: ChildProcess | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: LauncherServiceOptions) {}

  /** The launcher of the build dist/ holds (the releases are packed from it too). */
  static readonly launcher = path.join(repoRoot, 'dist', 'src', 'release', 'launcher.js');

  /** The launcher with `command`, as the unit's ExecStart= and ExecStopPost= run it. */
  private launch(command: string, onOutput: (text: string) => void): ChildProcess {
    const env: NodeJS.ProcessEnv = { ...process.env, STATE_DIRECTORY: this.options.stateDir, JOURNAL_STREAM: '' };
    // Not under systemd: no notify socket or watchdog of the test runner's own to talk to.
    delete env['NOTIFY_SOCKET'];
    delete env['WATCHDOG_USEC'];
    const child = spawn(process.execPath, [LauncherService.launcher, command, '--config', this.options.configFile], { cwd: this.options.stateDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer): void => onOutput(chunk.toString());
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    return child;
  }

  start(): void {
    this.options.beforeStart?.(this.starts.length + 1);
    const start: ServiceStart = { output: '' };
    this.starts.push(start);
    const child = this.launch('run', (text) => (start.output += text));
    this.child = child;
    child.on('exit', (code, signal) => {
      start.exit = { code, signal };
      const stopPost = { code: null as number | null, output: '' };
      const failsafe = this.launch('failsafe', (text) => (stopPost.output += text));
      failsafe.on('exit', (failsafeCode) => {
        start.stopPost = { ...stopPost, code: failsafeCode };
        if (this.child === child) this.child = undefined;
        if (!this.stopped) this.restartTimer = setTimeout(() => this.start(), this.options.restartDelayMs ?? 100);
      });
    });
  }

  /** Whether the latest start's process still runs. */
  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Everything every start printed, each start headed by its number, for a failure message. */
  get output(): string {
    return this.starts.map((s, i) => `---- start ${i + 1} (exit ${JSON.stringify(s.exit ?? 'running')}) ----\n${s.output}${s.stopPost ? `---- its failsafe (exit ${s.stopPost.code}) ----\n${s.stopPost.output}` : ''}`).join('\n');
  }

  /** A signal to the running start (SIGKILL: a crash, or the watchdog's kill); Restart= starts it again. */
  kill(signal: NodeJS.Signals): void {
    this.child?.kill(signal);
  }

  /** `systemctl stop`: SIGTERM (SIGKILL after 20 s, TimeoutStopSec=), and no more restarts. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child) return;
    // Until ExecStopPost has run too: the start is over only then.
    const over = new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (this.child !== child) {
          clearInterval(poll);
          resolve();
        }
      }, 20);
    });
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await over;
    clearTimeout(killer);
  }
}
