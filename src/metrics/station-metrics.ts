import type { Counter, Histogram, Registry } from 'prom-client';
import { Subscription } from 'rxjs';
import type { StationStatusView } from '../app/station-status.js';
import type { StationHardware } from '../hal/station-hardware.js';
import type { OcppVersion } from '../config/station-config.js';
import type { Station } from '../station/station.js';
import type { JsonFileStore } from '../store/json-file-store.js';
import { ContactorWear } from './contactor-wear.js';
import { evseGauges, type EvseGaugeSources } from './evse-gauges.js';
import { OcppTraffic } from './ocpp-traffic.js';
import { promClient } from './prom-client.js';

/** What the collect-time metrics read at each scrape. */
export interface MetricsSources extends EvseGaugeSources {
  hardware: StationHardware;
  station: Station;
  /** Reconnections since the agent started (OcppClient.reconnectCount). */
  reconnectCount(): number;
  /** Bytes of the durable journals (transaction messages, security and monitor events). */
  journalBytes(): number;
}

/** A scrape's answer: the text format and its content type (Prometheus 0.0.4). */
export interface MetricsPage {
  contentType: string;
  body: string;
}

/** A station's metrics once built: its registry and the instruments counted into. */
interface Instruments {
  registry: Registry;
  traffic: OcppTraffic;
  /** The counters of the running station's events, from follow() on. */
  followed?: {
    faultsRaised: Counter<'evse' | 'fault'>;
    pollDuration: Histogram<'evse' | 'outcome'>;
    readerErrors: Counter<'reader'>;
  };
}

/** Counts kept while the metrics are not built: a start's worth, and a bound for a station never connected nor scraped. */
const MAX_WAITING = 1000;

/**
 * One station's Prometheus metrics (issue 16): a registry of its own (two stations in one process
 * share nothing), the default Node process metrics, and the station's, most read at scrape time
 * from the same view GET /api/status gives, the rest counted from events (OCPP frames, meter polls,
 * faults raised, readers failing). Made before the OCPP client (its frame observer counts the
 * traffic), then follow() once the station and its hardware exist.
 *
 * Issue 18: prom-client is loaded and the registry built once the CSMS's first frame (the boot's
 * answer) has been handled, at the first scrape, or when MAX_WAITING counts wait; until then what
 * is to be counted waits, with the time of each frame, so the figures are the same.
 */
export class StationMetrics {
  private instruments: Instruments | undefined;
  private waiting: Array<(i: Instruments) => void> = [];
  private buildScheduled = false;
  private stopped = false;
  private readonly subscriptions: Subscription[] = [];
  private sources: MetricsSources | undefined;
  private wear: ContactorWear | undefined;
  /** The status view of the scrape under way: built once, read by every gauge. */
  private view: StationStatusView | undefined;
  private processMetrics = false;

  /** The frame observer (OcppClientOptions.onFrame): counts the OCPP traffic (OcppTraffic). */
  readonly traffic = {
    frame: (direction: 'in' | 'out', text: string): void => {
      const atMs = this.nowMs();
      this.use((i) => i.traffic.frame(direction, text, atMs));
      if (direction === 'in') this.buildSoon();
    },
  };

  constructor(
    private readonly store: JsonFileStore,
    private readonly version: OcppVersion,
    private readonly nowMs: () => number,
    private readonly onWarning: (message: string) => void = () => undefined,
  ) {}

  /** The station's registry (built when first asked for). */
  get registry(): Registry {
    return this.build().registry;
  }

  /** Starts the collect-time metrics and the event counters on the running station; unsubscribing stops them. */
  follow(sources: MetricsSources): Subscription {
    this.sources = sources;
    const wear = new ContactorWear(this.store, this.onWarning);
    this.wear = wear;
    wear.follow(sources.hardware.evses.flatMap((e) => e.connectors.map((c) => ({ evseId: e.evseId, connectorId: c.connectorId, closed$: c.relay.active$ }))));
    this.subscriptions.push(
      sources.station.events$.subscribe((e) => {
        if (e.type === 'FaultChanged' && e.active) this.use((i) => i.followed?.faultsRaised.inc({ evse: e.evseId === undefined ? 'station' : String(e.evseId), fault: e.fault }));
      }),
    );
    this.followMeterPolls(sources.hardware);
    this.followReaders(sources.hardware);
    if (this.instruments) this.register(this.instruments, sources);
    return new Subscription(() => this.stop());
  }

  /** Loads prom-client and makes the registry, once; then counts what waited. */
  private build(): Instruments {
    if (this.instruments) return this.instruments;
    const registry = new (promClient().Registry)();
    const instruments: Instruments = { registry, traffic: new OcppTraffic(registry, this.version, this.nowMs) };
    this.instruments = instruments;
    if (this.sources) this.register(instruments, this.sources);
    const waiting = this.waiting;
    this.waiting = [];
    for (const count of waiting) count(instruments);
    return instruments;
  }

  /** Counts now when built, else once built. */
  private use(count: (i: Instruments) => void): void {
    if (this.instruments) return count(this.instruments);
    if (this.stopped) return;
    this.waiting.push(count);
    if (this.waiting.length >= MAX_WAITING) this.build();
  }

  /** Builds after what is under way (the CSMS's frame being handled) is done. */
  private buildSoon(): void {
    if (this.instruments || this.buildScheduled) return;
    this.buildScheduled = true;
    setImmediate(() => {
      if (!this.stopped) this.build();
    });
  }

  /** The station's collect-time metrics and its event counters, in the registry. */
  private register(instruments: Instruments, sources: MetricsSources): void {
    const { registry } = instruments;
    const { Counter, Histogram } = promClient();
    const registers = [registry];
    const view = (): StationStatusView => (this.view ??= sources.status());
    evseGauges(registry, view, sources);
    this.stationGauges(registry, view);
    const wear = this.wear!;
    new Counter({
      name: 'evse_contactor_closings_total',
      help: 'How often each contactor was closed, over the station life (kept in storage.dir): contact wear',
      labelNames: ['evse', 'connector'],
      registers,
      collect() {
        this.reset();
        for (const c of wear.closings()) this.inc({ evse: String(c.evseId), connector: String(c.connectorId) }, c.count);
      },
    });
    const faultsRaised = new Counter({
      name: 'evse_faults_raised_total',
      help: 'Faults raised since the agent started, by EVSE ("station" for a station-wide input) and kind',
      labelNames: ['evse', 'fault'],
      registers,
    });
    const pollDuration = new Histogram({
      name: 'evse_meter_poll_duration_seconds',
      help: 'How long one meter poll took (every register request of it, retries included), by EVSE and outcome',
      labelNames: ['evse', 'outcome'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    const readerErrors = new Counter({
      name: 'evse_reader_errors_total',
      help: 'Times a card reader failed (gone, refused, not answering), by reader',
      labelNames: ['reader'],
      registers,
    });
    for (const { config } of sources.hardware.readers) readerErrors.inc({ reader: config.name }, 0);
    instruments.followed = { faultsRaised, pollDuration, readerErrors };
  }

  private stationGauges(registry: Registry, view: () => StationStatusView): void {
    const { Counter, Gauge } = promClient();
    const registers = [registry];
    const sources = (): MetricsSources => this.sources!;
    new Gauge({
      name: 'evse_station_info',
      help: 'The station: identity, OCPP version and agent version (always 1)',
      labelNames: ['identity', 'ocpp_version', 'version'],
      registers,
      collect() {
        this.reset();
        const v = view();
        this.set({ identity: v.identity, ocpp_version: v.ocppVersion, version: v.version }, 1);
      },
    });
    new Gauge({
      name: 'evse_ocpp_connected',
      help: '1 while the OCPP connection to the CSMS is open, 0 otherwise',
      registers,
      collect() {
        this.set(view().connection.connected ? 1 : 0);
      },
    });
    new Gauge({
      name: 'evse_ocpp_boot_state',
      help: 'The BootNotification state as a state set: 1 for the current one',
      labelNames: ['state'],
      registers,
      collect() {
        this.reset();
        this.set({ state: view().connection.bootState }, 1);
      },
    });
    new Counter({
      name: 'evse_ocpp_reconnects_total',
      help: 'Connections made again after one was lost, since the agent started',
      registers,
      collect() {
        this.reset();
        this.inc(sources().reconnectCount());
      },
    });
    new Gauge({
      name: 'evse_ocpp_queued_transaction_messages',
      help: 'Transaction messages waiting for the CSMS (offline or not yet answered)',
      registers,
      collect() {
        this.set(view().storage.queuedTransactionMessages);
      },
    });
    new Gauge({
      name: 'evse_journal_size_bytes',
      help: 'Bytes of the durable message journals in storage.dir',
      registers,
      collect() {
        this.set(sources().journalBytes());
      },
    });
    new Gauge({
      name: 'evse_journal_writable',
      help: '1 while the transaction journal can be written, 0 when storage failed',
      registers,
      collect() {
        this.set(view().storage.journalWritable ? 1 : 0);
      },
    });
  }

  /** Poll durations come from the meter's own hook (PowerMeter.polls$); the errors are read from its health at scrape time. */
  private followMeterPolls(hardware: StationHardware): void {
    for (const e of hardware.evses) {
      const evse = String(e.evseId);
      const polls$ = e.meter.polls$;
      if (polls$) this.subscriptions.push(polls$.subscribe((p) => this.use((i) => i.followed?.pollDuration.observe({ evse, outcome: p.ok ? 'ok' : 'failed' }, p.durationMs / 1000))));
    }
  }

  /** A reader's errors: each time it went from working (or unknown) to failed. */
  private followReaders(hardware: StationHardware): void {
    for (const { config, reader } of hardware.readers) {
      let failed = false;
      this.subscriptions.push(
        reader.health$.subscribe((h) => {
          if (h.state === 'failed' && !failed) this.use((i) => i.followed?.readerErrors.inc({ reader: config.name }));
          failed = h.state === 'failed';
        }),
      );
    }
  }

  /** The text format for GET /metrics: every gauge reads one status view, built for this scrape. */
  async scrape(): Promise<MetricsPage> {
    // The process metrics start with the first scrape: prom-client's GC observer and event loop
    // monitor cannot be stopped, so agents never scraped (tests, restarts) do not collect them.
    const { registry } = this.build();
    if (!this.processMetrics) promClient().collectDefaultMetrics({ register: registry });
    this.processMetrics = true;
    this.view = undefined;
    try {
      return { contentType: registry.contentType, body: await registry.metrics() };
    } finally {
      this.view = undefined;
    }
  }

  stop(): void {
    this.stopped = true;
    this.waiting = [];
    for (const s of this.subscriptions) s.unsubscribe();
    this.wear?.stop();
    this.instruments?.registry.clear();
  }
}
