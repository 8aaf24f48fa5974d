import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { maskUrl, upload, UploadError, type UploadErrorKind, type UploadOptions } from '../../../src/services/diagnostics/upload.js';
import { FTP_READ_ONLY, FTP_READ_WRITE, startFtpServer, type FtpServer } from '../../helpers/ftp-server.js';
import { capturingLogger } from '../../helpers/logging.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const tlsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'tls');
const testCa = readFileSync(path.join(tlsDir, 'ca.pem'));
const otherCa = readFileSync(path.join(tlsDir, 'other-ca.pem'));
const serverTls = { key: readFileSync(path.join(tlsDir, 'server.key')), cert: readFileSync(path.join(tlsDir, 'server.pem')) };

const PASSWORD = 's3cr%t:pw';

/** `size` bytes of a repeatable pattern, made in 64 KiB chunks as they are read. */
function patternBody(size: number): () => Readable {
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

async function bodyBytes(body: () => Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body()) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const sha = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

async function uploadFailure(promise: Promise<void>): Promise<UploadError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof UploadError, `expected an UploadError, got ${String(error)}`);
    return error;
  }
  assert.fail('the upload succeeded');
}

async function expectKind(kind: UploadErrorKind, promise: Promise<void>): Promise<UploadError> {
  const error = await uploadFailure(promise);
  assert.equal(error.kind, kind, error.message);
  return error;
}

describe('diagnostics upload', () => {
  const logLines: string[] = [];
  const options = (extra: Partial<UploadOptions> = {}): UploadOptions => ({ timeoutMs: 2000, log: capturingLogger(logLines), ...extra });

  afterEach(() => {
    for (const line of logLines) assert.ok(!line.includes('s3cr'), `a password was logged: ${line}`);
    logLines.length = 0;
  });

  it('maskUrl hides user and password, and leaves URLs without them alone', () => {
    assert.equal(maskUrl('ftp://user:pw@host:21/dir/'), 'ftp://***@host:21/dir/');
    assert.equal(maskUrl('https://user@example.com/up?x=1'), 'https://***@example.com/up?x=1');
    assert.equal(maskUrl('https://example.com/a@b'), 'https://example.com/a@b');
    assert.equal(maskUrl('failed: ftp://a:b@h/ then http://c:d@h/x'), 'failed: ftp://***@h/ then http://***@h/x');
    // An unencoded "@" in the password: URL parsers split at the last "@" before the path, and so does the mask.
    assert.equal(maskUrl('ftp://user:p@ss@host/dir/'), 'ftp://***@host/dir/');
  });

  it('refuses schemes it cannot upload to, and text that is no URL', async () => {
    await expectKind('unsupported-scheme', upload('sftp://u:p@127.0.0.1/x/', patternBody(10), 'a.tar.gz', options()));
    await expectKind('unsupported-scheme', upload('not a url', patternBody(10), 'a.tar.gz', options()));
  });

  describe('FTP (pyftpdlib)', () => {
    let writable: string;
    let readOnly: string;
    let server: FtpServer;

    before(async () => {
      writable = makeTempDir('evse-ftp-rw');
      readOnly = makeTempDir('evse-ftp-ro');
      mkdirSync(path.join(writable, 'incoming'));
      server = await startFtpServer({
        users: [
          { name: 'station', password: PASSWORD, home: writable, perm: FTP_READ_WRITE },
          { name: 'reader', password: PASSWORD, home: readOnly, perm: FTP_READ_ONLY },
        ],
      });
    });
    after(() => server?.close());

    it('uploads into the location\'s folder, passive, with the same bytes', async () => {
      const body = patternBody(3 * 1024 * 1024 + 17);
      await upload(server.url('station', PASSWORD, '/incoming/'), body, 'EVSE-1-diag.tar.gz', options());
      assert.equal(sha(readFileSync(path.join(writable, 'incoming', 'EVSE-1-diag.tar.gz'))), sha(await bodyBytes(body)));
      assert.ok(logLines.some((l) => l.includes('uploaded EVSE-1-diag.tar.gz to ftp://***@127.0.0.1')), logLines.join('\n'));
    });

    it('a wrong password is login-refused (530)', async () => {
      const error = await expectKind('login-refused', upload(server.url('station', 'wrong'), patternBody(100), 'x.tar.gz', options()));
      assert.match(error.message, /530/);
    });

    it('a user that may not store is permission-denied (550)', async () => {
      await expectKind('permission-denied', upload(server.url('reader', PASSWORD), patternBody(100), 'x.tar.gz', options()));
    });

    it('a folder that is not there is permission-denied (550)', async () => {
      await expectKind('permission-denied', upload(server.url('station', PASSWORD, '/nowhere/'), patternBody(100), 'x.tar.gz', options()));
    });

    it('a file that cannot be read is local, not the server\'s fault', async () => {
      const failing = (): Readable =>
        new Readable({
          read() {
            this.destroy(new Error('disk gone'));
          },
        });
      await expectKind('local', upload(server.url('station', PASSWORD, '/incoming/'), failing, 'broken.tar.gz', options()));
    });
  });

  describe('FTPS, explicit TLS (pyftpdlib with PyOpenSSL)', () => {
    let home: string;
    let server: FtpServer;

    before(async () => {
      home = makeTempDir('evse-ftps');
      server = await startFtpServer({
        users: [{ name: 'station', password: PASSWORD, home, perm: FTP_READ_WRITE }],
        tls: { certFile: path.join(tlsDir, 'server.pem'), keyFile: path.join(tlsDir, 'server.key') },
      });
    });
    after(() => server?.close());

    it('uploads when the server\'s certificate chains to the CA given', async () => {
      const body = patternBody(500_000);
      await upload(server.url('station', PASSWORD), body, 'secure.tar.gz', options({ ca: testCa }));
      assert.equal(sha(readFileSync(path.join(home, 'secure.tar.gz'))), sha(await bodyBytes(body)));
    });

    it('refuses a server whose certificate does not chain to the CA given (tls)', async () => {
      await expectKind('tls', upload(server.url('station', PASSWORD), patternBody(100), 'other.tar.gz', options({ ca: otherCa })));
    });
  });

  describe('FTP failures without a server', () => {
    it('a closed port is unreachable', async () => {
      const port = await freePort();
      await expectKind('unreachable', upload(`ftp://u:s3cr@127.0.0.1:${port}/`, patternBody(100), 'x.tar.gz', options()));
    });

    it('a server that never greets ends in timeout after the stage limit', async () => {
      const silent = net.createServer(() => undefined);
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const port = (silent.address() as net.AddressInfo).port;
      const started = Date.now();
      try {
        await expectKind('timeout', upload(`ftp://u:s3cr@127.0.0.1:${port}/`, patternBody(100), 'x.tar.gz', options({ timeoutMs: 300 })));
        assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
      } finally {
        silent.close();
        silent.unref();
      }
    });
  });
  describe('HTTP and HTTPS (node:http server)', () => {
    type Answer = 'ok' | 401 | 403 | 500 | 'hang' | 'slow';
    interface Received {
      method: string;
      url: string;
      headers: http.IncomingHttpHeaders;
      body: Buffer;
    }
    let answer: Answer;
    let received: Received[];
    const servers: Array<http.Server | https.Server> = [];

    /** Serves uploads on 127.0.0.1, answering as `answer` says, keeping what arrived in `received`. */
    async function serve(tls: boolean): Promise<string> {
      const handler = (request: http.IncomingMessage, response: http.ServerResponse): void => {
        if (answer === 'hang') {
          request.once('data', () => request.pause()); // takes one chunk, then neither reads nor answers
          return;
        }
        if (answer === 'slow') {
          // Reads a chunk every 5 ms (some MB/s): the transfer never pauses for a stage limit, but
          // 256 MiB take a minute.
          request.on('data', () => {
            request.pause();
            setTimeout(() => request.resume(), 5).unref();
          });
          return;
        }
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => {
          received.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks) });
          response.statusCode = typeof answer === 'number' ? answer : 201;
          response.end();
        });
      };
      const server = tls ? https.createServer(serverTls, handler) : http.createServer(handler);
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    }

    beforeEach(() => {
      answer = 'ok';
      received = [];
    });
    afterEach(() => {
      for (const server of servers.splice(0)) server.closeAllConnections();
      for (const server of servers) server.close();
    });
    after(() => {
      for (const server of servers) server.close();
    });

    it('PUT streams the file as the body, into a location ending in "/", with the URL\'s credentials as Basic', async () => {
      const base = await serve(false);
      const body = patternBody(2 * 1024 * 1024 + 5);
      await upload(`${base.replace('http://', 'http://station:s3cr@')}/logs/`, body, 'EVSE-1 diag.tar.gz', options());
      assert.equal(received.length, 1);
      const [put] = received;
      assert.equal(put!.method, 'PUT');
      assert.equal(put!.url, '/logs/EVSE-1%20diag.tar.gz');
      assert.equal(put!.headers['authorization'], `Basic ${Buffer.from('station:s3cr').toString('base64')}`);
      assert.equal(put!.headers['transfer-encoding'], 'chunked');
      assert.equal(sha(put!.body), sha(await bodyBytes(body)));
    });

    it('POST sends multipart/form-data with the file in the field "file"', async () => {
      const base = await serve(false);
      const body = patternBody(300_000);
      await upload(`${base}/upload?station=EVSE-1`, body, 'EVSE-1-diag.tar.gz', options({ method: 'POST' }));
      const [post] = received;
      assert.equal(post!.method, 'POST');
      assert.equal(post!.url, '/upload?station=EVSE-1');
      const parts = parseMultipart(post!.headers['content-type'] ?? '', post!.body);
      assert.equal(parts.length, 1);
      assert.match(parts[0]!.headers, /^Content-Disposition: form-data; name="file"; filename="EVSE-1-diag\.tar\.gz"$/im);
      assert.match(parts[0]!.headers, /^Content-Type: application\/gzip$/im);
      assert.equal(sha(parts[0]!.content), sha(await bodyBytes(body)));
    });

    it('POST can name the form field, as N01.FR.19\'s example does ("uploadfile")', async () => {
      const base = await serve(false);
      await upload(`${base}/upload`, patternBody(1000), 'log "1".tar.gz', options({ method: 'POST', formField: 'uploadfile' }));
      const parts = parseMultipart(received[0]!.headers['content-type'] ?? '', received[0]!.body);
      assert.match(parts[0]!.headers, /^Content-Disposition: form-data; name="uploadfile"; filename="log %221%22\.tar\.gz"$/im);
      assert.equal(parts[0]!.content.length, 1000);
    });

    it('a password with an unencoded "@", as in N01.FR.17\'s example, still goes whole as Basic', async () => {
      const base = await serve(false);
      await upload(base.replace('http://', 'http://username:s3cr@d@'), patternBody(10), 'x.tar.gz', options());
      assert.equal(received[0]!.headers['authorization'], `Basic ${Buffer.from('username:s3cr@d').toString('base64')}`);
      assert.equal(received[0]!.url, '/x.tar.gz'); // no path is the root folder
    });

    it('401 is login-refused, 403 permission-denied, 500 protocol', async () => {
      const base = await serve(false);
      for (const [status, kind] of [[401, 'login-refused'], [403, 'permission-denied'], [500, 'protocol']] as const) {
        answer = status;
        const error = await expectKind(kind, upload(`${base}/up/`, patternBody(1000), 'x.tar.gz', options()));
        assert.match(error.message, new RegExp(String(status)));
      }
    });

    it('a server that stops reading mid-transfer ends in timeout after the stage limit', async () => {
      const base = await serve(false);
      answer = 'hang';
      const started = Date.now();
      await expectKind('timeout', upload(`${base}/up/`, patternBody(256 * 1024 * 1024), 'x.tar.gz', options({ timeoutMs: 300 })));
      assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
    });

    it('a transfer that keeps going but too slowly ends in timeout at the overall limit', async () => {
      const base = await serve(false);
      answer = 'slow';
      const started = Date.now();
      const error = await expectKind(
        'timeout',
        upload(`${base}/up/`, patternBody(256 * 1024 * 1024), 'x.tar.gz', options({ timeoutMs: 1000, overallTimeoutMs: 1500 })),
      );
      assert.match(error.message, /longer than 1500 ms/);
      const took = Date.now() - started;
      assert.ok(took >= 1450 && took < 5000, `took ${took} ms`);
    });

    it('a closed port is unreachable', async () => {
      await expectKind('unreachable', upload(`http://127.0.0.1:${await freePort()}/up/`, patternBody(10), 'x.tar.gz', options()));
    });

    it('a file that cannot be read is local', async () => {
      const base = await serve(false);
      const failing = (): Readable =>
        new Readable({
          read() {
            this.destroy(new Error('disk gone'));
          },
        });
      await expectKind('local', upload(`${base}/up/`, failing, 'x.tar.gz', options()));
    });

    it('HTTPS verifies the server against the CA given: the test CA uploads, another CA is tls', async () => {
      const base = await serve(true);
      const body = patternBody(100_000);
      await upload(`${base}/up/`, body, 'x.tar.gz', options({ ca: testCa }));
      assert.equal(sha(received[0]!.body), sha(await bodyBytes(body)));
      await expectKind('tls', upload(`${base}/up/`, patternBody(10), 'x.tar.gz', options({ ca: otherCa })));
      // Without a CA the system's are used, and none of them signed the test server's certificate.
      await expectKind('tls', upload(`${base}/up/`, patternBody(10), 'x.tar.gz', options()));
      assert.equal(received.length, 1);
    });
  });
});

/** The parts of a multipart/form-data body (RFC 7578): each one's header lines and content. */
function parseMultipart(contentType: string, body: Buffer): Array<{ headers: string; content: Buffer }> {
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

async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
