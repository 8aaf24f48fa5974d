import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * A real FTP server on loopback for tests: pyftpdlib (Debian python3-pyftpdlib; .ci/run installs it),
 * with FTPS (explicit TLS, AUTH TLS) when given a certificate, which needs PyOpenSSL
 * (python3-openssl). Listens on 127.0.0.1 at a free port, passive transfers, one home folder per user.
 */

/** pyftpdlib permissions: e change dir, l list, r retrieve; a append, d delete, f rename, m mkdir, w store, M chmod, T mtime. */
export const FTP_READ_WRITE = 'elradfmwMT';
export const FTP_READ_ONLY = 'elr';

export interface FtpUser {
  name: string;
  password: string;
  /** The folder the user logs in to (must exist). */
  home: string;
  perm: string;
}

export interface FtpServerOptions {
  users: readonly FtpUser[];
  /** PEM files: FTPS required on control and data connections. */
  tls?: { certFile: string; keyFile: string };
}

export interface FtpServer {
  port: number;
  /** ftp:// (or ftps:// with tls) URL for a user, with the path after the host. */
  url(user: string, password: string, path?: string): string;
  close(): Promise<void>;
}

const SERVER_SCRIPT = `
import json, logging, sys
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.servers import FTPServer
config = json.loads(sys.argv[1])
logging.basicConfig(level=logging.WARNING)
authorizer = DummyAuthorizer()
for user in config["users"]:
    authorizer.add_user(user["name"], user["password"], user["home"], perm=user["perm"])
if config.get("tls"):
    from pyftpdlib.handlers import TLS_FTPHandler as Base, TLS_DTPHandler
    class DataHandler(TLS_DTPHandler):
        # pyftpdlib 1.5 closes a data connection that is readable before STOR/RETR came in, which
        # with PROT P is the case when the client does the TLS handshake first (basic-ftp does;
        # RFC 4217 allows it, vsftpd and ProFTPD accept it): keep it open and let the handshake run.
        def readable(self):
            if self._ssl_accepting or self._ssl_want_read:
                return True
            if not self.receive and not self._initialized:
                return False
            return super().readable()
else:
    from pyftpdlib.handlers import FTPHandler as Base
class Handler(Base):
    pass
if config.get("tls"):
    Handler.dtp_handler = DataHandler
Handler.authorizer = authorizer
Handler.auth_failed_timeout = 0
if config.get("tls"):
    Handler.certfile = config["tls"]["certFile"]
    Handler.keyfile = config["tls"]["keyFile"]
    Handler.tls_control_required = True
    Handler.tls_data_required = True
server = FTPServer(("127.0.0.1", 0), Handler)
print("LISTENING %d" % server.address[1], flush=True)
server.serve_forever()
`;

/** The first python3 that can import pyftpdlib (and OpenSSL, for TLS), or undefined. */
export function pyftpdlibPython(tls = false): string | undefined {
  const probe = tls ? 'import pyftpdlib, OpenSSL' : 'import pyftpdlib';
  // /usr/bin/python3 first: a pyenv or venv python3 earlier on PATH does not see Debian's packages.
  return ['/usr/bin/python3', 'python3'].find((python) => spawnSync(python, ['-c', probe], { stdio: 'ignore' }).status === 0);
}

export async function startFtpServer(options: FtpServerOptions): Promise<FtpServer> {
  const tls = options.tls !== undefined;
  const python = pyftpdlibPython(tls);
  if (python === undefined) {
    throw new Error(
      `the FTP upload tests need pyftpdlib${tls ? ' with PyOpenSSL' : ''}: apt-get install python3-pyftpdlib${tls ? ' python3-openssl' : ''} (.ci/run installs them)`,
    );
  }
  const child: ChildProcess = spawn(python, ['-c', SERVER_SCRIPT, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    errors = (errors + chunk.toString()).slice(-4000);
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error('pyftpdlib did not start within 10 s')), 10_000);
    const lines = createInterface({ input: child.stdout! });
    const fail = (error: Error): void => {
      clearTimeout(timer);
      child.kill();
      reject(new Error(`${error.message}\n${errors}`));
    };
    const onExit = (code: number | null): void => fail(new Error(`pyftpdlib exited (${code}) before listening`));
    lines.on('line', (line) => {
      const match = /^LISTENING (\d+)$/.exec(line);
      if (match === null) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      resolve(Number(match[1]));
    });
    child.once('exit', onExit);
  });
  const scheme = tls ? 'ftps' : 'ftp';
  return {
    port,
    url: (user, password, path = '/') =>
      `${scheme}://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}${path.startsWith('/') ? path : `/${path}`}`,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}
