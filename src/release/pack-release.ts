import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, lstatSync, readFileSync } from 'node:fs';
import { lstat, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { isSafeVersion, MANIFEST_FORMAT, MANIFEST_NAME, thisMachine, type ReleaseArch, type ReleaseFile, type ReleaseManifest } from './manifest.js';

/**
 * `evse-agent release pack`: the release package of a checkout (issue 15): the manifest, then
 * package.json, package-lock.json, dist/, hardware/, config/, systemd/, src/web/ and the production
 * dependencies as `npm ls --omit=dev` lists them, copied from this checkout's node_modules with
 * their native modules as built here (nothing is downloaded). Written as a stream: tar-stream into
 * zlib into the file, one chunk at a time.
 */

/** Folders and files of the checkout that a release carries besides node_modules (package.json's "files"; src/web: the status page, served as is). */
const RELEASE_FOLDERS = ['dist', 'hardware', 'config', 'systemd', 'src/web'];
const RELEASE_TOP_FILES = ['package.json', 'package-lock.json'];

export interface PackOptions {
  /** The checkout to pack (the one `evse-agent` runs from). */
  from: string;
  out: string;
  /** Default: package.json's. */
  version?: string;
  now?: Date;
  /** What was left out (a symlink), for the command to print. */
  warn?: (message: string) => void;
}

interface Found {
  member: string;
  absolute: string;
  /** The member's bytes when they differ from the file's (package.json with --version). */
  body?: Buffer;
}

async function listTree(root: string, relative: string, found: Found[], skip: (member: string) => boolean, warn: (m: string) => void): Promise<void> {
  const absolute = path.join(root, relative);
  const info = await lstat(absolute);
  if (info.isSymbolicLink()) {
    warn(`left out ${relative}: a symbolic link`);
  } else if (info.isDirectory()) {
    for (const name of (await readdir(absolute)).sort()) {
      const member = `${relative}/${name}`;
      if (!skip(member)) await listTree(root, member, found, skip, warn);
    }
  } else if (info.isFile()) {
    found.push({ member: relative, absolute });
  }
}

/** The production packages' folders under node_modules, relative ('node_modules/x', 'node_modules/a/node_modules/b'). */
async function productionPackages(from: string): Promise<string[]> {
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)('npm', ['ls', '--omit=dev', '--parseable', '--all', '--loglevel=error'], { cwd: from, maxBuffer: 16 * 1024 * 1024 }));
  } catch (err) {
    // npm ls exits 1 on a problem it also prints (an extraneous package) but lists the tree anyway.
    stdout = (err as { stdout?: string }).stdout ?? '';
    if (stdout === '') throw new Error(`npm ls --omit=dev failed in ${from}: ${(err as Error).message}`, { cause: err });
  }
  return stdout.split('\n').map((line) => path.relative(from, line.trim()).split(path.sep).join('/')).filter((rel) => rel.startsWith('node_modules/'));
}

/**
 * Files up to this size are read whole, synchronously (most of node_modules: thousands of small
 * files, where an asynchronous open/stat/read/close each spent the pack waiting); larger ones are
 * streamed. Packing is a build step, not the agent: blocking its event loop costs nothing.
 */
const SMALL_FILE_BYTES = 256 * 1024;

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

async function sha256Of(file: string, size: number): Promise<string> {
  if (size <= SMALL_FILE_BYTES) return sha256(readFileSync(file));
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

async function describe(found: Found): Promise<ReleaseFile> {
  if (found.body) return { path: found.member, size: found.body.length, sha256: sha256(found.body), mode: 0o644 };
  const info = lstatSync(found.absolute);
  return { path: found.member, size: info.size, sha256: await sha256Of(found.absolute, info.size), mode: info.mode & 0o777 };
}

/** Thousands of small files: hashed a few at a time rather than one by one. */
async function describeAll(found: readonly Found[]): Promise<ReleaseFile[]> {
  const files = new Array<ReleaseFile>(found.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < found.length) {
      const i = next++;
      files[i] = await describe(found[i]!);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return files;
}

/** Writes one member, hashing it again on the way: a file that changed since the manifest was made stops the pack. */
async function addMember(pack: ReturnType<typeof tar.pack>, file: ReleaseFile, found: Found, mtime: Date): Promise<void> {
  const header = { name: file.path, size: file.size, mode: file.mode, mtime };
  const absolute = found.absolute;
  if (found.body || file.size <= SMALL_FILE_BYTES) {
    const body = found.body ?? readFileSync(absolute);
    if (sha256(body) !== file.sha256) throw new Error(`${file.path} changed while the release was being packed`);
    return new Promise((resolve, reject) => pack.entry(header, body, (err) => (err ? reject(err) : resolve())));
  }
  return new Promise((resolve, reject) => {
    const entry = pack.entry(header, (err) => (err ? reject(err) : resolve()));
    const copy = async (): Promise<void> => {
      const hash = createHash('sha256');
      for await (const chunk of createReadStream(absolute) as AsyncIterable<Buffer>) {
        hash.update(chunk);
        if (!entry.write(chunk)) await new Promise<void>((drained) => entry.once('drain', () => drained()));
      }
      if (hash.digest('hex') !== file.sha256) throw new Error(`${file.path} changed while the release was being packed`);
      entry.end(undefined);
    };
    copy().catch((err: unknown) => {
      const error = err instanceof Error ? err : new Error(String(err));
      entry.destroy(error);
      reject(error);
    });
  });
}

/**
 * Joins the pack's small pieces (a 512-byte header, a small file) into about 64 KiB before zlib:
 * each write to zlib is one job on the thread pool, and thousands of tiny ones left the pack waiting.
 */
function batched(limit = 64 * 1024): Transform {
  let pieces: Buffer[] = [];
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      pieces.push(chunk);
      size += chunk.length;
      if (size < limit) return done();
      const joined = Buffer.concat(pieces, size);
      pieces = [];
      size = 0;
      done(null, joined);
    },
    flush(done) {
      done(null, size > 0 ? Buffer.concat(pieces, size) : undefined);
    },
  });
}

/** Builds the package at `options.out` (written beside it, renamed when complete); returns its manifest. */
export async function packRelease(options: PackOptions): Promise<ReleaseManifest> {
  const from = path.resolve(options.from);
  const warn = options.warn ?? (() => undefined);
  const pkgText = await readFile(path.join(from, 'package.json'), 'utf8');
  const pkg = JSON.parse(pkgText) as { name?: string; version?: string };
  const version = options.version ?? pkg.version ?? '';
  if (!isSafeVersion(version)) throw new Error(`"${version}" cannot be a release version (letters, digits, . + _ -)`);
  if (!existsSync(path.join(from, 'dist', 'src', 'cli', 'main.js'))) throw new Error(`${from}/dist is not built: run npm run build first`);
  const machine = thisMachine();
  if (machine.platform !== 'linux' || !['arm64', 'armhf', 'x64'].includes(machine.arch)) {
    throw new Error(`releases are built on linux arm64, armhf or x64, not ${machine.platform} ${machine.arch}`);
  }

  const out = path.resolve(options.out);
  const partial = `${out}.partial`;
  const found: Found[] = RELEASE_TOP_FILES.filter((f) => existsSync(path.join(from, f))).map((f) => ({ member: f, absolute: path.join(from, f) }));
  // The release says its own version (`evse-agent version`, BootNotification's firmwareVersion).
  if (version !== pkg.version) found[0]!.body = Buffer.from(`${JSON.stringify({ ...pkg, version }, null, 2)}\n`, 'utf8');
  const notOutput = (member: string): boolean => [out, partial].includes(path.join(from, member));
  for (const folder of RELEASE_FOLDERS) {
    if (existsSync(path.join(from, folder))) await listTree(from, folder, found, (m) => notOutput(m), warn);
  }
  // A package's own node_modules: its production dependencies are listed on their own; the rest are development-only.
  for (const dir of await productionPackages(from)) {
    await listTree(from, dir, found, (m) => notOutput(m) || path.posix.basename(m) === 'node_modules', warn);
  }
  const files = await describeAll(found);

  const createdAt = options.now ?? new Date();
  const manifest: ReleaseManifest = {
    format: MANIFEST_FORMAT,
    name: pkg.name ?? 'evse-agent',
    version,
    platform: 'linux',
    arch: machine.arch as ReleaseArch,
    nodeAbi: machine.nodeAbi,
    createdAt: createdAt.toISOString(),
    files,
  };

  const pack = tar.pack();
  const written = pipeline(pack, batched(), createGzip(), createWriteStream(partial, { mode: 0o644 }));
  try {
    const manifestBody = Buffer.from(`${JSON.stringify(manifest, null, 1)}\n`, 'utf8');
    await new Promise<void>((resolve, reject) => pack.entry({ name: MANIFEST_NAME, size: manifestBody.length, mode: 0o644, mtime: createdAt }, manifestBody, (err) => (err ? reject(err) : resolve())));
    for (const [i, file] of files.entries()) await addMember(pack, file, found[i]!, createdAt);
    pack.finalize();
    await written;
    await rename(partial, out);
  } catch (err) {
    pack.destroy();
    await written.catch(() => undefined);
    await rm(partial, { force: true });
    throw err;
  }
  return manifest;
}
