import { Subject, type Observable } from 'rxjs';
import { NotConnected } from '../../ocpp/rpc/rpc-errors.js';
import type { Logger } from '../../process/logger.js';
import type { StateStore } from '../../station/ports.js';
import { OfflineOutbox } from '../outbox/offline-outbox.js';
import type { FirmwareStatusReport } from './firmware-types.js';

const LAST_KEY = 'firmware-status';
const OUTBOX_KEY = 'firmware-status-outbox';

/**
 * The statuses of the firmware updates: each one on status$ and through one outbox, in the order
 * told, kept on disk while the CSMS cannot have them (an outage, the restart into a new release:
 * L01.FR.01 asks for every one); the last one kept too, for a trigger (L01.FR.25/26).
 */
export class FirmwareStatuses {
  private readonly subject = new Subject<FirmwareStatusReport>();
  readonly status$: Observable<FirmwareStatusReport> = this.subject.asObservable();
  private readonly outbox: OfflineOutbox<FirmwareStatusReport>;
  private sender: ((report: FirmwareStatusReport) => Promise<unknown>) | undefined;
  private lastReport: FirmwareStatusReport;

  constructor(private readonly options: { log: Logger; store?: StateStore }) {
    const { store, log } = options;
    this.lastReport = store?.read<FirmwareStatusReport>(LAST_KEY) ?? { status: 'Idle' };
    this.outbox = new OfflineOutbox<FirmwareStatusReport>({
      name: 'FirmwareStatusNotification',
      maxPending: 64,
      send: (report) => (this.sender ? this.sender(report) : Promise.reject(new NotConnected('FirmwareStatusNotification'))),
      log,
      describe: (report) => report.status,
      keep: store ? { store, key: OUTBOX_KEY } : undefined,
    });
  }

  /** How the adapter sends one; until it is given, statuses wait. */
  attach(send: (report: FirmwareStatusReport) => Promise<unknown>): void {
    this.sender = send;
  }

  /** Sends what waits, oldest first, as far as the CSMS takes them now. */
  flush(): Promise<void> {
    return this.outbox.flush();
  }

  /** Resolves when no status is on its way. */
  idle(): Promise<void> {
    return this.outbox.idle();
  }

  /** The last status told (Idle when none ever was). */
  get last(): FirmwareStatusReport {
    return this.lastReport;
  }

  report(report: FirmwareStatusReport): void {
    this.lastReport = report;
    this.options.store?.write(LAST_KEY, report);
    this.subject.next(report);
    this.outbox.add(report);
  }

  complete(): void {
    this.subject.complete();
  }
}
