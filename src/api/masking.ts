/**
 * Secrets kept out of what the API shows and logs: a URL's password (ws://user:password@host) and
 * the API token a page sends as ?token= (EventSource cannot set headers), which would otherwise
 * land in the log line of every refused request.
 */

export function maskedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.password && !parsed.searchParams.has('token')) return url;
    if (parsed.password) parsed.password = '****';
    if (parsed.searchParams.has('token')) parsed.searchParams.set('token', '****');
    return parsed.toString();
  } catch {
    return url;
  }
}

/** A request's path and query for the log, the token (if any) masked. */
export function loggableRequestPath(raw: string): string {
  return raw.replace(/([?&]token=)[^&#]*/gi, '$1****');
}
