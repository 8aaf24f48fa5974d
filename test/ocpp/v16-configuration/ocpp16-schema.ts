import assert from 'node:assert/strict';
import { OcppSchemas, type MessageKind } from '../../../src/ocpp/rpc/ocpp-schemas.js';

/** Fails the test unless `payload` is a valid OCPP 1.6 `action` request or response (official schemas, errata applied). */
export function assertValid16(action: 'GetConfiguration' | 'ChangeConfiguration', kind: MessageKind, payload: unknown): void {
  const result = OcppSchemas.for('1.6').validate(action, kind, payload);
  assert.ok(result.ok, `${action} ${kind} is not valid OCPP 1.6: ${result.ok ? '' : result.description}\n${JSON.stringify(payload).slice(0, 2000)}`);
}
