import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { firmwareVersion } from '../../src/app/agent.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { firmwareSigner, tinyRelease, type FirmwareSigner } from '../services/firmware/firmware-kit.js';

/** One GET the server received. */
export interface FirmwareFetch {
  path: string;
  range: string | undefined;
  authorization: string | undefined;
}

/**
 * A real HTTP server on 127.0.0.1 that serves firmware files with Range (RFC 9110 14.2), and can
 * cut a response: `cutAfter` bytes of the next whole-file answers go out with the full
 * Content-Length, then the connection is destroyed, as a dropped link does.
 */
export class FirmwareServer {
  readonly fetches: FirmwareFetch[] = [];
  private readonly files = new Map<string, Buffer>();
  /** Answers to cut, one per request, each after so many bytes. */
  cuts: number[] = [];
  /** Ignore Range and send the whole file (a server without range support). */
  ignoreRange = false;

  private constructor(private readonly server: Server) {
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.answer(req, res));
  }

  static async start(): Promise<FirmwareServer> {
    const firmware = new FirmwareServer(createServer());
    await new Promise<void>((resolve) => firmware.server.listen(0, '127.0.0.1', resolve));
    return firmware;
  }

  serve(path: string, content: Buffer): void {
    this.files.set(path, content);
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** A URL on this server, with basic-auth credentials as a CSMS may give them. */
  url(path: string, credentials = 'firmware:download-secret-42'): string {
    return `http://${credentials}@127.0.0.1:${this.port}${path}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '').split('?')[0]!;
    this.fetches.push({ path, range: req.headers.range, authorization: req.headers.authorization });
    const content = this.files.get(path);
    if (!content) {
      res.statusCode = 404;
      res.end();
      return;
    }
    const range = this.ignoreRange ? undefined : /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    let from = 0;
    if (range) {
      from = Number(range[1]);
      if (from >= content.length) {
        res.writeHead(416, { 'content-range': `bytes */${content.length}` });
        res.end();
        return;
      }
      res.writeHead(206, { 'content-length': content.length - from, 'content-range': `bytes ${from}-${content.length - 1}/${content.length}` });
    } else {
      res.writeHead(200, { 'content-length': content.length, 'accept-ranges': 'bytes' });
    }
    const body = content.subarray(from);
    const cut = this.cuts.shift();
    if (cut === undefined) {
      res.end(body);
      return;
    }
    res.write(body.subarray(0, cut), () => setTimeout(() => res.socket?.destroy(), 20));
  }
}

/** What the firmware tests share: a signing CA and a tiny release of the running version, served by a fresh server per test. */
export interface FirmwareFixture {
  server: FirmwareServer;
  signing: FirmwareSigner;
  /** The release package's file. */
  release: string;
}

/**
 * Registers the mocha hooks of that fixture in the calling describe: the CA and the release made once
 * (the version this checkout runs: started again, it is the release installed), the release served at
 * /evse-agent.release for each test, the server stopped after it, then `after` (the harness's afterEach).
 */
export function firmwareFixture(after: (this: Mocha.Context) => Promise<void>): FirmwareFixture {
  const fx = {} as FirmwareFixture;
  before(async () => {
    fx.signing = await firmwareSigner();
    fx.release = await tinyRelease(makeTempDir('firmware-release'), firmwareVersion());
  });
  beforeEach(async () => {
    fx.server = await FirmwareServer.start();
    fx.server.serve('/evse-agent.release', readFileSync(fx.release));
  });
  afterEach(async function (this: Mocha.Context) {
    await fx.server.stop();
    await after.call(this);
  });
  return fx;
}
