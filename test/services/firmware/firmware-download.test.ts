import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { loggerFrom, type Logger } from '../../../src/process/logger.js';
import { downloadFirmware, DownloadError } from '../../../src/services/firmware/index.js';
import { FTP_READ_ONLY, startFtpServer, type FtpServer } from '../../helpers/ftp-server.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { createCa, issueServerCertificate } from '../../helpers/test-pki.js';
import { FirmwareServer } from '../../integration/firmware-server.js';

const SECRET = 'download-secret-42';

/** A logger that keeps its lines, to check that no password gets into them. */
function recordingLogger(lines: string[]): Logger {
  const log: Logger = loggerFrom((_level, message) => void lines.push(message), () => log);
  return log;
}

describe('firmware download (L01: ftp, ftps, http, https; resumed after a cut)', function () {
  this.timeout(15_000);
  const content = randomBytes(3 * 1024 * 1024 + 123);

  describe('HTTP', () => {
    let server: FirmwareServer;
    beforeEach(async () => {
      server = await FirmwareServer.start();
      server.serve('/evse-agent.release', content);
    });
    afterEach(() => server.stop());

    it('a cut halfway leaves what came in the .part file; the next attempt asks for the rest (Range) and the file is whole', async () => {
      const part = path.join(makeTempDir('firmware-download'), '7.part');
      const lines: string[] = [];
      server.cuts = [1_000_000];
      await assert.rejects(downloadFirmware(server.url('/evse-agent.release'), part, { timeoutMs: 5000, log: recordingLogger(lines) }), DownloadError);
      const kept = readFileSync(part).length;
      assert.ok(kept > 0 && kept < content.length, `${kept} bytes kept`);
      await downloadFirmware(server.url('/evse-agent.release'), part, { timeoutMs: 5000, log: recordingLogger(lines) });
      assert.ok(readFileSync(part).equals(content), 'the same bytes as served');
      assert.deepEqual(server.fetches.map((f) => f.range), [undefined, `bytes=${kept}-`]);
      // Basic authorization from the URL's user:password, never in the log.
      assert.equal(server.fetches[0]!.authorization, `Basic ${Buffer.from(`firmware:${SECRET}`).toString('base64')}`);
      assert.ok(lines.length > 0 && lines.every((l) => !l.includes(SECRET)), lines.join('\n'));
    });

    it('a server that ignores Range sends the whole file again, which replaces the part', async () => {
      const part = path.join(makeTempDir('firmware-download'), '8.part');
      writeFileSync(part, Buffer.from('left by an earlier cut'));
      server.ignoreRange = true;
      await downloadFirmware(server.url('/evse-agent.release'), part, { timeoutMs: 5000, log: recordingLogger([]) });
      assert.ok(readFileSync(part).equals(content));
    });

    it('a part that already holds the whole file (416) is complete; a missing file (404) is a DownloadError', async () => {
      const part = path.join(makeTempDir('firmware-download'), '9.part');
      writeFileSync(part, content);
      await downloadFirmware(server.url('/evse-agent.release'), part, { timeoutMs: 5000, log: recordingLogger([]) });
      assert.ok(readFileSync(part).equals(content));
      await assert.rejects(
        downloadFirmware(server.url('/missing.release'), path.join(path.dirname(part), '10.part'), { timeoutMs: 5000, log: recordingLogger([]) }),
        (err: unknown) => err instanceof DownloadError && /404/.test(err.message) && !err.message.includes(SECRET),
      );
    });

    it('refuses a scheme it cannot fetch from', async () => {
      await assert.rejects(downloadFirmware('sftp://127.0.0.1/a.release', path.join(makeTempDir('firmware-download'), '1.part'), { timeoutMs: 1000, log: recordingLogger([]) }), DownloadError);
    });
  });

  it('HTTPS: verified against the CA given (the CSMS roots); a server under another CA is refused', async () => {
    const ca = await createCa('Firmware Download Test CA');
    const { certPem, keyPem } = await issueServerCertificate(ca);
    const server = createServer({ cert: certPem, key: keyPem }, (_req, res) => res.end(content));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/evse-agent.release`;
      const dir = makeTempDir('firmware-download');
      await downloadFirmware(url, path.join(dir, '1.part'), { timeoutMs: 5000, ca: ca.certPem, log: recordingLogger([]) });
      assert.ok(readFileSync(path.join(dir, '1.part')).equals(content));
      const other = await createCa('Someone Else');
      await assert.rejects(downloadFirmware(url, path.join(dir, '2.part'), { timeoutMs: 5000, ca: other.certPem, log: recordingLogger([]) }), DownloadError);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  describe('FTP (pyftpdlib)', () => {
    let ftp: FtpServer;
    let home: string;
    before(async () => {
      home = makeTempDir('firmware-ftp');
      writeFileSync(path.join(home, 'evse-agent.release'), content);
      ftp = await startFtpServer({ users: [{ name: 'firmware', password: SECRET, home, perm: FTP_READ_ONLY }] });
    });
    after(() => ftp?.close());

    it('downloads the file whole, passive', async () => {
      const part = path.join(makeTempDir('firmware-download'), '1.part');
      await downloadFirmware(ftp.url('firmware', SECRET, '/evse-agent.release'), part, { timeoutMs: 5000, log: recordingLogger([]) });
      assert.ok(readFileSync(part).equals(content));
    });

    it('goes on from what a cut left (REST): the bytes already there are kept, the rest appended', async () => {
      const part = path.join(makeTempDir('firmware-download'), '2.part');
      // Marked bytes where the first half was: kept as they are proves only the rest was fetched.
      const half = Math.floor(content.length / 2);
      const marked = Buffer.alloc(half, 0x5a);
      writeFileSync(part, marked);
      await downloadFirmware(ftp.url('firmware', SECRET, '/evse-agent.release'), part, { timeoutMs: 5000, log: recordingLogger([]) });
      const got = readFileSync(part);
      assert.equal(got.length, content.length);
      assert.ok(got.subarray(0, half).equals(marked), 'the first half was not fetched again');
      assert.ok(got.subarray(half).equals(content.subarray(half)), 'the rest is the server\'s');
    });
  });
});
