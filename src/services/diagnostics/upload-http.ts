import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { UploadError, socketErrorKind } from './upload-error.js';

/**
 * HTTP and HTTPS uploads, streamed (chunked transfer coding: the archive's size is not known before
 * it is made). PUT sends the file as the body, to the location itself, or into it under `fileName`
 * when the location ends in "/". POST sends multipart/form-data (RFC 7578) to the location with one
 * part, the file in the form field given, with the Content-Type and the Content-Disposition file
 * name that N01.FR.19 asks for. No redirects are followed. User and password in the URL go as Basic
 * authorization (N01.FR.17).
 */

export interface HttpUploadOptions {
  method: 'PUT' | 'POST';
  /** POST: the form field that carries the file. */
  formField: string;
  timeoutMs: number;
  /** The CAs to trust (undefined: Node's default ones). */
  ca?: ReadonlyArray<Buffer | string>;
  signal: AbortSignal;
}

export function uploadHttp(url: URL, body: () => Readable, fileName: string, options: HttpUploadOptions): Promise<void> {
  const target = new URL(url);
  if (options.method === 'PUT' && target.pathname.endsWith('/')) target.pathname += encodeURIComponent(fileName);
  const contentType = fileName.endsWith('.gz') ? 'application/gzip' : 'application/octet-stream';
  const boundary = `evse-agent-${randomBytes(12).toString('hex')}`;
  const headers: http.OutgoingHttpHeaders =
    options.method === 'PUT' ? { 'content-type': contentType } : { 'content-type': `multipart/form-data; boundary=${boundary}` };

  return new Promise<void>((resolve, reject) => {
    let settled = false;
    let bodyError: unknown;
    let sent = false;
    let succeeded = false;
    const finish = (error?: UploadError): void => {
      if (settled) return;
      settled = true;
      options.signal.removeEventListener('abort', onAbort);
      if (error === undefined) resolve();
      else {
        request.destroy();
        reject(error);
      }
    };
    const onAbort = (): void => finish(new UploadError('timeout', 'the upload was stopped: overall time limit'));

    const send = target.protocol === 'https:' ? httpsRequest : http.request;
    const request = send(target, {
      method: options.method,
      headers,
      ...(target.protocol === 'https:' && options.ca !== undefined ? { ca: [...options.ca] } : {}),
    });
    // Per stage: connecting, any pause while sending, the wait for the answer.
    request.setTimeout(options.timeoutMs, () =>
      finish(new UploadError('timeout', `no progress for ${options.timeoutMs} ms (${sent ? 'waiting for the answer' : 'sending'})`)),
    );
    request.on('error', (error) => {
      if (bodyError !== undefined) finish(new UploadError('local', `reading the file failed: ${String(bodyError)}`, { cause: bodyError }));
      else finish(new UploadError(socketErrorKind(error) ?? 'protocol', `HTTP ${options.method}: ${error.message}`, { cause: error }));
    });
    request.on('response', (response) => {
      response.resume();
      const status = response.statusCode ?? 0;
      if (status >= 200 && status < 300) {
        succeeded = true;
        if (sent) finish();
        return;
      }
      // 401: the credentials (or none) were refused; 403: known but not allowed to write there.
      const kind = status === 401 ? 'login-refused' : status === 403 ? 'permission-denied' : 'protocol';
      finish(new UploadError(kind, `HTTP ${options.method} answered ${status} ${response.statusMessage ?? ''}`.trim()));
    });
    options.signal.addEventListener('abort', onAbort, { once: true });

    const source = body();
    const chunks = options.method === 'PUT' ? watched(source) : multipart(watched(source), boundary, options.formField, fileName, contentType);
    pipeline(Readable.from(chunks, { objectMode: false }), request).then(
      () => {
        sent = true;
        if (succeeded) finish();
      },
      () => {
        if (bodyError !== undefined) finish(new UploadError('local', `reading the file failed: ${String(bodyError)}`, { cause: bodyError }));
        // Otherwise the request's own error or answer settles the upload.
      },
    );

    async function* watched(stream: Readable): AsyncGenerator<Buffer> {
      try {
        for await (const chunk of stream) yield typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      } catch (error) {
        bodyError = error;
        throw error;
      }
    }
  });
}

async function* multipart(
  file: AsyncIterable<Buffer>,
  boundary: string,
  field: string,
  fileName: string,
  contentType: string,
): AsyncGenerator<Buffer> {
  // RFC 7578 4.2: a quote in the file name is escaped as %22 (HTML's form encoding does the same).
  const quoted = (text: string): string => text.replace(/"/g, '%22').replace(/[\r\n]/g, ' ');
  yield Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="${quoted(field)}"; filename="${quoted(fileName)}"\r\nContent-Type: ${contentType}\r\n\r\n`,
  );
  yield* file;
  yield Buffer.from(`\r\n--${boundary}--\r\n`);
}
