import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { packageRoot } from '../../paths.js';
import { EXIT } from '../../process/lifecycle.js';
import { FirmwareCertificateInvalid, FirmwareSignatureInvalid, signFirmwareFile, verifyFirmwareSignature } from '../../release/firmware-signature.js';
import { InvalidRelease } from '../../release/manifest.js';
import { packRelease } from '../../release/pack-release.js';
import { readRelease } from '../../release/read-release.js';
import { UsageError, type CliIo } from '../io.js';

/**
 * `evse-agent release pack|sign|verify|check` (issue 15): the firmware of this project is an
 * evse-agent release package, built from the checkout the command runs from, signed with the
 * manufacturer's signing key, checked the way the station checks it (OCPP 2.0.1 L01, 1.6 security
 * whitepaper SignedUpdateFirmware).
 */

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

async function pack(io: CliIo, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { out: { type: 'string', short: 'o' }, version: { type: 'string' } } });
  if (!values.out || positionals.length > 0) throw new UsageError('release pack takes --out FILE [--version V]');
  const manifest = await packRelease({
    from: packageRoot,
    out: values.out,
    ...(values.version ? { version: values.version } : {}),
    warn: (m) => io.stderr.write(`warning: ${m}\n`),
  });
  io.stdout.write(`${values.out}: ${manifest.name} ${manifest.version} for ${manifest.platform} ${manifest.arch}, Node ABI ${manifest.nodeAbi}, ${manifest.files.length} files\n`);
  return EXIT.ok;
}

async function sign(io: CliIo, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { key: { type: 'string' }, cert: { type: 'string' } } });
  const [file, ...extra] = positionals;
  if (!values.key || !values.cert || !file || extra.length > 0) throw new UsageError('release sign takes --key KEY.pem --cert CERT.pem FILE');
  if (!existsSync(file)) throw new UsageError(`no file ${file}`);
  const signature = await signFirmwareFile(file, readText(values.key, 'the key'), readText(values.cert, 'the certificate'));
  writeFileSync(`${file}.sig`, `${signature}\n`);
  // The signing certificate travels with the signature: UpdateFirmware's signingCertificate.
  copyFileSync(values.cert, `${file}.cert.pem`);
  io.stdout.write(`${signature}\n`);
  io.stderr.write(`wrote ${file}.sig and ${file}.cert.pem\n`);
  return EXIT.ok;
}

async function verify(io: CliIo, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { cert: { type: 'string' }, roots: { type: 'string' } } });
  const [file, sig, ...extra] = positionals;
  if (!values.cert || !values.roots || !file || !sig || extra.length > 0) throw new UsageError('release verify takes --cert CERT.pem --roots ROOTS.pem FILE SIG');
  // SIG is the .sig file `release sign` wrote, or the base64 text itself.
  const signature = existsSync(sig) ? readText(sig, 'the signature') : sig;
  try {
    await verifyFirmwareSignature(file, signature, readText(values.cert, 'the certificate'), [readText(values.roots, 'the roots')]);
  } catch (err) {
    if (err instanceof FirmwareSignatureInvalid || err instanceof FirmwareCertificateInvalid) {
      io.stderr.write(`${file}: ${err.name}: ${err.message}\n`);
      return EXIT.failure;
    }
    throw err;
  }
  io.stdout.write(`${file}: signature and certificate chain valid\n`);
  return EXIT.ok;
}

async function check(io: CliIo, args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  const [file, ...extra] = positionals;
  if (!file || extra.length > 0) throw new UsageError('release check takes FILE');
  try {
    const m = await readRelease(file);
    io.stdout.write(`${file}: ${m.name} ${m.version} for ${m.platform} ${m.arch}, Node ABI ${m.nodeAbi}, built ${m.createdAt}, ${m.files.length} files: valid here\n`);
    return EXIT.ok;
  } catch (err) {
    if (!(err instanceof InvalidRelease)) throw err;
    io.stderr.write(`${file}: ${err.reason}\n`);
    return EXIT.failure;
  }
}

/** `evse-agent release <pack|sign|verify|check> ...`; resolves with the exit code. */
export async function releaseCommand(io: CliIo, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'pack':
      return pack(io, rest);
    case 'sign':
      return sign(io, rest);
    case 'verify':
      return verify(io, rest);
    case 'check':
      return check(io, rest);
    default:
      throw new UsageError(`unknown release command "${sub ?? ''}" (try: release pack, sign, verify, check)`);
  }
}
