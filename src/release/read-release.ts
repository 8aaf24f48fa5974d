import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { tarStream } from '../util/tar-stream.js';
import { checkTarget, InvalidRelease, MANIFEST_NAME, parseManifest, thisMachine, type ReleaseFile, type ReleaseManifest, type ReleaseTarget } from './manifest.js';

/** Where a member's bytes go while it is checked (installRelease writes them; readRelease only hashes). */
export interface MemberSink {
  write(chunk: Buffer): Promise<void>;
  /** The member's bytes have all passed (called also when reading it failed); the check follows. */
  close(): Promise<void>;
}

export interface WalkOptions {
  /** The machine the release must match; this one by default. */
  target?: ReleaseTarget;
  /** Called once the manifest is read and accepted, before any other member. */
  onManifest?: (manifest: ReleaseManifest) => Promise<void> | void;
  /** Where a member's bytes go; none: they are only hashed. */
  sink?: (file: ReleaseFile) => Promise<MemberSink>;
}

/** A manifest of several MB would be a broken package, not a release. */
const MANIFEST_MAX_BYTES = 16 * 1024 * 1024;

async function readAll(entry: AsyncIterable<Buffer>, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of entry) {
    size += chunk.length;
    if (size > limit) throw new InvalidRelease(`${MANIFEST_NAME} is larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/** Gzip and tar errors (a cut or garbled file) as InvalidRelease; ours pass as they are. */
function asInvalid(err: unknown): Error {
  if (err instanceof InvalidRelease) return err;
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: string }).code;
  if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') return new InvalidRelease(`cannot read the package (${message})`);
  if (code === 'ENOSPC' || code === 'EROFS' || code === 'EDQUOT') return err as Error;
  return new InvalidRelease(`not a readable .tar.gz (${message})`);
}

/**
 * Reads a release package as a stream, once: the manifest first (checked, and against the target
 * machine), then every member, each hashed and compared with the manifest as it passes. A member
 * that is not listed, a listed one that is missing, a size or sha256 that differs, or a cut file
 * all throw InvalidRelease. Nothing is held in memory but one chunk and the manifest.
 */
export async function walkRelease(file: string, options: WalkOptions = {}): Promise<ReleaseManifest> {
  const extract = tarStream().extract();
  const piping = pipeline(createReadStream(file), createGunzip(), extract);
  // Its failure also ends the iteration below, which reports it.
  piping.catch(() => undefined);
  let manifest: ReleaseManifest | undefined;
  let listed = new Map<string, ReleaseFile>();
  const seen = new Set<string>();
  try {
    for await (const entry of extract) {
      const { name, type, size } = entry.header;
      if (manifest === undefined) {
        if (name !== MANIFEST_NAME || type !== 'file') throw new InvalidRelease(`the first member is ${JSON.stringify(name)}, not ${MANIFEST_NAME}`);
        manifest = parseManifest((await readAll(entry as AsyncIterable<Buffer>, MANIFEST_MAX_BYTES)).toString('utf8'));
        checkTarget(manifest, options.target ?? thisMachine());
        listed = new Map(manifest.files.map((f) => [f.path, f]));
        await options.onManifest?.(manifest);
        continue;
      }
      const expected = listed.get(name);
      if (expected === undefined) throw new InvalidRelease(`${JSON.stringify(name)} is in the package but not in the manifest`);
      if (type !== 'file') throw new InvalidRelease(`${name} is a ${type ?? 'member of no type'}, not a file`);
      if (seen.has(name)) throw new InvalidRelease(`${name} is in the package twice`);
      if (size !== expected.size) throw new InvalidRelease(`${name} is ${size ?? '?'} bytes, the manifest says ${expected.size}`);
      seen.add(name);
      const hash = createHash('sha256');
      const sink = await options.sink?.(expected);
      try {
        for await (const chunk of entry as AsyncIterable<Buffer>) {
          hash.update(chunk);
          await sink?.write(chunk);
        }
      } finally {
        // Closed whatever happens; a member that then fails its check is removed with its folder.
        await sink?.close();
      }
      if (hash.digest('hex') !== expected.sha256) throw new InvalidRelease(`${name} does not match its sha256 in the manifest`);
    }
    await piping;
  } catch (err) {
    extract.destroy();
    throw asInvalid(err);
  }
  if (manifest === undefined) throw new InvalidRelease('the package is empty');
  const missing = manifest.files.find((f) => !seen.has(f.path));
  if (missing) throw new InvalidRelease(`${missing.path} is in the manifest but not in the package`);
  return manifest;
}

/**
 * The manifest of a release package, once the whole package has been checked without unpacking it
 * (issue 15): the manifest parses, the platform, arch and Node ABI match this machine, and every
 * listed file is there with its sha256. InvalidRelease with the reason otherwise.
 */
export function readRelease(file: string, target?: ReleaseTarget): Promise<ReleaseManifest> {
  return walkRelease(file, target === undefined ? {} : { target });
}
