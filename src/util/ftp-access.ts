import type { AccessOptions } from 'basic-ftp';

/**
 * How to log in for an ftp:// or ftps:// URL (RFC 1738): its host and port (21 by default), the
 * user and password in it (percent-decoded) or anonymous, explicit TLS for ftps:// verified against
 * `ca` beside the public CAs.
 */
export function ftpAccessOptions(url: URL, ca?: string | Buffer | ReadonlyArray<string | Buffer>): AccessOptions {
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port === '' ? 21 : Number(url.port),
    user: url.username === '' ? 'anonymous' : decodeURIComponent(url.username),
    password: url.username === '' ? 'anonymous@' : decodeURIComponent(url.password),
    secure: url.protocol === 'ftps:',
    secureOptions: ca === undefined ? {} : { ca: typeof ca === 'string' || Buffer.isBuffer(ca) ? ca : [...ca] },
  };
}
