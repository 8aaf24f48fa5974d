import type { Subscription } from 'rxjs';
import type { CardReaderConfig } from '../config/station-config.js';
import type { CardReader } from '../hal/roles/card-reader.js';
import type { Logger } from '../process/logger.js';
import type { Station } from '../station/station.js';

/**
 * Cards held to a reader authorize at the EVSE the reader is mapped to (config `readers`), as a
 * driver's card at that EVSE: the same card (or one of its group) again stops the session (E07,
 * C09). A reader that fails or vanishes is logged and, by its driver, retried.
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
    reader.health$.subscribe((h) => {
      if (h.state === 'failed') log.warning(`${reader.name} cannot be read: ${h.lastError ?? 'unknown error'} (retrying)`);
      else if (h.state === 'ok') log.info(`${reader.name} reads cards`);
    }),
  ]);
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
