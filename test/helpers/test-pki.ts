import { randomBytes, webcrypto } from 'node:crypto';
import net, { type AddressInfo } from 'node:net';
import tls from 'node:tls';
import { x509 } from '../../src/services/certificates/x509.js';

/**
 * A public key infrastructure made at run time for tests (issue 15): CAs, server, client and
 * signed-CSR certificates with @peculiar/x509 and WebCrypto, no openssl CLI and no fixtures, so
 * validity windows can be chosen per test. ECDSA P-256 with SHA-256 (OCPP 2.0.1 Part 2 A00.FR.321
 * allows secp256r1) keeps key generation in milliseconds.
 */

const SIGNING = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;

/** A certificate and its private key, both PEM (the key PKCS#8). */
export interface IssuedCertificate {
  certPem: string;
  keyPem: string;
}

/** A CA that can issue: its certificate, key, and what signing needs. */
export interface TestCa extends IssuedCertificate {
  name: string;
  cert: x509.X509Certificate;
  keys: webcrypto.CryptoKeyPair;
}

export interface ValidityOptions {
  /** Default: a day ago. */
  notBefore?: Date;
  /** Default: a year from now. */
  notAfter?: Date;
  /** Hex, no 0x; default random (positive, 8 bytes). */
  serialNumber?: string;
}

export interface CaOptions extends ValidityOptions {
  /** A sub-CA signed by this CA; default: a self-signed root. */
  issuer?: TestCa;
  /** basicConstraints pathLenConstraint; default none. */
  pathLength?: number;
  /** RSA 2048 with SHA-256 instead of ECDSA P-256 (many CSMS roots are RSA). */
  rsa?: boolean;
}

const randomSerial = (): string => {
  const bytes = randomBytes(8);
  bytes[0] = (bytes[0]! & 0x7f) | 0x10; // positive, and no leading zero byte
  return bytes.toString('hex');
};

const validity = (opts: ValidityOptions) => ({
  serialNumber: opts.serialNumber ?? randomSerial(),
  notBefore: opts.notBefore ?? new Date(Date.now() - DAY_MS),
  notAfter: opts.notAfter ?? new Date(Date.now() + 365 * DAY_MS),
});

const RSA_SIGNING = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) } as const;

const newKeys = (rsa = false): Promise<webcrypto.CryptoKeyPair> =>
  webcrypto.subtle.generateKey(rsa ? RSA_SIGNING : SIGNING, true, ['sign', 'verify']) as Promise<webcrypto.CryptoKeyPair>;

/** The signing algorithm of a CA's key. */
const signingOf = (ca: TestCa) => (ca.keys.privateKey.algorithm.name === 'ECDSA' ? SIGNING : RSA_SIGNING);

async function keyPem(keys: webcrypto.CryptoKeyPair): Promise<string> {
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey as webcrypto.CryptoKey);
  return x509.PemConverter.encode(pkcs8, 'PRIVATE KEY');
}

/** A root CA named `CN=<name>` (or a sub-CA of `opts.issuer`). */
export async function createCa(name: string, opts: CaOptions = {}): Promise<TestCa> {
  const keys = await newKeys(opts.rsa);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(true, opts.pathLength, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  const subject = `CN=${name}`;
  const cert = opts.issuer
    ? await x509.X509CertificateGenerator.create({
        ...validity(opts),
        subject,
        issuer: opts.issuer.cert.subject,
        publicKey: keys.publicKey,
        signingKey: opts.issuer.keys.privateKey,
        signingAlgorithm: signingOf(opts.issuer),
        extensions: [...extensions, await x509.AuthorityKeyIdentifierExtension.create(opts.issuer.keys.publicKey)],
      })
    : await x509.X509CertificateGenerator.createSelfSigned({ ...validity(opts), name: subject, keys, signingAlgorithm: opts.rsa ? RSA_SIGNING : SIGNING, extensions });
  return { name, cert, keys, certPem: cert.toString('pem'), keyPem: await keyPem(keys) };
}

async function issue(ca: TestCa, subject: string, publicKey: x509.PublicKeyType, opts: ValidityOptions, extensions: x509.Extension[]): Promise<string> {
  const cert = await x509.X509CertificateGenerator.create({
    ...validity(opts),
    subject,
    issuer: ca.cert.subject,
    publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: signingOf(ca),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
      await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey),
      ...extensions,
    ],
  });
  return cert.toString('pem');
}

export interface ServerCertificateOptions extends ValidityOptions {
  /** IP addresses and DNS names for subjectAltName; default 127.0.0.1 and localhost. */
  hosts?: string[];
  commonName?: string;
}

/** A TLS server certificate for `hosts` (subjectAltName), signed by `ca`. */
export async function issueServerCertificate(ca: TestCa, opts: ServerCertificateOptions = {}): Promise<IssuedCertificate> {
  const keys = await newKeys();
  const hosts = opts.hosts ?? ['127.0.0.1', 'localhost'];
  const names = hosts.map((h) => ({ type: net.isIP(h) ? ('ip' as const) : ('dns' as const), value: h }));
  const certPem = await issue(ca, `CN=${opts.commonName ?? hosts[0] ?? 'server'}`, keys.publicKey, opts, [
    new x509.SubjectAlternativeNameExtension(names),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
  ]);
  return { certPem, keyPem: await keyPem(keys) };
}

export interface ClientCertificateOptions extends ValidityOptions {
  /** Organization (O=) of the subject; OCPP A00.FR.417 wants the CPO's name there. */
  organization?: string;
}

/** A TLS client certificate `CN=<commonName>` (profile 3: the charging station's), signed by `ca`. */
export async function issueClientCertificate(ca: TestCa, commonName: string, opts: ClientCertificateOptions = {}): Promise<IssuedCertificate> {
  const keys = await newKeys();
  const subject = opts.organization ? `CN=${commonName}, O=${opts.organization}` : `CN=${commonName}`;
  const certPem = await issue(ca, subject, keys.publicKey, opts, [new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth])]);
  return { certPem, keyPem: await keyPem(keys) };
}

/** The certificate for a PKCS#10 request (its subject and key), signed by `ca` as a client certificate. Throws if the CSR's own signature is bad. */
export async function signCsr(ca: TestCa, csrPem: string, opts: ValidityOptions = {}): Promise<{ certPem: string }> {
  const csr = new x509.Pkcs10CertificateRequest(csrPem);
  if (!(await csr.verify())) throw new Error('CSR signature does not verify');
  const certPem = await issue(ca, csr.subject, csr.publicKey, opts, [
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth, x509.ExtendedKeyUsage.serverAuth]),
  ]);
  return { certPem };
}

export interface TlsCsmsOptions {
  /** The port of the plain ws:// CSMS behind this front (a DevCsms's port), or where to read it at each connection; none: every connection is dropped after the TLS handshake. */
  backendPort?: number | (() => number);
  /** The server certificate and key to present; append sub-CA PEMs to certPem for a chain. */
  server: IssuedCertificate;
  /** Profile 3: ask for a client certificate and accept only one that chains to these CA PEMs. */
  clientCas?: string[];
  /** Port to listen on (0: any free one). */
  port?: number;
}

export interface TlsCsms {
  port: number;
  /** wss://127.0.0.1:<port>/ocpp — give it as ocpp.url. */
  url: string;
  /** The subjects of the client certificates presented on the connections so far (profile 3). */
  clientSubjects: string[];
  /** Their serial numbers (hex, as node:crypto spells them), in the same order. */
  clientSerials: string[];
  /** Stops listening and drops every connection through it (an outage). */
  close(): Promise<void>;
}

/**
 * A wss:// CSMS: a TLS front on 127.0.0.1 that terminates TLS and passes the bytes to a plain
 * dev CSMS (tools/dev-csms), with client-certificate verification for security profile 3.
 */
export async function tlsCsms(opts: TlsCsmsOptions): Promise<TlsCsms> {
  const sockets = new Set<net.Socket>();
  const clientSubjects: string[] = [];
  const clientSerials: string[] = [];
  const track = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };
  const verifying = opts.clientCas !== undefined;
  const server = tls.createServer(
    { cert: opts.server.certPem, key: opts.server.keyPem, requestCert: verifying, rejectUnauthorized: verifying, ...(verifying ? { ca: opts.clientCas } : {}) },
    (socket) => {
      const peer = socket.getPeerX509Certificate();
      if (peer) clientSubjects.push(peer.subject);
      if (peer) clientSerials.push(peer.serialNumber);
      if (opts.backendPort === undefined) return void socket.destroy();
      const backend = net.connect(typeof opts.backendPort === 'number' ? opts.backendPort : opts.backendPort(), '127.0.0.1');
      track(backend);
      socket.pipe(backend).pipe(socket);
      socket.on('error', () => backend.destroy());
      backend.on('error', () => socket.destroy());
      socket.on('close', () => backend.destroy());
      backend.on('close', () => socket.destroy());
    },
  );
  server.on('connection', track);
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', resolve);
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `wss://127.0.0.1:${port}/ocpp`,
    clientSubjects,
    clientSerials,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
