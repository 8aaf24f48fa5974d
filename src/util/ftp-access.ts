import { createRequire } from 'node:module';
import type * as BasicFtp from 'basic-ftp';

const require = createRequire(import.meta.url);

/**
 * basic-ftp, loaded with the first FTP transfer (a log upload, a firmware download), not with the
 * agent (issue 18). CommonJS, so it loads synchronously; its classes are the same whoever loads it.
 */
export function basicFtp(): typeof BasicFtp {
  return require('basic-ftp') as typeof BasicFtp;
}

/**
 * How to log in for an ftp:// or ftps:// URL (RFC 1738): its host and port (21 by default), the
 * user and password in it (percent-decoded) or anonymous, explicit TLS for ftps:// verified against
 * `ca` beside the public CAs.
 */
export function ftpAccessOptions(url: URL, ca?: string | Buffer | ReadonlyArray<string | Buffer>): BasicFtp.AccessOptions {
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port === '' ? 21 : Number(url.port),
    user: url.username === '' ? 'anonymous' : decodeURIComponent(url.username),
    password: url.username === '' ? 'anonymous@' : decodeURIComponent(url.password),
    secure: url.protocol === 'ftps:',
    secureOptions: ca === undefined ? {} : { ca: typeof ca === 'string' || Buffer.isBuffer(ca) ? ca : [...ca] },
  };
}
