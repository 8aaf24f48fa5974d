import type { ErrorObject } from 'ajv';
import { truncateText, type RpcErrorCode } from './rpc-errors.js';

function describeAt(pointer: string): string {
  return pointer === '' ? '/' : pointer;
}

function quoted(text: unknown): string {
  return JSON.stringify(truncateText(String(text), 40));
}

/** The CALLERROR code and a short description for ajv's first error (Part 4 §4.3 table 8). */
export function errorCodeFor(error: ErrorObject): { code: RpcErrorCode; description: string } {
  const at = describeAt(error.instancePath);
  const params = error.params as Record<string, unknown>;
  const limit = params['limit'];
  switch (error.keyword) {
    case 'type': {
      const type = params['type'];
      return { code: 'TypeConstraintViolation', description: `${at}: must be ${Array.isArray(type) ? type.join(' or ') : String(type)}` };
    }
    case 'required':
      return {
        code: 'OccurrenceConstraintViolation',
        description: `${error.instancePath}/${String(params['missingProperty'])}: required but missing`,
      };
    case 'minItems':
      return { code: 'OccurrenceConstraintViolation', description: `${at}: must have at least ${String(limit)} items` };
    case 'maxItems':
    case 'additionalItems':
      return { code: 'OccurrenceConstraintViolation', description: `${at}: must have at most ${String(limit)} items` };
    case 'enum': {
      const allowed = params['allowedValues'];
      const list = Array.isArray(allowed) ? allowed.map(String).join(', ') : 'an allowed value';
      return { code: 'PropertyConstraintViolation', description: `${at}: must be one of ${list}` };
    }
    case 'maxLength':
      return { code: 'PropertyConstraintViolation', description: `${at}: must be at most ${String(limit)} characters` };
    case 'minLength':
      return { code: 'PropertyConstraintViolation', description: `${at}: must be at least ${String(limit)} characters` };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
    case 'multipleOf':
      return { code: 'PropertyConstraintViolation', description: `${at}: ${error.message ?? 'out of range'}` };
    case 'pattern':
      return { code: 'PropertyConstraintViolation', description: `${at}: must match ${String(params['pattern'])}` };
    case 'format':
      return { code: 'PropertyConstraintViolation', description: `${at}: must be a valid ${String(params['format'])}` };
    case 'additionalProperties':
      return { code: 'FormatViolation', description: `${at}: unknown property ${quoted(params['additionalProperty'])}` };
    default:
      return { code: 'FormatViolation', description: `${at}: ${error.message ?? `fails ${error.keyword}`}` };
  }
}
