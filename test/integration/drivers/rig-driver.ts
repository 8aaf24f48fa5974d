import type { Agent, BootReason } from '../../../src/app/agent.js';
import type { SimulatedWorld } from '../../../src/hal/simulated-world.js';
import type { DevCsms } from '../../../tools/dev-csms/dev-csms.js';
import { calls, plugIn, relayClosed, startAgent, stopAgent, unplug, until, type Rig } from '../harness.js';
import type { TokenResult } from '../../../src/station/station.js';
import type { EndedTransaction, ServiceStatus, StartedTransaction } from './station-driver.js';

/**
 * What both version drivers do the same way on the shared rig (a real agent against the dev CSMS):
 * the hardware side, stopping and restarting the agent, and waiting for what the version's own
 * readers (started, ended, statusSequence) report. Each version supplies the readers and its words.
 */
export abstract class RigDriver {
  constructor(public rig: Rig) {}

  /** The token a session uses when a test names none. */
  protected abstract readonly defaultToken: string;
  /** How the version's messages are named in failure messages: the start and the end of a transaction. */
  protected abstract readonly words: { started: string; ended: string };
  protected abstract waitForBootAccepted(csms: DevCsms, agent: Agent): Promise<void>;

  abstract present(token: string, evseId?: number): Promise<TokenResult>;
  abstract started(): StartedTransaction[];
  abstract ended(): EndedTransaction[];
  abstract statusSequence(evseId?: number): ServiceStatus[];

  get csms(): DevCsms {
    return this.rig.csms;
  }
  get agent(): Agent {
    return this.rig.agent;
  }

  plugIn(evseId = 1): Promise<void> {
    return plugIn(this.agent, evseId);
  }
  unplug(evseId = 1): Promise<void> {
    return unplug(this.agent, evseId);
  }
  relayClosed(evseId = 1): boolean {
    return relayClosed(this.agent, evseId);
  }

  /** Plugs in, presents the token, and returns the transaction once the CSMS has answered its start. */
  async startCharging(options: { token?: string; evseId?: number } = {}): Promise<StartedTransaction> {
    const evseId = options.evseId ?? 1;
    const token = options.token ?? this.defaultToken;
    const before = this.started().length;
    await this.plugIn(evseId);
    const result = await this.present(token, evseId);
    if (result.outcome !== 'authorized') throw new Error(`the token ${token} was not authorized: ${JSON.stringify(result)}`);
    await until(() => this.started().length > before, 5000, this.words.started);
    return this.started().at(-1)!;
  }

  async stop(how: 'power-cut' | 'clean' = 'power-cut'): Promise<void> {
    await stopAgent(this.agent, how);
  }

  /** Starts the agent again on the same config (and world, if given) and waits for its new boot to be accepted. */
  async startAgain(options: { bootReason?: BootReason; world?: SimulatedWorld; started?: (agent: Agent) => void } = {}): Promise<void> {
    const boots = calls(this.csms, 'BootNotification').length;
    const { agent, events } = await startAgent(this.rig.file, options);
    options.started?.(agent);
    this.rig = { ...this.rig, agent, events };
    await until(() => calls(this.csms, 'BootNotification').length > boots, 5000, 'a new boot');
    await this.waitForBootAccepted(this.csms, agent);
  }

  async waitForStarted(match: (t: StartedTransaction) => boolean = () => true, timeoutMs = 5000): Promise<StartedTransaction> {
    let found: StartedTransaction | undefined;
    await until(() => (found = this.started().find(match)) !== undefined, timeoutMs, `a matching ${this.words.started}`);
    return found!;
  }
  async waitForEnded(match: (t: EndedTransaction) => boolean = () => true, timeoutMs = 5000): Promise<EndedTransaction> {
    let found: EndedTransaction | undefined;
    await until(() => (found = this.ended().find(match)) !== undefined, timeoutMs, `a matching ${this.words.ended} (so far: ${JSON.stringify(this.ended())})`);
    return found!;
  }
  lastStatus(evseId = 1): ServiceStatus | undefined {
    return this.statusSequence(evseId).at(-1);
  }
}
