import type { Subscription } from 'rxjs';
import type { CardReaderConfig } from '../../config/station-config.js';
import { createCardReader } from '../../hal/card-reader-factory.js';
import type { CardPresented, CardReader } from '../../hal/roles/card-reader.js';
import { EXIT } from '../../process/lifecycle.js';
import { systemClock } from '../../station/clock.js';
import { lockHolder } from '../../store/instance-lock.js';
import type { CliIo } from '../io.js';
import { loadConfigForCommand } from './check-config.js';

/** How long `card read` waits for a card when --timeout is not given, s. */
export const CARD_READ_TIMEOUT_S = 30;

interface CardSeen {
  reader: CardReaderConfig;
  card: CardPresented;
}

/**
 * `evse-agent card read`: opens the configured card readers (or the one named), waits for one
 * card and prints its id as the agent would send it in an OCPP IdToken, for an installer
 * commissioning a reader or writing down a card's UID for the CSMS. A reader's device has one
 * reader process (a PN532's UART answers one host; an evdev reader is grabbed by the agent), so
 * it is refused while an agent holds storage.dir. A simulated reader only gets cards through the
 * running agent's simulation API: nothing could present one here.
 */
export async function cardReadCommand(io: CliIo, file: string, options: { json: boolean; reader?: string; timeoutS?: number }): Promise<number> {
  const loaded = loadConfigForCommand(io, file);
  if (typeof loaded === 'number') return loaded;
  const all = loaded.config.readers;
  if (all.length === 0) {
    io.stderr.write(`card read: ${file} configures no card reader ("readers")\n`);
    return EXIT.usage;
  }
  const named = options.reader === undefined ? all : all.filter((r) => r.name === options.reader);
  if (named.length === 0) {
    io.stderr.write(`card read: no reader "${options.reader}" in ${file}; the readers are: ${all.map((r) => r.name).join(', ')}\n`);
    return EXIT.usage;
  }
  const simulated = named.filter((r) => r.driver === 'simulated');
  for (const r of simulated) {
    io.stderr.write(`card read: reader "${r.name}" is simulated; cards reach it through the running agent: POST /api/sim/readers/${encodeURIComponent(r.name)}/card\n`);
  }
  const readers = named.filter((r) => r.driver !== 'simulated');
  if (readers.length === 0) return EXIT.usage;
  const owner = lockHolder(loaded.config.storage.dir);
  if (owner) {
    io.stderr.write(
      `card read: the agent is already running (pid ${owner.pid}) on ${loaded.config.storage.dir} and reads these readers; ` +
        'a reader answers one process. Cards it reads are in its log, or stop it first.\n',
    );
    return EXIT.alreadyRunning;
  }
  const timeoutS = options.timeoutS ?? CARD_READ_TIMEOUT_S;
  const seen = await firstCard(io, readers, timeoutS * 1000);
  if (!seen) {
    if (!io.stop.aborted) io.stderr.write(`card read: no card within ${timeoutS} s\n`);
    else io.stderr.write('card read: stopped before a card was read\n');
    return EXIT.unavailable;
  }
  const { reader, card } = seen;
  if (options.json) io.stdout.write(`${JSON.stringify({ reader: reader.name, evseId: reader.evseId, idToken: card.idToken, type: card.type })}\n`);
  else io.stdout.write(`${card.idToken} ${card.type} (reader ${reader.name}, EVSE ${reader.evseId})\n`);
  return EXIT.ok;
}

/** Opens every reader and resolves with the first card any of them reports, or undefined at the timeout or a stop. */
async function firstCard(io: CliIo, configs: CardReaderConfig[], timeoutMs: number): Promise<CardSeen | undefined> {
  const opened: CardReader[] = [];
  const subscriptions: Subscription[] = [];
  let timer: NodeJS.Timeout | undefined;
  let onStop: (() => void) | undefined;
  try {
    return await new Promise<CardSeen | undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), timeoutMs);
      onStop = () => resolve(undefined);
      io.stop.addEventListener('abort', onStop, { once: true });
      if (io.stop.aborted) resolve(undefined);
      for (const config of configs) {
        const reader = createCardReader(config, { clock: systemClock, log: (line) => io.stderr.write(`card read: ${line}\n`) });
        opened.push(reader);
        subscriptions.push(reader.cards$.subscribe((card) => resolve({ reader: config, card })));
        // Say at once why a reader cannot be read (no device, permission): it is retried until the timeout.
        let lastSaid: string | undefined;
        subscriptions.push(
          reader.health$.subscribe((h) => {
            const said = h.state === 'failed' ? `failed: ${h.lastError ?? 'unknown error'}` : h.state === 'ok' ? 'ready: hold a card to it' : undefined;
            if (said === undefined || said === lastSaid) return;
            lastSaid = said;
            io.stderr.write(`card read: ${reader.name} ${said}\n`);
          }),
        );
        reader.start();
      }
    });
  } finally {
    clearTimeout(timer);
    if (onStop) io.stop.removeEventListener('abort', onStop);
    for (const s of subscriptions) s.unsubscribe();
    await Promise.all(opened.map((r) => r.close().catch(() => undefined)));
  }
}
