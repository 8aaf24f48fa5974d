import { createRequire } from 'node:module';
import { RegisterReadError, type RegisterReader } from '../../meter/register-reader.js';

/** Where the meters are: an RS485 line, a Modbus TCP device, or a transparent RS485-to-TCP gateway. */
export type ModbusLink =
  | { kind: 'rtu'; path: string; baudRate: number; parity: 'none' | 'even' | 'odd'; stopBits: 1 | 2 }
  | { kind: 'tcp'; host: string; port: number; framing: 'mbap' | 'rtu' };

export interface ModbusTiming {
  /** How long to wait for an answer. */
  timeoutMs: number;
  /** Silence kept on the bus after each request, for meters that need time between frames. */
  interRequestDelayMs: number;
}

/** The part of modbus-serial's client we use; a seam for tests of the bus' own logic. */
export interface ModbusClientLike {
  readonly isOpen: boolean;
  setID(id: number): void;
  setTimeout(ms: number): void;
  connectRTUBuffered(path: string, options: object): Promise<void>;
  connectTCP(host: string, options: object): Promise<void>;
  connectTelnet(host: string, options: object): Promise<void>;
  readHoldingRegisters(start: number, count: number): Promise<{ data: number[] }>;
  readInputRegisters(start: number, count: number): Promise<{ data: number[] }>;
  writeRegister(address: number, value: number): Promise<unknown>;
  writeRegisters(address: number, values: number[]): Promise<unknown>;
  close(callback: () => void): void;
  on(event: 'error' | 'close', listener: (...args: unknown[]) => void): unknown;
}

// modbus-serial is CommonJS whose typings declare an ES default export; loading it through require
// gives the client class as it really is at run time. Loaded with the first bus made (with
// serialport beneath it), not with this module: a simulated station never loads it (issue 18).
const newModbusClient = (): ModbusClientLike => new (createRequire(import.meta.url)('modbus-serial') as new () => ModbusClientLike)();

export function describeLink(link: ModbusLink): string {
  if (link.kind === 'rtu') {
    return `${link.path} ${link.baudRate} 8${link.parity[0]!.toUpperCase()}${link.stopBits}`;
  }
  return `${link.framing === 'rtu' ? 'rtu-over-tcp' : 'tcp'}://${link.host}:${link.port}`;
}

/** The identity of a physical bus: meters whose links have the same key share one connection. */
export function linkKey(link: ModbusLink): string {
  return link.kind === 'rtu' ? `rtu:${link.path}` : `tcp:${link.host}:${link.port}:${link.framing}`;
}

/** Maps modbus-serial's errors onto the kinds health counts. */
export function classifyModbusError(err: unknown): RegisterReadError {
  const e = err as { message?: unknown; errno?: unknown; modbusCode?: unknown; name?: unknown; code?: unknown };
  const message = typeof e?.message === 'string' ? e.message : String(err);
  if (e?.errno === 'ETIMEDOUT' || e?.name === 'TransactionTimedOutError') return new RegisterReadError('timeout', 'no answer (timed out)');
  if (typeof e?.modbusCode === 'number') return new RegisterReadError('exception', message, e.modbusCode);
  if (/CRC error|Data length error|length error/i.test(message)) return new RegisterReadError('crc', message);
  return new RegisterReadError('io', typeof e?.code === 'string' ? `${e.code}: ${message}` : message);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A request's place in the line's queue: urgent ones (a pilot board's state, its offer) go before the waiting others. */
export interface RequestOptions {
  urgent?: boolean;
}

/**
 * One physical Modbus bus. Requests from every device on it go one at a time, with the configured
 * silence between them: RS485 is half duplex and a gateway forwards one frame at a time. They go
 * in order, except that an urgent request (a pilot board's: the contactor waits on it) goes before
 * those still waiting; one in flight is never cut short. A request's answer is handed over as soon
 * as it is in; the silence after it only holds back the next request.
 */
export class ModbusBus {
  private readonly waiting: Array<{ urgent: boolean; start: () => Promise<void> }> = [];
  private pumping: Promise<void> | undefined;
  private client: ModbusClientLike | undefined;
  private connecting: Promise<ModbusClientLike> | undefined;
  private closed = false;

  constructor(
    readonly link: ModbusLink,
    readonly timing: ModbusTiming,
    private readonly createClient: () => ModbusClientLike = newModbusClient,
  ) {}

  get description(): string {
    return describeLink(this.link);
  }

  private async connect(): Promise<ModbusClientLike> {
    if (this.client?.isOpen) return this.client;
    this.connecting ??= (async () => {
      const client = this.createClient();
      // A serial or socket error must not become an unhandled 'error' event: the request that hits it fails instead.
      client.on('error', () => undefined);
      client.setTimeout(this.timing.timeoutMs);
      const link = this.link;
      try {
        if (link.kind === 'rtu') {
          await client.connectRTUBuffered(link.path, {
            baudRate: link.baudRate,
            parity: link.parity,
            stopBits: link.stopBits,
            dataBits: 8,
          });
        } else if (link.framing === 'rtu') {
          // connectTelnet writes RTU frames (with CRC) to a raw socket, as transparent gateways expect;
          // connectTcpRTUBuffered, despite its name, speaks MBAP (Modbus TCP) framing.
          await client.connectTelnet(link.host, { port: link.port });
        } else {
          await client.connectTCP(link.host, { port: link.port });
        }
      } catch (err) {
        client.close(() => undefined);
        throw err;
      }
      this.client = client;
      return client;
    })().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private dropClient(): void {
    const c = this.client;
    this.client = undefined;
    c?.close(() => undefined);
  }

  /** Reads registers from one unit; queued behind the other requests on this bus (urgent: before those waiting). */
  read(unitId: number, fn: 3 | 4, start: number, count: number, options: RequestOptions = {}): Promise<number[]> {
    return this.request(
      unitId,
      async (client) => (fn === 3 ? await client.readHoldingRegisters(start, count) : await client.readInputRegisters(start, count)).data,
      options,
    );
  }

  /** Writes holding registers of one unit (function 6: one register, 16: several); queued like a read. */
  write(unitId: number, fn: 6 | 16, address: number, values: number[], options: RequestOptions = {}): Promise<void> {
    if (fn === 6 && values.length !== 1) return Promise.reject(new Error(`function 6 writes one register, not ${values.length}`));
    return this.request(
      unitId,
      async (client) => {
        await (fn === 6 ? client.writeRegister(address, values[0]!) : client.writeRegisters(address, values));
      },
      options,
    );
  }

  /** One request to one unit, once the line is free (a line has one master, one request at a time). */
  private request<T>(unitId: number, op: (client: ModbusClientLike) => Promise<T>, options: RequestOptions): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = (): Promise<void> => this.exchange(unitId, op).then(resolve, reject);
      const urgent = options.urgent ?? false;
      const at = urgent ? this.waiting.findIndex((w) => !w.urgent) : -1;
      if (at >= 0) this.waiting.splice(at, 0, { urgent, start });
      else this.waiting.push({ urgent, start });
      this.kick();
    });
  }

  /** Starts the pump unless it runs; one that ended as a request came in is started again. */
  private kick(): void {
    if (this.pumping) return;
    this.pumping = this.pump().finally(() => {
      this.pumping = undefined;
      if (this.waiting.length > 0) this.kick();
    });
  }

  /** Runs the waiting requests one at a time, with the silence after each. */
  private async pump(): Promise<void> {
    for (let next = this.waiting.shift(); next; next = this.waiting.shift()) {
      await next.start();
      if (this.timing.interRequestDelayMs > 0) await sleep(this.timing.interRequestDelayMs);
    }
  }

  private async exchange<T>(unitId: number, op: (client: ModbusClientLike) => Promise<T>): Promise<T> {
    if (this.closed) throw new RegisterReadError('io', `${this.description}: bus closed`);
    let client: ModbusClientLike;
    try {
      client = await this.connect();
    } catch (err) {
      throw classifyModbusError(err);
    }
    try {
      client.setID(unitId);
      return await op(client);
    } catch (err) {
      const classified = classifyModbusError(err);
      // A broken connection is reopened on the next request; a missing answer on a live line is not a reason to.
      if (classified.kind === 'io' || !client.isOpen) this.dropClient();
      throw classified;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    while (this.pumping) await this.pumping;
    const c = this.client;
    this.client = undefined;
    if (c) await new Promise<void>((resolve) => c.close(() => resolve()));
  }
}

/** One bus per physical link, shared by every meter on it. */
export class ModbusBusRegistry {
  private readonly buses = new Map<string, ModbusBus>();

  get(link: ModbusLink, timing: ModbusTiming): ModbusBus {
    const key = linkKey(link);
    let bus = this.buses.get(key);
    if (!bus) {
      bus = new ModbusBus(link, timing);
      this.buses.set(key, bus);
    }
    return bus;
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.buses.values()].map((b) => b.close()));
    this.buses.clear();
  }
}

/** A meter at one unit id on a bus. */
export class ModbusRegisterReader implements RegisterReader {
  constructor(
    private readonly bus: ModbusBus,
    readonly unitId: number,
  ) {}

  get description(): string {
    return `${this.bus.description} unit ${this.unitId}`;
  }

  readRegisters(fn: 3 | 4, start: number, count: number): Promise<number[]> {
    return this.bus.read(this.unitId, fn, start, count);
  }

  /** The bus belongs to the registry: other meters may still use it. */
  async close(): Promise<void> {}
}
