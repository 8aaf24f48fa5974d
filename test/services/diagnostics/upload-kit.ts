import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { UploadError, type UploadErrorKind, type UploadOptions } from '../../../src/services/diagnostics/upload.js';
import { capturingLogger } from '../../helpers/logging.js';

/** What the upload tests share: bodies made as they are read, their digests, the TLS fixtures, failure checks. */

const tlsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'tls');
export const tlsFixture = (name: string): string => path.join(tlsDir, name);
export const testCa = readFileSync(tlsFixture('ca.pem'));
export const otherCa = readFileSync(tlsFixture('other-ca.pem'));
export const serverTls = { key: readFileSync(tlsFixture('server.key')), cert: readFileSync(tlsFixture('server.pem')) };

export const PASSWORD = 's3cr%t:pw';

/** `size` bytes of a repeatable pattern, made in 64 KiB chunks as they are read. */
export function patternBody(size: number): () => Readable {
  return () =>
    Readable.from(
      (function* () {
        for (let offset = 0; offset < size; offset += 65536) {
          const chunk = Buffer.alloc(Math.min(65536, size - offset));
          for (let i = 0; i < chunk.length; i++) chunk[i] = ((offset + i) * 7 + ((offset + i) >> 11)) & 0xff;
          yield chunk;
        }
      })(),
    );
}

export async function bodyBytes(body: () => Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body()) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export const sha = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

async function uploadFailure(promise: Promise<void>): Promise<UploadError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof UploadError, `expected an UploadError, got ${String(error)}`);
    return error;
  }
  assert.fail('the upload succeeded');
}

export async function expectKind(kind: UploadErrorKind, promise: Promise<void>): Promise<UploadError> {
  const error = await uploadFailure(promise);
  assert.equal(error.kind, kind, error.message);
  return error;
}

/** Upload options with a logger that keeps its lines in `lines`. */
export function uploadOptions(lines: string[], extra: Partial<UploadOptions> = {}): UploadOptions {
  return { timeoutMs: 2000, log: capturingLogger(lines), ...extra };
}

/** Fails if a line gives away the test password (its first letters, as they stay in any encoding). */
export function assertNoPasswordIn(lines: readonly string[]): void {
  for (const line of lines) assert.ok(!line.includes('s3cr'), `a password was logged: ${line}`);
}

/** The parts of a multipart/form-data body (RFC 7578): each one's header lines and content. */
export function parseMultipart(contentType: string, body: Buffer): Array<{ headers: string; content: Buffer }> {
  const boundary = /boundary=([^;]+)/.exec(contentType)?.[1];
  assert.ok(boundary, `no boundary in ${contentType}`);
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Array<{ headers: string; content: Buffer }> = [];
  let at = body.indexOf(delimiter);
  assert.equal(at, 0, 'the body starts with the first delimiter');
  for (;;) {
    at += delimiter.length;
    if (body.subarray(at, at + 2).toString() === '--') break;
    assert.equal(body.subarray(at, at + 2).toString(), '\r\n');
    const headersEnd = body.indexOf('\r\n\r\n', at);
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headersEnd);
    assert.ok(headersEnd > 0 && next > 0, 'a part ends in a delimiter');
    parts.push({ headers: body.subarray(at + 2, headersEnd).toString(), content: body.subarray(headersEnd + 4, next) });
    at = next + 2;
  }
  return parts;
}

export async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
