import { HttpError } from './http-util.js';

/** GET /api/sessions and /api/sessions.csv filters (issue 17): ?token=, ?since=, ?until= (ISO 8601), ?offset=. */
export interface SessionFilter {
  /** An id token value (any type, without regard to case). */
  token?: string;
  /** Sessions that stopped at or after. */
  since?: Date;
  /** Sessions that stopped before. */
  until?: Date;
  /** How many of the matching sessions (newest first) to skip: paging with ?limit=. */
  offset?: number;
}

function time(query: URLSearchParams, name: string): Date | undefined {
  const raw = query.get(name);
  if (raw === null) return undefined;
  const at = new Date(raw);
  if (raw === '' || Number.isNaN(at.getTime())) throw new HttpError(400, `${name} must be a time (ISO 8601, e.g. 2026-01-31T00:00:00Z), got "${raw}"`);
  return at;
}

export function sessionFilterOf(query: URLSearchParams): SessionFilter {
  const token = query.get('token');
  const offsetRaw = query.get('offset');
  const offset = offsetRaw === null ? undefined : Number(offsetRaw);
  if (offset !== undefined && !(Number.isInteger(offset) && offset >= 0)) throw new HttpError(400, `offset must be a whole number, got "${offsetRaw ?? ''}"`);
  const since = time(query, 'since');
  const until = time(query, 'until');
  return {
    ...(token !== null && token !== '' ? { token } : {}),
    ...(since ? { since } : {}),
    ...(until ? { until } : {}),
    ...(offset !== undefined ? { offset } : {}),
  };
}
