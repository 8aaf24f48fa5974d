import { createHash, createSign } from 'node:crypto';
import { createWriteStream, readFileSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { MANIFEST_FORMAT, MANIFEST_NAME, thisMachine } from '../../../src/release/manifest.js';
import { createCa, issueClientCertificate, type IssuedCertificate, type TestCa } from '../../helpers/test-pki.js';

/**
 * A manufacturer's firmware signing for tests: a root (the station's ManufacturerRootCertificate)
 * and a signing certificate under it, made at run time; the signature of a file as L01 wants it
 * (SHA-256 over the whole file with the signing key, base64).
 */
export interface FirmwareSigner {
  root: TestCa;
  signer: IssuedCertificate;
  /** A signing certificate under another root: InvalidCertificate. */
  stranger: IssuedCertificate;
  sign(file: string, key?: string): string;
}

export async function firmwareSigner(): Promise<FirmwareSigner> {
  const root = await createCa('Test Manufacturer Root');
  const signer = await issueClientCertificate(root, 'Test Firmware Signer');
  const other = await createCa('Someone Else');
  const stranger = await issueClientCertificate(other, 'Test Firmware Signer');
  return {
    root,
    signer,
    stranger,
    sign: (file, key = signer.keyPem) => createSign('sha256').update(readFileSync(file)).sign(key).toString('base64'),
  };
}

/**
 * A tiny but valid release package (src/release's format: a .tar.gz, release.json first with every
 * file's size and sha256, for this machine): the agent's entry and a package.json, nothing that runs.
 */
export async function tinyRelease(dir: string, version: string): Promise<string> {
  const files = new Map<string, Buffer>([
    ['dist/src/cli/main.js', Buffer.from(`// evse-agent ${version}, a release for tests\n`)],
    ['package.json', Buffer.from(JSON.stringify({ name: 'evse-agent', version }))],
  ]);
  const manifest = {
    format: MANIFEST_FORMAT,
    name: 'evse-agent',
    version,
    ...thisMachine(),
    createdAt: new Date().toISOString(),
    files: [...files].map(([member, content]) => ({ path: member, size: content.length, sha256: createHash('sha256').update(content).digest('hex'), mode: 0o644 })),
  };
  const pack = tar.pack();
  pack.entry({ name: MANIFEST_NAME }, JSON.stringify(manifest));
  for (const [member, content] of files) pack.entry({ name: member, mode: 0o644 }, content);
  pack.finalize();
  const file = path.join(dir, `evse-agent-${version}.release`);
  await pipeline(pack, createGzip(), createWriteStream(file));
  return file;
}
