import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import { get as httpsGet } from 'node:https';
import { pipeline } from 'node:stream/promises';
import { rootCertificates } from 'node:tls';
import { basicFtp, ftpAccessOptions } from '../../util/ftp-access.js';
import type { Logger } from '../../process/logger.js';
import { maskUrl } from '../diagnostics/upload.js';

/**
 * Fetches a firmware file (2.0.1 UpdateFirmwareRequest.firmware.location, 1.6 UpdateFirmware.req
 * location) into `partFile`, streamed to disk, never whole in memory. What a cut left in the file is
 * kept: the next attempt asks only for the rest (HTTP Range, RFC 9110 14.2; FTP REST, RFC 3659 5).
 * A server that ignores the range sends the whole file again, which then replaces what was there.
 * Credentials in the URL (user:password@) go to the server, never to the log (maskUrl).
 */

export interface DownloadOptions {
  /** Limit for connecting, each answer, any pause in the transfer. */
  timeoutMs: number;
  /** A CA the server's certificate may chain to (the CSMS's), trusted beside the usual public ones. */
  ca?: Buffer | string;
  signal?: AbortSignal;
  log: Logger;
}

export class DownloadError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DownloadError';
  }
}

/** The schemes a firmware location may use. */
export const DOWNLOAD_SCHEMES: ReadonlySet<string> = new Set(['ftp:', 'ftps:', 'http:', 'https:']);

/** Bytes already in the file (0 when it does not exist). */
async function sizeOf(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}

/** Downloads `location` into `partFile`, going on from what it already holds; resolves once the file is whole. */
export async function downloadFirmware(location: string, partFile: string, options: DownloadOptions): Promise<void> {
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    throw new DownloadError(`not a URL: ${maskUrl(location)}`);
  }
  if (!DOWNLOAD_SCHEMES.has(url.protocol)) throw new DownloadError(`cannot download from ${url.protocol} locations`);
  const ca = options.ca === undefined ? undefined : [...rootCertificates, options.ca];
  const from = await sizeOf(partFile);
  options.log.info(`downloading ${maskUrl(location)}${from > 0 ? ` from byte ${from}` : ''}`);
  try {
    if (url.protocol === 'ftp:' || url.protocol === 'ftps:') await downloadFtp(url, partFile, from, { ...options, ca });
    else await downloadHttp(url, partFile, from, { ...options, ca });
  } catch (error) {
    const message = maskUrl(error instanceof Error ? error.message : String(error));
    throw new DownloadError(message, { cause: error });
  }
}

type TransferOptions = Omit<DownloadOptions, 'ca'> & { ca?: Array<Buffer | string> };

function downloadHttp(url: URL, partFile: string, from: number, options: TransferOptions): Promise<void> {
  const get = url.protocol === 'https:' ? httpsGet : http.get;
  const headers: http.OutgoingHttpHeaders = from > 0 ? { range: `bytes=${from}-` } : {};
  return new Promise<void>((resolve, reject) => {
    const request = get(url, { headers, signal: options.signal, ...(url.protocol === 'https:' && options.ca ? { ca: options.ca } : {}) }, (response) => {
      const status = response.statusCode ?? 0;
      if (status === 416 && from > 0) {
        // Nothing past what is held: complete if the server's length is what the file has.
        response.resume();
        const total = /\/(\d+)$/.exec(response.headers['content-range'] ?? '')?.[1];
        if (total !== undefined && Number(total) === from) resolve();
        else reject(new DownloadError(`HTTP GET answered 416 for bytes from ${from}`));
        return;
      }
      if (status !== 200 && status !== 206) {
        response.resume();
        reject(new DownloadError(`HTTP GET answered ${status} ${response.statusMessage ?? ''}`.trim()));
        return;
      }
      // 206: the rest, appended; 200: the whole file, from the start.
      const append = status === 206;
      const expected = Number(response.headers['content-length'] ?? NaN);
      let received = 0;
      response.on('data', (chunk: Buffer) => (received += chunk.length));
      pipeline(response, createWriteStream(partFile, { flags: append ? 'a' : 'w' })).then(() => {
        // A connection closed early ends the body without an error on some servers: the length tells.
        if (!Number.isNaN(expected) && received < expected) reject(new DownloadError(`the transfer stopped after ${received} of ${expected} bytes`));
        else resolve();
      }, reject);
    });
    request.setTimeout(options.timeoutMs, () => request.destroy(new DownloadError(`no progress for ${options.timeoutMs} ms`)));
    request.on('error', reject);
  });
}

async function downloadFtp(url: URL, partFile: string, from: number, options: TransferOptions): Promise<void> {
  const client = new (basicFtp().Client)(options.timeoutMs);
  const abort = (): void => client.close();
  options.signal?.addEventListener('abort', abort, { once: true });
  try {
    await client.access(ftpAccessOptions(url, options.ca));
    // RFC 1738: the path is relative to the login directory.
    const remote = decodeURIComponent(url.pathname).replace(/^\/+/, '');
    const total = await client.size(remote).catch(() => undefined);
    if (total !== undefined && from === total) return;
    const restart = total !== undefined && from > total ? 0 : from;
    await client.downloadTo(createWriteStream(partFile, { flags: restart > 0 ? 'a' : 'w' }), remote, restart);
    if (total !== undefined && (await sizeOf(partFile)) < total) throw new DownloadError(`the transfer stopped before the ${total} bytes`);
  } finally {
    options.signal?.removeEventListener('abort', abort);
    client.close();
  }
}
