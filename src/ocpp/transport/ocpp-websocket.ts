import { isUtf8 } from 'node:buffer';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import WebSocket from 'ws';
import type { OcppVersion, Secret } from '../../config/station-config.js';
import type { Logger } from '../../process/logger.js';
import { systemClock, type Clock, type TimerHandle } from '../../station/clock.js';
import { HandshakeRejected, InsecureCipherSuite } from './connection-failure.js';


/**
 * Opening one OCPP-J WebSocket: the connection URL (Part 4 §3.1.1), the subprotocol (§3.1.2,
 * §3.2), and the security profile's transport rules (Part 2 A00; 1.6 security whitepaper §2),
 * checked here, on every connection attempt, whatever the config layer already checked.
 */

export type SecurityProfile = 0 | 1 | 2 | 3;

export interface OcppWebSocketOptions {
  /** The CSMS' OCPP-J endpoint URL; the identity is appended to it. */
  url: string;
  identity: string;
  version: OcppVersion;
  /**
   * 0: no authentication (development only); 1: HTTP Basic auth over ws://; 2: TLS (wss://,
   * server certificate verified) with Basic auth; 3: TLS with a client certificate.
   */
  securityProfile: SecurityProfile;
  /** The Basic auth password: 2.0.1 BasicAuthPassword, 1.6 AuthorizationKey. Profiles 1 and 2. */
  password?: Secret | undefined;
  /** PEM file of the CA(s) the CSMS certificate must chain to; the system CAs when absent. */
  caFile?: string | undefined;
  /** PEM files of the station's certificate and key. Profile 3. */
  clientCertificateFile?: string | undefined;
  clientKeyFile?: string | undefined;
  /** Largest frame accepted from the CSMS. Default 4 MiB. */
  maxPayloadBytes?: number | undefined;
  /** How long the TCP, TLS and HTTP upgrade may take. Default 30 s. */
  handshakeTimeoutMs?: number | undefined;
}

/**
 * The cipher suites offered (OpenSSL names): TLS 1.3's AEAD suites, and for TLS 1.2 the ones Part 2
 * A00.FR.319/.422 names (ECDHE-ECDSA AES-GCM, RSA AES-GCM) with their ECDHE-RSA twins, ECDHE first
 * (forward secrecy, as the note recommends). Nothing CBC, nothing marked unsuitable (A00.FR.320/.423).
 */
export const TLS_CIPHER_SUITES = [
  'TLS_AES_256_GCM_SHA384',
  'TLS_AES_128_GCM_SHA256',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'AES256-GCM-SHA384',
  'AES128-GCM-SHA256',
].join(':');

export const DEFAULT_MAX_PAYLOAD_BYTES = 4 * 1024 * 1024;
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 30_000;

/** Registered WebSocket subprotocol names (Part 4 §3.1.2 table 1). */
export const OCPP_SUBPROTOCOLS: Readonly<Record<OcppVersion, string>> = { '2.0.1': 'ocpp2.0.1', '1.6': 'ocpp1.6' };

/** Our own transport rules forbid this connection; retrying will not help until the options change. */
export class TransportRefused extends Error {
  override readonly name = 'TransportRefused';
}

/**
 * The connection URL (§3.1.1): the endpoint URL's path, then "/", then the identity
 * percent-encoded. A trailing "/" of the endpoint URL is not doubled: ws://host/ocpp/ and
 * ws://host/ocpp both give ws://host/ocpp/CS001.
 */
export function connectionUrl(baseUrl: string, identity: string): URL {
  const url = new URL(baseUrl);
  url.pathname = `${url.pathname.replace(/\/$/, '')}/${encodeURIComponent(identity)}`;
  return url;
}

/** Why these options must not be used to connect, or undefined when they may. */
export function transportRefusal(options: OcppWebSocketOptions): string | undefined {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    return `the CSMS URL is not a valid URL`;
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') return `the CSMS URL must start with ws:// or wss://, not ${url.protocol}//`;
  // ws would turn user:password@ in the URL into an Authorization header, bypassing the rules below.
  if (url.username || url.password) return 'the CSMS URL must not contain credentials';
  if (options.identity === '') return 'the station identity is empty';
  const profile = options.securityProfile;
  if (profile === 1 || profile === 2) {
    // §3.1.1: the identity is the Basic auth username, so it cannot contain the separator.
    if (options.identity.includes(':')) return 'the station identity must not contain ":" with Basic auth';
    if (!options.password) return `security profile ${profile} needs a password`;
  }
  switch (profile) {
    case 0:
      return undefined;
    case 1:
      // Profile 1 is the only one that sends the password over plain ws://.
      return url.protocol === 'ws:' ? undefined : 'security profile 1 uses ws://; use profile 2 for wss://';
    case 2:
      return url.protocol === 'wss:' ? undefined : 'security profile 2 needs a wss:// URL: the password must not go over plain ws://';
    case 3:
      if (url.protocol !== 'wss:') return 'security profile 3 needs a wss:// URL';
      if (!options.clientCertificateFile || !options.clientKeyFile) return 'security profile 3 needs a client certificate and key';
      return undefined;
    default:
      return `unknown security profile ${String(profile)}`;
  }
}

/**
 * The Authorization header value: username is the identity (A00.FR.204). 2.0.1 sends the password
 * as UTF-8 text (A00.FR.205). In 1.6 the password is the AuthorizationKey, the hexadecimal form of
 * a binary key (whitepaper A00.FR.205), and the header carries the key's octets (OCPP-J 1.6 §6.2.2
 * example; 2.0.1 A00 notes that its encoding differs from 1.6). A 1.6 key that is not hexadecimal
 * is sent as its text.
 */
export function basicAuthorization(version: OcppVersion, identity: string, password: Secret): string {
  const text = password.reveal();
  const octets = version === '1.6' && /^(?:[0-9a-fA-F]{2})+$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'utf8');
  return `Basic ${Buffer.concat([Buffer.from(`${identity}:`, 'utf8'), octets]).toString('base64')}`;
}

/** A frame's size on the wire, in bytes (what limits on a message's size count). */
export function frameByteLength(data: WebSocket.RawData): number {
  return Array.isArray(data) ? data.reduce((n, part) => n + part.length, 0) : data.byteLength;
}

/** A frame's text. §4.1.2 requires UTF-8; invalid bytes are read as U+FFFD rather than dropping the connection. */
export function frameText(data: WebSocket.RawData, log: Logger): string {
  const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
  if (!isUtf8(buffer)) log.warning('frame is not valid UTF-8: invalid bytes read as U+FFFD');
  return buffer.toString('utf8');
}

/**
 * Connects and resolves once the CSMS has accepted our subprotocol. Rejects with TransportRefused
 * when the options break a transport rule (nothing is sent then), or with the error that ended the
 * attempt: unreachable, TLS verification failed (the error keeps Node's `code`), HandshakeRejected
 * for an HTTP status (401, 404), subprotocol not accepted, aborted through `signal`. The socket
 * keeps an 'error' listener that logs.
 */
export async function openOcppWebSocket(options: OcppWebSocketOptions, log: Logger, signal?: AbortSignal): Promise<WebSocket> {
  const refusal = transportRefusal(options);
  if (refusal) throw new TransportRefused(refusal);
  const url = connectionUrl(options.url, options.identity);
  const subprotocol = OCPP_SUBPROTOCOLS[options.version];
  const profile = options.securityProfile;

  const headers: Record<string, string> = {};
  if ((profile === 1 || profile === 2) && options.password) {
    headers['Authorization'] = basicAuthorization(options.version, options.identity, options.password);
  } else if (options.password) {
    log.debug(`security profile ${profile} does not use the password: not sent`);
  }

  const tls: WebSocket.ClientOptions = {};
  if (url.protocol === 'wss:') {
    // A00.FR.308/.313/.411/.416: verify the CSMS certificate (path and host name), TLS 1.2 or later.
    tls.rejectUnauthorized = true;
    tls.minVersion = 'TLSv1.2';
    tls.ciphers = TLS_CIPHER_SUITES;
    // Host name verification stays Node's default checkServerIdentity (A00.FR.308/.412: the FQDN).
    // Files are read at every attempt, so a certificate installed meanwhile is used at the next one.
    if (options.caFile) tls.ca = await readFile(options.caFile);
    if (profile === 3) {
      tls.cert = await readFile(options.clientCertificateFile!);
      tls.key = await readFile(options.clientKeyFile!);
    }
  }
  if (signal?.aborted) throw new Error('connection attempt cancelled');

  const socket = new WebSocket(url, [subprotocol], {
    ...tls,
    headers,
    maxPayload: options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES,
    handshakeTimeout: options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS,
    // Redirects could carry the Authorization header to another host.
    followRedirects: false,
    // Invalid UTF-8 must not close the connection; frameText() replaces it instead.
    skipUTF8Validation: true,
  });
  socket.on('error', (err) => log.debug(`websocket error: ${err.message}`));

  const opened = new Promise<WebSocket>((resolve, reject) => {
    const cleanUp = (): void => {
      socket.off('open', onOpen);
      socket.off('error', onError);
      socket.off('close', onClose);
      socket.off('unexpected-response', onUnexpectedResponse);
      signal?.removeEventListener('abort', onAbort);
    };
    const fail = (err: Error): void => {
      cleanUp();
      socket.terminate();
      reject(err);
    };
    const onOpen = (): void => {
      // §3.2: a CSMS that does not agree answers without Sec-WebSocket-Protocol and closes.
      // ws already fails the handshake then; this also covers any other protocol.
      if (socket.protocol !== subprotocol) {
        fail(new Error(`the CSMS did not accept subprotocol ${subprotocol}`));
        return;
      }
      cleanUp();
      resolve(socket);
    };
    const onError = (err: Error): void => fail(err);
    const onClose = (code: number): void => fail(new Error(`connection closed during the handshake (${code})`));
    const onAbort = (): void => fail(new Error('connection attempt cancelled'));
    // Without this listener ws reports only a message; with it, the status is ours to read, and
    // the response ours to drop (terminate() in fail() aborts the request).
    const onUnexpectedResponse = (_request: unknown, response: { statusCode?: number | undefined; resume(): void }): void => {
      response.resume();
      fail(new HandshakeRejected(response.statusCode ?? 0));
    };
    socket.on('unexpected-response', onUnexpectedResponse);
    socket.on('open', onOpen);
    socket.on('error', onError);
    socket.on('close', onClose);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  return url.protocol === 'wss:' ? opened.catch(async (err: unknown) => Promise.reject(await explainHandshakeFailure(err, url, signal))) : opened;
}

/** Node's code when the peer answers our hello with a handshake_failure alert. */
const HANDSHAKE_FAILURE = 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE';
const OFFERED_SUITES: ReadonlySet<string> = new Set(TLS_CIPHER_SUITES.split(':'));
const PROBE_TIMEOUT_MS = 5000;

/**
 * A handshake_failure alert does not say why (no common cipher suite, a missing client certificate,
 * a signature algorithm). A00.FR.323/.426 want an InvalidTLSCipherSuite when the CSMS allows only
 * unsuitable suites: one more handshake, offering Node's default suites, without credentials or a
 * client certificate, closed at once (nothing is sent over it, so its certificate is not checked),
 * tells it: a suite outside TLS_CIPHER_SUITES chosen then is InsecureCipherSuite; anything else
 * leaves the error as it was.
 */
async function explainHandshakeFailure(err: unknown, url: URL, signal?: AbortSignal): Promise<unknown> {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  // Under https.request (ws) OpenSSL's alert comes as EPROTO, its reason only in the message.
  const handshakeFailure = code === HANDSHAKE_FAILURE || (code === 'EPROTO' && err instanceof Error && /:sslv3 alert handshake failure:/.test(err.message));
  if (!handshakeFailure || signal?.aborted) return err;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const cipher = await new Promise<string | undefined>((resolve) => {
    const probe = tlsConnect({ host, port: Number(url.port || 443), minVersion: 'TLSv1.2', rejectUnauthorized: false, ...(isIP(host) ? {} : { servername: host }) });
    const done = (name: string | undefined): void => {
      clearTimeout(timer);
      probe.destroy();
      resolve(name);
    };
    const timer = setTimeout(() => done(undefined), PROBE_TIMEOUT_MS);
    probe.once('secureConnect', () => done(probe.getCipher()?.name));
    probe.once('error', () => done(undefined));
  });
  return cipher !== undefined && !OFFERED_SUITES.has(cipher) ? new InsecureCipherSuite(cipher) : err;
}

/** Once a ping is unanswered when the next one is due, the connection is dead. */
const PING_DISABLED_RECHECK_MS = 1000;

/**
 * WebSocket ping every pingIntervalS (Part 4 §8.4, OCPP-J 1.6 §7; 0 disables and the interval is
 * read again each time, as the CSMS may change it). When no pong came back by the time the next
 * ping is due, the socket is terminated so a half-open connection is noticed (1.6 errata §3.11).
 * Returns a function that stops watching. Time from `clock` (the system clock by default).
 */
export function watchLiveness(socket: WebSocket, pingIntervalS: () => number, log: Logger, clock: Clock = systemClock): () => void {
  let awaitingPong = false;
  let timer: TimerHandle | undefined;
  const onPong = (): void => {
    awaitingPong = false;
  };
  const intervalMs = (): number => {
    const s = pingIntervalS();
    return Number.isFinite(s) && s > 0 ? Math.min(s * 1000, 2 ** 31 - 1) : 0;
  };
  const schedule = (): void => {
    timer = clock.setTimeout(tick, intervalMs() || PING_DISABLED_RECHECK_MS);
  };
  const tick = (): void => {
    if (socket.readyState !== WebSocket.OPEN) return;
    if (intervalMs() === 0) {
      awaitingPong = false;
      schedule();
      return;
    }
    if (awaitingPong) {
      log.warning('no pong before the next ping was due: connection is dead, dropping it');
      socket.terminate();
      return;
    }
    awaitingPong = true;
    socket.ping();
    schedule();
  };
  socket.on('pong', onPong);
  schedule();
  return () => {
    timer?.cancel();
    socket.off('pong', onPong);
  };
}

/** Closes with a normal closure; terminates when the peer does not complete the close in time. */
export function closeWebSocket(socket: WebSocket, timeoutMs = 2000, clock: Clock = systemClock): Promise<void> {
  if (socket.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = clock.setTimeout(() => socket.terminate(), timeoutMs);
    socket.once('close', () => {
      timer.cancel();
      resolve();
    });
    if (socket.readyState === WebSocket.CONNECTING) socket.terminate();
    else socket.close(1000);
  });
}
