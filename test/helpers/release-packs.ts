import { createReadStream, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { MANIFEST_NAME, type ReleaseManifest } from '../../src/release/manifest.js';
import { repoRoot, runInProcess } from './cli.js';
import { makeTempDir } from './temp-dir.js';

/**
 * The release package of this checkout, made by `evse-agent release pack` (issue 15), once per run
 * and version: a pack reads some 6500 files and takes seconds. In npm test's run
 * (EVSE_AGENT_TEST_BUILT_CLI: dist/ is the run's own build, TMPDIR the run's own folder, removed at
 * its end) the packs are kept in the run's temp folder, where every worker finds them; run by hand,
 * once per mocha process (a pack left in /tmp could be of an older build). The files are shared:
 * a test that changes one works on a copy.
 */

/** The version the tests pack this checkout as when they want one that is not its own. */
export const TEST_RELEASE_VERSION = '99.0.0-e2e';

export interface PackedCheckout {
  file: string;
  /** What packRelease returned when it packed the file. */
  manifest: ReleaseManifest;
}

const packs = new Map<string, Promise<PackedCheckout>>();

/** Whether dist/ holds a build to pack (npm test builds it first). */
export function checkoutBuilt(): boolean {
  return existsSync(path.join(repoRoot, 'dist', 'src', 'cli', 'main.js'));
}

/** The checkout's own version (package.json). */
export function checkoutVersion(): string {
  return (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
}

function packFolder(): string {
  if (!process.env['EVSE_AGENT_TEST_BUILT_CLI']) return makeTempDir('evse-release-packs');
  const dir = path.join(os.tmpdir(), 'evse-release-packs');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The manifest as packed: the package's first member, as it is (readRelease's checks are what the tests test). */
async function manifestMember(file: string): Promise<ReleaseManifest> {
  const extract = tar.extract();
  const reading = pipeline(createReadStream(file), createGunzip(), extract).catch(() => undefined);
  let text: string | undefined;
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry as AsyncIterable<Buffer>) chunks.push(chunk);
    if (entry.header.name === MANIFEST_NAME) text = Buffer.concat(chunks).toString('utf8');
    break;
  }
  extract.destroy();
  await reading;
  if (text === undefined) throw new Error(`${file} does not begin with ${MANIFEST_NAME}`);
  return JSON.parse(text) as ReleaseManifest;
}

async function pack(version: string): Promise<PackedCheckout> {
  const dir = packFolder();
  const file = path.join(dir, `evse-agent-${version}.tar.gz`);
  const manifestFile = `${file}.manifest.json`;
  if (existsSync(file)) return { file, manifest: JSON.parse(readFileSync(manifestFile, 'utf8')) as ReleaseManifest };
  // Packed under names of this process, then renamed (the manifest first): two workers packing at once each write their own.
  const mine = path.join(dir, `evse-agent-${version}.${process.pid}.tar.gz`);
  const { code, stdout, stderr } = await runInProcess(['release', 'pack', '--out', mine, '--version', version]);
  if (code !== 0 || !stdout.includes(`evse-agent ${version} for linux`)) throw new Error(`release pack exited ${code}: ${stdout}${stderr}`);
  const manifest = await manifestMember(mine);
  writeFileSync(`${mine}.manifest.json`, JSON.stringify(manifest));
  renameSync(`${mine}.manifest.json`, manifestFile);
  renameSync(mine, file);
  return { file, manifest };
}

/** The package of this checkout as `version` (default: the checkout's own), and its manifest; do not change the file. */
export function packedCheckout(version: string = checkoutVersion()): Promise<PackedCheckout> {
  let packed = packs.get(version);
  if (!packed) {
    packed = pack(version);
    packs.set(version, packed);
    packed.catch(() => packs.delete(version));
  }
  return packed;
}
