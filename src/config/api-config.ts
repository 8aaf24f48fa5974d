import { readFileSync } from 'node:fs';
import { renderFound } from '../util/json-schema.js';
import { Secret, type StationConfig } from './station-config.js';

/** The "api" section as the schema gives it, defaults filled in. */
export interface RawApiConfig {
  listen: string;
  token?: string;
  tokenFile?: string;
  allowFaultClearing: boolean;
  simulation: boolean;
}

/** What resolving the section may report, and how it reads paths: the config loader's. */
export interface ApiConfigContext {
  problem(path: string, expected: string, found: string): void;
  resolvePath(p: string): string;
  /** Warns when a file holding a secret is readable by every user. */
  checkSecretFileMode(path: string, file: string): void;
  /** The config file itself (an inline token makes it a secret's file). */
  file: string;
}

const TOKEN_LENGTH = { min: 16, max: 128 };

/** Whether a listen host reaches only this machine. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * The local API's settings: where it listens, its bearer token (inline or from a file, never
 * both), and which optional routes exist. An API reachable from the network needs a token.
 */
export function resolveApiConfig(raw: RawApiConfig, ctx: ApiConfigContext): StationConfig['api'] {
  const listen = raw.listen;
  const idx = listen.lastIndexOf(':');
  const host = listen.slice(0, idx).replace(/^\[|\]$/g, '');
  const port = Number(listen.slice(idx + 1));
  // Port 0 takes any free port (tests, several agents on one machine).
  if (!(Number.isInteger(port) && port >= 0 && port <= 65535)) ctx.problem('/api/listen', 'host:port with a port from 0 to 65535', renderFound(listen));
  let token: Secret | undefined;
  if (raw.token !== undefined && raw.tokenFile !== undefined) {
    ctx.problem('/api/tokenFile', 'absent when /api/token is given (one source of the token)', renderFound(raw.tokenFile));
  } else if (raw.token !== undefined) {
    token = new Secret(raw.token);
    ctx.checkSecretFileMode('/api/token', ctx.file);
  } else if (raw.tokenFile !== undefined) {
    const file = ctx.resolvePath(raw.tokenFile);
    try {
      const value = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
      if (value.length < TOKEN_LENGTH.min || value.length > TOKEN_LENGTH.max || !/^[\x21-\x7e]+$/.test(value)) {
        ctx.problem('/api/tokenFile', `a file holding a token of ${TOKEN_LENGTH.min} to ${TOKEN_LENGTH.max} printable characters without spaces (${file})`, `${value.length} characters`);
      } else {
        token = new Secret(value);
      }
      ctx.checkSecretFileMode('/api/tokenFile', file);
    } catch (err) {
      ctx.problem('/api/tokenFile', 'a readable file', `${renderFound(raw.tokenFile)} (${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  }
  const hasToken = raw.token !== undefined || raw.tokenFile !== undefined;
  if (!hasToken && !isLoopbackHost(host)) {
    ctx.problem('/api/token', `a token (or /api/tokenFile) when /api/listen is not a loopback address (${host} is reachable from the network)`, 'nothing');
  }
  return { host, port, token, allowFaultClearing: raw.allowFaultClearing, simulation: raw.simulation };
}
