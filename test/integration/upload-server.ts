import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { extract } from 'tar-stream';
import type { DevCsms } from '../../tools/dev-csms/dev-csms.js';
import { calls, until } from './harness.js';

/** One request the server received, with its whole body. */
export interface ReceivedUpload {
  method: string;
  path: string;
  authorization: string | undefined;
  body: Buffer;
}

/**
 * A real HTTP server on 127.0.0.1 that takes uploads (2.0.1 N01.FR.18: PUT or POST), keeps what
 * came, and answers `answerStatus` (201 by default; 403 to refuse). With a key and certificate, HTTPS.
 */
export class UploadServer {
  readonly received: ReceivedUpload[] = [];
  answerStatus = 201;
  /** Takes the body and never answers: an upload stays going on (for a cancel). */
  holdAnswers = false;
  /** Requests that began, answered or not. */
  started = 0;
  private constructor(
    private readonly server: Server,
    private readonly secure: boolean,
  ) {}

  static async start(tls?: { key: Buffer; cert: Buffer }): Promise<UploadServer> {
    const server = tls ? createTlsServer(tls) : createServer();
    const uploads = new UploadServer(server, tls !== undefined);
    server.on('request', (req: IncomingMessage, res) => {
      uploads.started++;
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        uploads.received.push({ method: req.method ?? '', path: req.url ?? '', authorization: req.headers.authorization, body: Buffer.concat(chunks) });
        if (uploads.holdAnswers) return;
        res.statusCode = uploads.answerStatus;
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return uploads;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** A URL on this server, with basic-auth credentials in it as a CSMS would give them (N01.FR.17). */
  url(path: string, credentials = 'logger:upload-secret-77'): string {
    return `${this.secure ? 'https' : 'http'}://${credentials}@127.0.0.1:${this.port}${path}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Unpacks a .tar.gz into its members' names and texts. */
export async function unpackTarGz(archive: Buffer): Promise<Map<string, string>> {
  const members = new Map<string, string>();
  const tar = extract();
  const done = new Promise<void>((resolve, reject) => {
    tar.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => void chunks.push(c as Buffer));
      stream.on('end', () => {
        members.set(header.name, Buffer.concat(chunks).toString('utf8'));
        next();
      });
      stream.resume();
    });
    tar.on('finish', resolve);
    tar.on('error', reject);
  });
  Readable.from([archive]).pipe(createGunzip()).pipe(tar);
  await done;
  return members;
}

/** A LogStatusNotification as both versions send it (2.0.1 N01, the 1.6 security whitepaper's N01). */
export interface LogStatus {
  status: string;
  requestId?: number;
}

/** GetLog's answer in both versions. */
export interface GetLogAnswer {
  status: string;
  filename?: string;
}

/** The LogStatusNotifications the station sent, oldest first. */
export const logStatuses = (csms: DevCsms): LogStatus[] => calls<LogStatus>(csms, 'LogStatusNotification');

/** Waits for a LogStatusNotification of status `final`; all of them so far. */
export async function logStatusesUntil(csms: DevCsms, final: string, timeoutMs = 8000): Promise<LogStatus[]> {
  await until(() => logStatuses(csms).some((s) => s.status === final), timeoutMs, `LogStatusNotification ${final}`);
  return logStatuses(csms);
}
