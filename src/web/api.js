// The page's access to the agent's local API: the token (kept in localStorage), JSON requests, the
// events stream URL. A 401 raises Unauthorized, which the page answers with the token prompt.

const TOKEN_KEY = 'evse-agent.api-token';

export class Unauthorized extends Error {
  constructor() {
    super('the API token is missing or wrong');
    this.name = 'Unauthorized';
  }
}

export function storedToken() {
  try {
    return localStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}

export function storeToken(token) {
  try {
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else localStorage.removeItem(TOKEN_KEY);
  } catch {
    // Private browsing without storage: the token then lives as long as the page.
  }
  sessionToken = token;
}

let sessionToken = storedToken();

/** Paths are relative (api/...) so that the page also works behind a reverse proxy's prefix. */
export async function request(path, { method = 'GET', body, token = sessionToken } = {}) {
  const headers = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
  if (response.status === 401) throw new Unauthorized();
  const text = await response.text();
  let data;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { error: text };
  }
  if (!response.ok) throw new Error((data && data.error) || `${response.status} ${response.statusText}`);
  return data;
}

/** A URL carrying the token as ?token= where a header cannot be set (EventSource, a download link). */
export function withToken(path) {
  if (!sessionToken) return path;
  return `${path}${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(sessionToken)}`;
}

export function hasToken() {
  return sessionToken !== '';
}
