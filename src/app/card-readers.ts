import type { Subscription } from 'rxjs';
import type { CardReaderConfig } from '../config/station-config.js';
import type { CardReader, CardReaderHealth } from '../hal/roles/card-reader.js';
import type { Logger } from '../process/logger.js';
import type { Station } from '../station/station.js';

/**
 * Cards held to a reader authorize at the EVSE the reader is mapped to (config `readers`), as a
 * driver's card at that EVSE: the same card (or one of its group) again stops the session (E07,
 * C09). A reader that fails or vanishes is logged, reported to the CSMS through the station (a
 * device problem, no fault: charging goes on by remote start or another reader; issue 12) and,
 * by its driver, retried.
 */
export function followCardReaders(readers: ReadonlyArray<{ config: CardReaderConfig; reader: CardReader }>, station: Station, log: Logger): Subscription[] {
  return readers.flatMap(({ config, reader }) => [
    reader.cards$.subscribe((card) => {
      log.info(`card ${card.idToken} at ${reader.name}: EVSE ${config.evseId}`);
      station
        .presentIdToken(config.evseId, { idToken: card.idToken, type: card.type })
        .then((result) => log.info(`card ${card.idToken} at EVSE ${config.evseId}: ${describeResult(result)}`))
        .catch((err: unknown) => log.error(`card ${card.idToken} at EVSE ${config.evseId}: ${(err as Error).message}`));
    }),
    followHealth(reader, config.evseId, station, log),
  ]);
}

/** The reader's health to the log, and each change between failed and ok to the station. */
function followHealth(reader: CardReader, evseId: number, station: Station, log: Logger): Subscription {
  // Only a change is a problem raised or cleared: 'unknown' (not yet opened) is neither, and a
  // reader that reads from the start tells nobody anything.
  let failing = false;
  return reader.health$.subscribe((h: CardReaderHealth) => {
    if (h.state === 'failed') {
      const detail = h.lastError ?? 'unknown error';
      log.warning(`${reader.name} cannot be read: ${detail} (retrying)`);
      if (!failing) station.deviceProblem({ device: 'token-reader', name: reader.name, evseId, active: true, detail });
      failing = true;
    } else if (h.state === 'ok') {
      log.info(`${reader.name} reads cards`);
      if (failing) station.deviceProblem({ device: 'token-reader', name: reader.name, evseId, active: false, detail: 'reads cards again' });
      failing = false;
    }
  });
}

function describeResult(result: Awaited<ReturnType<Station['presentIdToken']>>): string {
  switch (result.outcome) {
    case 'authorized':
      return 'authorized';
    case 'stopped':
      return 'the session stops';
    case 'rejected':
      return `refused (${result.status})`;
  }
}
