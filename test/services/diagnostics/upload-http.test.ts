import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import { Readable } from 'node:stream';
import { upload, type UploadOptions } from '../../../src/services/diagnostics/upload.js';
import {
  assertNoPasswordIn,
  bodyBytes,
  expectKind,
  freePort,
  otherCa,
  parseMultipart,
  patternBody,
  serverTls,
  sha,
  testCa,
  uploadOptions,
} from './upload-kit.js';

describe('diagnostics upload over HTTP and HTTPS', () => {
  const logLines: string[] = [];
  const options = (extra: Partial<UploadOptions> = {}): UploadOptions => uploadOptions(logLines, extra);

  afterEach(() => {
    assertNoPasswordIn(logLines);
    logLines.length = 0;
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
      for (const server of servers.splice(0)) {
        server.close();
        server.closeAllConnections();
      }
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

    it('the caller\'s signal cancels an upload going on, as kind local', async () => {
      const base = await serve(false);
      answer = 'hang';
      const cancel = new AbortController();
      setTimeout(() => cancel.abort(), 100);
      const started = Date.now();
      const error = await expectKind('local', upload(`${base}/up/`, patternBody(64 * 1024 * 1024), 'x.tar.gz', options({ signal: cancel.signal })));
      assert.match(error.message, /canceled/);
      assert.ok(Date.now() - started < 1500, `took ${Date.now() - started} ms`);
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
