import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { HttpApi } from '../../src/api/http-api.js';
import { WEB_DIR } from '../../src/api/static-files.js';
import { Secret } from '../../src/config/station-config.js';
import { silentLogger } from '../../src/process/logger.js';
import { packageRoot } from '../../src/paths.js';

/** The status page's files: served from their folder only, with their types, revalidated by ETag, never behind the token. */

const TOKEN = 'test-api-token-0123456789';

/** A raw request: fetch() would tidy `..` out of the path before it is sent. */
function rawGet(port: number, rawPath: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: rawPath, method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the status page files (src/web)', () => {
  let root: string;
  let api: HttpApi;
  let port: number;

  before(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'evse-web-'));
    const web = path.join(root, 'web');
    mkdirSync(path.join(web, 'sub'), { recursive: true });
    writeFileSync(path.join(web, 'index.html'), '<!doctype html><title>station</title>');
    writeFileSync(path.join(web, 'app.js'), 'export const x = 1;\n');
    writeFileSync(path.join(web, 'app.css'), 'body { color: black }\n');
    writeFileSync(path.join(web, 'notes.txt'), 'not a page file type');
    writeFileSync(path.join(web, '.hidden.js'), 'secret');
    writeFileSync(path.join(web, 'sub', 'inner.js'), 'nested');
    writeFileSync(path.join(root, 'secret.js'), 'OUTSIDE THE WEB FOLDER');
    symlinkSync(path.join(root, 'secret.js'), path.join(web, 'link.js'));
    // A token is set: the page's shell must still load without it (it holds no data).
    api = new HttpApi({ status: () => ({}), presentIdToken: async () => ({ outcome: 'rejected', status: 'Busy' }), clearFaults: () => [], stopTransaction: () => undefined, simulation: () => undefined }, silentLogger, {
      token: new Secret(TOKEN),
      routes: { simulation: false, faultClearing: false },
      webDir: web,
    });
    port = await api.listen('127.0.0.1', 0);
  });

  after(async () => {
    await api.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('/, /app.js and /app.css with their content types, without the token', async () => {
    for (const [p, type, start] of [
      ['/', 'text/html; charset=utf-8', '<!doctype html>'],
      ['/index.html', 'text/html; charset=utf-8', '<!doctype html>'],
      ['/app.js', 'text/javascript; charset=utf-8', 'export const'],
      ['/app.css', 'text/css; charset=utf-8', 'body'],
    ] as const) {
      const res = await rawGet(port, p);
      assert.equal(res.status, 200, p);
      assert.equal(res.headers['content-type'], type, p);
      assert.ok(res.body.startsWith(start), p);
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.match(String(res.headers['content-security-policy']), /default-src 'self'/);
    }
    assert.equal((await rawGet(port, '/api/status')).status, 401, 'the data stays behind the token');
  });

  it('caching: an ETag, revalidated every load (no-cache), 304 when unchanged, a new ETag when the file changes', async () => {
    const first = await rawGet(port, '/app.js');
    const etag = String(first.headers['etag']);
    assert.match(etag, /^"[\w-]+"$/);
    assert.equal(first.headers['cache-control'], 'no-cache');
    const again = await rawGet(port, '/app.js', { 'if-none-match': etag });
    assert.equal(again.status, 304);
    assert.equal(again.body, '');
    writeFileSync(path.join(root, 'web', 'app.js'), 'export const x = 2;\n');
    const changed = await rawGet(port, '/app.js', { 'if-none-match': etag });
    assert.equal(changed.status, 200);
    assert.notEqual(changed.headers['etag'], etag);
    assert.equal(changed.body, 'export const x = 2;\n');
  });

  it('refuses every way out of the folder, folders, dot files and unknown types with the same 404', async () => {
    const refused = [
      '/../secret.js',
      '/%2e%2e/secret.js',
      '/..%2fsecret.js',
      '/%2e%2e%2fsecret.js',
      '/sub/inner.js',
      '/sub%2finner.js',
      '/sub',
      '/link.js',
      '/.hidden.js',
      '/notes.txt',
      '/%00app.js',
      '/app.js%00.css',
      '/%E0%A4%A',
      '/..\\secret.js',
      '//etc/passwd',
      '/nothing.js',
    ];
    for (const p of refused) {
      const res = await rawGet(port, p);
      assert.equal(res.status, 404, p);
      assert.deepEqual(JSON.parse(res.body), { error: 'not found' }, p);
      assert.ok(!res.body.includes('OUTSIDE'), p);
    }
  });

  it('HEAD has the headers and no body; POST is a 405', async () => {
    const head = await rawGet(port, '/', {}, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
    assert.equal(Number(head.headers['content-length']), '<!doctype html><title>station</title>'.length);
    const post = await rawGet(port, '/', {}, 'POST');
    assert.equal(post.status, 405);
  });

  it('by default from src/web in the package root', () => {
    assert.equal(WEB_DIR, path.join(packageRoot, 'src', 'web'));
  });
});
