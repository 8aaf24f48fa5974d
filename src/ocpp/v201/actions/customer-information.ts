import type { CustomerInformationRequest, CustomerInformationResponse, NotifyCustomerInformationRequest } from 'ocpp-messages/v2.0/index.js';
import type { AuthorizationCache, LocalAuthorizationList, LocalMatch } from '../../../services/authorization/index.js';
import type { CustomerMatch, SessionHistory, SessionRecord } from '../../../services/session-history/index.js';
import type { IdToken } from '../../../station/types.js';
import type { V201Context } from '../context.js';

/** What the station holds about customers; each part absent when the station keeps none of it. */
export interface CustomerDataHolders {
  history?: SessionHistory;
  cache?: AuthorizationCache;
  list?: LocalAuthorizationList;
}

/** NotifyCustomerInformationRequest.data: at most 512 characters a message. */
export const CUSTOMER_DATA_MAX_CHARS = 512;

const NO_DATA = 'No data found: the Charging Station holds no information about this customer.';

/**
 * N09 Get Customer Information and N10 Clear Customer Information. Exactly one of idToken,
 * customerCertificate, customerIdentifier (else Invalid, N09.FR.09); neither report nor clear is
 * Rejected (N09.FR.07, N10.FR.07). Clearing removes the customer's sessions and Authorization Cache
 * entry before the answer; the Local Authorization List is the CSMS's to change (N10.FR.02/03). Then,
 * after the Accepted answer, NotifyCustomerInformation: what is held (or was cleared) in parts of
 * 512 characters (N09.FR.05, N10.FR.03), or one saying nothing is held (N09.FR.06, N10.FR.04), or
 * one saying the data was cleared (N10.FR.06). No contract certificates (ISO 15118) are installed,
 * so nothing is ever held for a customerCertificate.
 */
export const customerInformation =
  (ctx: V201Context, holders: CustomerDataHolders) =>
  (payload: unknown): CustomerInformationResponse => {
    const request = payload as CustomerInformationRequest;
    const references = [request.idToken, request.customerCertificate, request.customerIdentifier].filter((r) => r !== undefined).length;
    if (references !== 1) {
      return { status: 'Invalid', statusInfo: { reasonCode: 'InvalidValue', additionalInfo: 'give exactly one of idToken, customerCertificate, customerIdentifier (N09.FR.09)' } };
    }
    if (!request.report && !request.clear) return { status: 'Rejected', statusInfo: { reasonCode: 'InvalidValue', additionalInfo: 'neither report nor clear was asked (N09.FR.07)' } };
    const match: CustomerMatch | undefined = request.idToken
      ? { idToken: { idToken: request.idToken.idToken, type: request.idToken.type } }
      : request.customerIdentifier !== undefined
        ? { customerIdentifier: request.customerIdentifier }
        : undefined;
    let held: { lines: string[]; removed: number };
    try {
      held = match ? customerData(ctx, holders, match, request.clear) : { lines: [], removed: 0 };
    } catch (err) {
      // N10.FR.05: the data could not be removed (storage), so the request cannot be processed.
      ctx.log.warning(`CustomerInformation ${request.requestId}: cannot clear: ${(err as Error).message}`);
      return { status: 'Rejected', statusInfo: { reasonCode: 'InternalError', additionalInfo: 'the customer data could not be removed from storage' } };
    }
    if (request.clear) ctx.log.notice(`CustomerInformation ${request.requestId}: ${held.removed} item(s) of customer data cleared`);
    const text = !request.report
      ? `Cleared: ${held.removed === 0 ? 'no data was held about this customer' : `${held.removed} item(s) of customer data removed`}.`
      : held.lines.length === 0
        ? NO_DATA
        : held.lines.join('\n');
    const chunks = splitCustomerData(text);
    setImmediate(() => void sendParts(ctx, request.requestId, chunks));
    return { status: 'Accepted' };
  };

/** The customer's data as lines of text; with `clear`, removed (all but the list entry) and counted. */
function customerData(ctx: V201Context, holders: CustomerDataHolders, match: CustomerMatch, clear: boolean): { lines: string[]; removed: number } {
  const lines: string[] = [];
  const token = 'idToken' in match ? match.idToken : undefined;
  const listed = token ? holders.list?.lookup(token) : undefined;
  if (listed) lines.push(`Local Authorization List (version ${holders.list!.version}${clear ? ', kept: the CSMS updates it, N10.FR.02' : ''}): ${describeEntry(ctx, listed)}`);
  const cached = token ? holders.cache?.peek(token) : undefined;
  if (cached) lines.push(`Authorization Cache${clear ? ' (cleared)' : ''}: ${describeEntry(ctx, cached)}`);
  const sessions = holders.history ? (clear ? holders.history.clear(match) : holders.history.find(match)) : [];
  for (const s of sessions) lines.push(`${clear ? 'Session (cleared)' : 'Session'}: ${describeSession(ctx, s)}`);
  const cacheRemoved = clear && cached !== undefined && token !== undefined && holders.cache!.remove(token);
  return { lines, removed: clear ? sessions.length + (cacheRemoved ? 1 : 0) : 0 };
}

function describeToken(t: IdToken): string {
  return `${t.type} ${t.idToken}`;
}

function describeEntry(ctx: V201Context, m: LocalMatch): string {
  const parts = [`status ${m.expired ? 'Expired' : m.info.status}`];
  if (m.info.groupIdToken) parts.push(`group ${describeToken(m.info.groupIdToken)}`);
  if (m.info.cacheExpiresAt) parts.push(`valid until ${ctx.clock.iso(m.info.cacheExpiresAt)}`);
  return parts.join(', ');
}

function describeSession(ctx: V201Context, s: SessionRecord): string {
  const where = `EVSE ${s.evseId}${s.connectorId !== undefined ? ` connector ${s.connectorId}` : ''}`;
  const who = s.idToken ? `, idToken ${describeToken(s.idToken)}${s.groupIdToken ? ` (group ${describeToken(s.groupIdToken)})` : ''}` : '';
  const meter = `meter ${s.meterStartWh}${s.meterStopWh !== undefined ? `-${s.meterStopWh}` : ''} Wh`;
  return `transaction ${s.transactionId}, ${where}${who}, ${ctx.clock.iso(s.startedAt)} to ${ctx.clock.iso(s.stoppedAt)}, ${s.energyWh} Wh (${meter}), stopped: ${s.stopReason}`;
}

/** Text in parts of at most 512 characters, split between lines where it can be. */
export function splitCustomerData(text: string, max = CUSTOMER_DATA_MAX_CHARS): string[] {
  const chunks: string[] = [];
  let current = '';
  for (const line of text.split('\n')) {
    const joined = current === '' ? line : `${current}\n${line}`;
    if (joined.length <= max) {
      current = joined;
      continue;
    }
    if (current !== '') chunks.push(current);
    let rest = line;
    while (rest.length > max) {
      chunks.push(rest.slice(0, max));
      rest = rest.slice(max);
    }
    current = rest;
  }
  chunks.push(current);
  return chunks;
}

/** The parts in order, as messages the CSMS asked for (B02.FR.02), each once the one before is answered. */
async function sendParts(ctx: V201Context, requestId: number, chunks: readonly string[]): Promise<void> {
  try {
    for (const [seqNo, data] of chunks.entries()) {
      const part: NotifyCustomerInformationRequest = { data, tbc: seqNo < chunks.length - 1, seqNo, generatedAt: ctx.clock.iso(), requestId };
      await ctx.send('NotifyCustomerInformation', part, { triggered: true });
    }
  } catch (err) {
    ctx.log.warning(`NotifyCustomerInformation ${requestId} not delivered in full: ${(err as Error).message}`);
  }
}
