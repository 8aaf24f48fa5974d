import { ocppPublicKeyValue } from '../signed-metering/public-key.js';
import type { TransactionEvent, TransactionSnapshot } from '../../station/events.js';
import type { MeterReading } from '../../station/meter-reading.js';
import type { StateStore } from '../../station/ports.js';
import { systemClock, type Clock } from '../../station/clock.js';

/**
 * Signed meter values (issue 17): the OCMF documents of a transaction's start (TX "B") and end
 * (TX "E") readings, and of updated readings (TX "C") when they are to be signed. Version-neutral:
 * the OCPP adapters put them on the wire (2.0.1 signedMeterValue, 1.6 SampledValue format
 * SignedData: OCA application note "Signed Meter Values in OCPP" 3.2 and 4.2), the session history
 * keeps them in its records. A start or end document is made once per transaction (an ECDSA
 * signature differs each time it is made, and the CSMS and the record must hold the same one) and
 * kept in storage.dir, so that a transaction running across a restart still ends with its start's.
 */

/** config `signedMeterValues.source`: no signing, the meter's own OCMF, or the station's key. */
export type SignedMeterValuesSource = 'off' | 'meter' | 'station';

/** What is to be signed: one reading of a transaction, with its OCMF transaction type. */
export interface SigningRequest {
  transaction: TransactionSnapshot;
  evseId: number;
  reading: MeterReading;
  /** OCMF RD.TX (OCMF-en.md Table 7): B begin, E end, C during charging. */
  type: 'B' | 'E' | 'C';
}

/** A signed reading as the adapters send it. */
export interface SignedReading {
  /** The whole `OCMF|{payload}|{signature}` text. */
  ocmf: string;
  /** The signer's public key: DER SubjectPublicKeyInfo as hex (OCMF's and the app note's oca:base16:asn1). */
  publicKeyHex: string;
  /** The energy register the document holds, Wh (the unsigned value it must equal). */
  energyWh: number;
}

/**
 * Signs one reading: the station's key (at once), or the meter's own document (a promise: the meter
 * signs over Modbus, up to a second or more). Undefined when it cannot.
 */
export interface ReadingSigner {
  sign(request: SigningRequest): SignedReading | undefined | Promise<SignedReading | undefined>;
}

/** The OCMF documents of one session, as the session record keeps them (J3's `ocmf`). */
export interface SessionDocuments {
  start?: string;
  end?: string;
  publicKeyHex?: string;
}

export interface SignedReadingsOptions {
  signer: ReadingSigner;
  /** Where the start and end documents are kept across restarts; none: memory only. */
  store?: StateStore;
  onWarning?: (message: string) => void;
  /** The most transactions whose documents are kept; the oldest go first. */
  maxKept?: number;
  /**
   * How long an end waits for a document still being signed (a meter's), ms: the OCA application
   * note allows up to 30 s; the transaction's message is never held longer (then it goes unsigned).
   */
  endWaitMs?: number;
  /** Timers for that wait (FakeClock in tests). */
  clock?: Pick<Clock, 'setTimeout'>;
}

/** The default bound of endWaitMs. */
export const END_WAIT_MS = 10_000;

interface Kept {
  start?: SignedReading;
  end?: SignedReading;
}

const STORE_NAME = 'signed-readings';
const MAX_KEPT = 50;

function isSigned(v: unknown): v is SignedReading {
  const s = v as SignedReading | undefined;
  return typeof s === 'object' && s !== null && typeof s.ocmf === 'string' && typeof s.publicKeyHex === 'string' && typeof s.energyWh === 'number';
}

export class SignedReadings {
  /** Transaction id -> its documents, oldest first (Map keeps insertion order). */
  private readonly kept = new Map<string, Kept>();
  /** Documents a signer is still making (a meter's), by transaction id and which. */
  private readonly pending = new Map<string, Promise<unknown>>();

  constructor(private readonly options: SignedReadingsOptions) {
    const stored = options.store?.read<Record<string, { start?: unknown; end?: unknown }>>(STORE_NAME) ?? {};
    for (const [id, docs] of Object.entries(stored)) {
      this.kept.set(id, { ...(isSigned(docs.start) ? { start: docs.start } : {}), ...(isSigned(docs.end) ? { end: docs.end } : {}) });
    }
  }

  /**
   * The signed reading of a Started (B) or Ended (E) event, made the first time it is asked for;
   * undefined for an Updated event, an event without reading, or a signer that cannot sign.
   */
  ofEvent(e: TransactionEvent): SignedReading | undefined {
    if (e.type === 'TransactionUpdated' || !e.reading) return undefined;
    const which = e.type === 'TransactionStarted' ? 'start' : 'end';
    const docs = this.kept.get(e.transaction.id) ?? {};
    const known = docs[which];
    if (known) return known;
    const key = `${e.transaction.id}/${which}`;
    if (this.pending.has(key)) return undefined;
    const signed = this.trySign({ transaction: e.transaction, evseId: e.evseId, reading: e.reading, type: which === 'start' ? 'B' : 'E' });
    if (signed instanceof Promise) {
      const done = signed.then((doc) => {
        this.pending.delete(key);
        if (doc) this.keep(e.transaction.id, { ...this.kept.get(e.transaction.id), [which]: doc });
      });
      this.pending.set(key, done);
      return undefined;
    }
    if (!signed) return undefined;
    this.keep(e.transaction.id, { ...docs, [which]: signed });
    return signed;
  }

  /**
   * For an Ended event: settles once the transaction's documents still being signed (a meter's
   * start or end) are kept, or after endWaitMs, whichever comes first; undefined when none is
   * pending (a station signer signs at once), so that the caller goes on without waiting.
   */
  whenSigned(e: TransactionEvent & { type: 'TransactionEnded' }): Promise<void> | undefined {
    this.ofEvent(e);
    const id = e.transaction.id;
    const waiting = [this.pending.get(`${id}/start`), this.pending.get(`${id}/end`)].filter((p) => p !== undefined);
    if (waiting.length === 0) return undefined;
    const waitMs = this.options.endWaitMs ?? END_WAIT_MS;
    const clock = this.options.clock ?? systemClock;
    return new Promise<void>((resolve) => {
      const timer = clock.setTimeout(() => {
        if (this.pending.has(`${id}/end`) || this.pending.has(`${id}/start`)) {
          this.options.onWarning?.(`transaction ${id}: the meter's signed documents did not come within ${waitMs} ms; its end goes unsigned`);
        }
        resolve();
      }, waitMs);
      void Promise.all(waiting).then(() => {
        timer.cancel();
        resolve();
      });
    });
  }

  /** The start's signed reading, if one was made (also before a restart). */
  start(transactionId: string): SignedReading | undefined {
    return this.kept.get(transactionId)?.start;
  }

  /** An updated reading signed now (TX "C"): not kept, each message has its own. */
  intermediate(transaction: TransactionSnapshot, evseId: number, reading: MeterReading): SignedReading | undefined {
    const signed = this.trySign({ transaction, evseId, reading, type: 'C' });
    // A meter's C document would come too late for the message it belongs to: not asked for.
    return signed instanceof Promise ? undefined : signed;
  }

  /**
   * The documents of a session for its record: with its Ended event, the end's document is made
   * now if the adapter has not yet asked for it (whoever asks first, both get the same).
   */
  documents(e: TransactionEvent & { type: 'TransactionEnded' }): SessionDocuments {
    this.ofEvent(e);
    const docs = this.kept.get(e.transaction.id);
    const key = docs?.end?.publicKeyHex ?? docs?.start?.publicKeyHex;
    return { ...(docs?.start ? { start: docs.start.ocmf } : {}), ...(docs?.end ? { end: docs.end.ocmf } : {}), ...(key ? { publicKeyHex: key } : {}) };
  }

  private trySign(request: SigningRequest): SignedReading | undefined | Promise<SignedReading | undefined> {
    const failed = (err: unknown): undefined => {
      this.options.onWarning?.(`cannot sign the ${request.type} reading of transaction ${request.transaction.id}: ${(err as Error).message}`);
      return undefined;
    };
    try {
      const signed = this.options.signer.sign(request);
      return signed instanceof Promise ? signed.catch(failed) : signed;
    } catch (err) {
      return failed(err);
    }
  }

  private keep(transactionId: string, docs: Kept): void {
    this.kept.delete(transactionId);
    this.kept.set(transactionId, docs);
    const max = this.options.maxKept ?? MAX_KEPT;
    for (const id of this.kept.keys()) {
      if (this.kept.size <= max) break;
      this.kept.delete(id);
    }
    try {
      this.options.store?.write(STORE_NAME, Object.fromEntries(this.kept));
    } catch (err) {
      this.options.onWarning?.(`cannot keep the signed readings: ${(err as Error).message}`);
    }
  }
}

/**
 * The app note's publicKey field (3.2.2, both versions): Base64 of
 * `oca:base16:asn1:<the key as printed>`, the key an ASN.1 SubjectPublicKeyInfo in hex.
 */
export const ocaPublicKey = ocppPublicKeyValue;

/** SignedMeterValueType's fields (2.0.1 Part 2 2.46; 1.6 through the app note 3.2.1). */
export interface SignedMeterValueFields {
  signedMeterData: string;
  signingMethod: string;
  encodingMethod: string;
  publicKey: string;
}

/**
 * The signed reading as SignedMeterValueType (app note tables 1 and 11): signedMeterData the
 * Base64 of the OCMF text; signingMethod empty because OCMF names it itself (its SA field);
 * publicKey empty when it is not to be sent.
 */
export function signedMeterValueFields(signed: SignedReading, withPublicKey: boolean): SignedMeterValueFields {
  return {
    signedMeterData: Buffer.from(signed.ocmf, 'utf8').toString('base64'),
    signingMethod: '',
    encodingMethod: 'OCMF',
    publicKey: withPublicKey ? ocaPublicKey(signed.publicKeyHex) : '',
  };
}
