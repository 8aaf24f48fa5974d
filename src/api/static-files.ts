import { createHash } from 'node:crypto';
import { readFileSync, realpathSync, statSync } from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { packageRoot } from '../paths.js';
import { HttpError } from './http-util.js';

/**
 * The status page's files (src/web in the package): `/` is index.html. Only files directly in
 * that folder with a known type are served; a path that leaves the folder (`..`, encoded or not,
 * a symlink out) or names a folder is a 404, the same answer as a file that does not exist. The
 * shell holds no data, so it is never behind the API token. Answers carry an ETag and are
 * revalidated (RFC 9111 no-cache): an update of the agent shows the new page at the next load.
 */

export const WEB_DIR = path.join(packageRoot, 'src', 'web');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

interface WebFile {
  body: Buffer;
  etag: string;
  contentType: string;
  mtimeMs: number;
  size: number;
}

export class StaticFiles {
  private readonly cache = new Map<string, WebFile>();

  constructor(private readonly dir: string = WEB_DIR) {}

  /** Whether a request path is one of the page's (everything outside /api/ and /metrics). */
  static isPagePath(pathname: string): boolean {
    return !(pathname === '/api' || pathname.startsWith('/api/') || pathname === '/metrics');
  }

  /** Answers GET/HEAD of a page file; throws HttpError 404/405 otherwise. */
  serve(req: http.IncomingMessage, res: http.ServerResponse, pathname: string): void {
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, 'use GET', { allow: 'GET, HEAD' });
    const file = this.read(pathname);
    if (!file) throw new HttpError(404, 'not found');
    const headers = {
      'content-type': file.contentType,
      etag: file.etag,
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
      // The page loads nothing from elsewhere; a framed page could be clickjacked into pulling levers.
      'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
      'referrer-policy': 'no-referrer',
    };
    if (req.headers['if-none-match'] === file.etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    res.writeHead(200, { ...headers, 'content-length': String(file.body.length) });
    res.end(method === 'HEAD' ? undefined : file.body);
  }

  private read(pathname: string): WebFile | undefined {
    let name: string;
    try {
      name = decodeURIComponent(pathname === '/' ? '/index.html' : pathname).slice(1);
    } catch {
      return undefined;
    }
    // One plain name: no folders, no dot files, nothing a path could be made of.
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name) || name.includes('..')) return undefined;
    const contentType = CONTENT_TYPES[path.extname(name).toLowerCase()];
    if (!contentType) return undefined;
    const full = path.join(this.dir, name);
    try {
      // A symlink in the folder must still point inside it.
      const real = realpathSync(full);
      if (path.dirname(real) !== realpathSync(this.dir)) return undefined;
      const stat = statSync(real);
      if (!stat.isFile()) return undefined;
      const cached = this.cache.get(name);
      if (cached && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size) return cached;
      const body = readFileSync(real);
      const file = { body, contentType, mtimeMs: stat.mtimeMs, size: stat.size, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
      this.cache.set(name, file);
      return file;
    } catch {
      return undefined;
    }
  }
}
