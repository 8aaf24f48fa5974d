import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';
import { maskUrl, upload, type UploadOptions } from '../../../src/services/diagnostics/upload.js';
import { FTP_READ_ONLY, FTP_READ_WRITE, startFtpServer, type FtpServer } from '../../helpers/ftp-server.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import {
  assertNoPasswordIn,
  bodyBytes,
  expectKind,
  freePort,
  otherCa,
  PASSWORD,
  patternBody,
  sha,
  testCa,
  tlsFixture,
  uploadOptions,
} from './upload-kit.js';

describe('diagnostics upload', () => {
  const logLines: string[] = [];
  const options = (extra: Partial<UploadOptions> = {}): UploadOptions => uploadOptions(logLines, extra);

  afterEach(() => {
    assertNoPasswordIn(logLines);
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
        tls: { certFile: tlsFixture('server.pem'), keyFile: tlsFixture('server.key') },
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
});
