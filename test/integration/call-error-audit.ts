import type { DevCsms, MessageRecord } from '../../tools/dev-csms/dev-csms.js';

/**
 * No CALLERROR on a happy path (issue 10, "done when"): after every integration test the harness
 * goes through the CALLERRORs each DevCsms of the test recorded, both ways, and fails the test on
 * any it cannot explain:
 * - the CSMS refusing a station's CALL is explained only when the test programmed that answer
 *   (csms.answer(action, ...)); otherwise the station sent something the strict CSMS rejects;
 * - the station refusing a CSMS' CALL is explained when the CALL was a raw frame the test sent
 *   (csms.sendRaw: malformed on purpose), or when it is a refusal of a schema-valid CALL the
 *   station is entitled to (unsupported action, SecurityError while Rejected B03.FR.08, over
 *   ItemsPerMessage / GetConfigurationMaxKeys or BytesPerMessage). A schema-valid CALL answered
 *   InternalError, GenericError or a schema violation is a bug, whatever the test asserted.
 */

/** Codes, as on the wire in either version, by which a station may refuse a schema-valid CALL. */
const REFUSALS_OF_VALID_CALLS = new Set([
  'NotSupported',
  'SecurityError',
  'OccurrenceConstraintViolation',
  'OccurenceConstraintViolation',
  'FormatViolation',
  'FormationViolation',
]);

interface Watched {
  csms: DevCsms;
  /** Actions whose answers the test programmed. */
  programmed: Set<string>;
  /** Message ids of the raw frames the test sent; "-1" once any was sent. */
  rawIds: Set<string>;
}

let watched: Watched[] = [];

/** The message id of a frame, read without parsing the frame (raw frames may be huge or broken). */
function rawMessageId(text: string): string | undefined {
  return /^\s*\[[^,]*,\s*"([^"\\]*)"/.exec(text)?.[1];
}

/** Starts keeping what explains this DevCsms' CALLERRORs; call it as it is made. */
export function watchCallErrors(csms: DevCsms): void {
  const w: Watched = { csms, programmed: new Set(), rawIds: new Set() };
  const answer = csms.answer.bind(csms);
  csms.answer = (action, programmed) => {
    w.programmed.add(action);
    answer(action, programmed);
  };
  const sendRaw = csms.sendRaw.bind(csms);
  csms.sendRaw = (identity, text) => {
    w.rawIds.add('-1');
    const id = rawMessageId(text);
    if (id !== undefined) w.rawIds.add(id);
    return sendRaw(identity, text);
  };
  watched.push(w);
}

function explained(w: Watched, e: MessageRecord): boolean {
  if (e.direction === 'toStation') return e.action !== undefined && w.programmed.has(e.action);
  if (e.messageId !== undefined && w.rawIds.has(e.messageId)) return true;
  return REFUSALS_OF_VALID_CALLS.has(e.error?.code ?? '');
}

/** The CALLERRORs of the CSMSs watched since the last call that nothing explains; forgets them all. */
export function unexplainedCallErrors(): string[] {
  const found: string[] = [];
  for (const w of watched) {
    for (const station of w.csms.stations()) {
      for (const e of station.callErrors) {
        if (explained(w, e)) continue;
        const who = e.direction === 'toStation' ? 'the CSMS answered the station' : 'the station answered the CSMS';
        found.push(`${station.identity}: ${who} ${e.action ?? '?'} ${e.messageId ?? '?'} with CALLERROR ${e.error?.code}: ${e.error?.description}`);
      }
    }
  }
  watched = [];
  return found;
}
