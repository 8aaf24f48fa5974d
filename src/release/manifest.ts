import path from 'node:path';

/**
 * The manifest of an evse-agent release package (issue 15, "Firmware"): what was built, for which
 * machine, and the sha256 of every file. It is the package's first member, so a reader can refuse a
 * package for another machine before reading the rest.
 */

/** The manifest's member name; always the first member of the package. */
export const MANIFEST_NAME = 'release.json';
export const MANIFEST_FORMAT = 1;

/** The architectures a release is built for (Raspberry Pi OS 64-bit and 32-bit, a PC). */
export type ReleaseArch = 'arm64' | 'armhf' | 'x64';

export interface ReleaseFile {
  /** Relative to the release's root, '/'-separated. */
  path: string;
  size: number;
  sha256: string;
  /** Permission bits (0o755 for an executable). */
  mode: number;
}

export interface ReleaseManifest {
  format: typeof MANIFEST_FORMAT;
  name: string;
  version: string;
  platform: 'linux';
  arch: ReleaseArch;
  /** process.versions.modules of the Node that built it: the native modules' ABI. */
  nodeAbi: string;
  createdAt: string;
  files: ReleaseFile[];
}

/** A package that is not a valid release for this machine; `reason` says why (for InstallationFailed's log). */
export class InvalidRelease extends Error {
  constructor(readonly reason: string) {
    super(`invalid release package: ${reason}`);
    this.name = 'InvalidRelease';
  }
}

/** The machine a release must match to run here. */
export interface ReleaseTarget {
  platform: string;
  arch: string;
  nodeAbi: string;
}

/** process.arch in the names the releases use (Node calls 32-bit ARM "arm"; Debian calls it armhf). */
export function releaseArch(nodeArch: string = process.arch): string {
  return nodeArch === 'arm' ? 'armhf' : nodeArch;
}

export function thisMachine(): ReleaseTarget {
  return { platform: process.platform, arch: releaseArch(), nodeAbi: process.versions.modules };
}

const VERSION_PATTERN = /^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$/;

/** A version usable as a folder name under releases/ (no '/', no '..', not hidden). */
export function isSafeVersion(version: string): boolean {
  return VERSION_PATTERN.test(version) && !version.includes('..');
}

/** A member path that stays inside the release when unpacked: relative, normalised, no '..'. */
export function isSafeMemberPath(member: string): boolean {
  if (member.length === 0 || member.startsWith('/') || member.includes('\\') || member.includes('\0')) return false;
  const normal = path.posix.normalize(member);
  return normal === member && !normal.split('/').some((part) => part === '..' || part === '.' || part === '');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseFile(value: unknown, index: number): ReleaseFile {
  if (!isRecord(value)) throw new InvalidRelease(`manifest files[${index}] is not an object`);
  const { path: member, size, sha256, mode } = value;
  if (typeof member !== 'string' || !isSafeMemberPath(member) || member === MANIFEST_NAME) {
    throw new InvalidRelease(`manifest files[${index}] has an unsafe path ${JSON.stringify(member)}`);
  }
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw new InvalidRelease(`manifest: ${member} has no valid size`);
  if (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256)) throw new InvalidRelease(`manifest: ${member} has no valid sha256`);
  if (typeof mode !== 'number' || !Number.isInteger(mode) || mode < 0 || mode > 0o777) throw new InvalidRelease(`manifest: ${member} has no valid mode`);
  return { path: member, size, sha256, mode };
}

/** The manifest in `text`, checked field by field; InvalidRelease names the first problem. */
export function parseManifest(text: string): ReleaseManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new InvalidRelease(`manifest is not JSON (${(err as Error).message})`);
  }
  if (!isRecord(value)) throw new InvalidRelease('manifest is not an object');
  if (value.format !== MANIFEST_FORMAT) throw new InvalidRelease(`manifest format ${JSON.stringify(value.format)} is not ${MANIFEST_FORMAT}`);
  const { name, version, platform, arch, nodeAbi, createdAt, files } = value;
  if (typeof name !== 'string' || name.length === 0) throw new InvalidRelease('manifest has no name');
  if (typeof version !== 'string' || !isSafeVersion(version)) throw new InvalidRelease(`manifest version ${JSON.stringify(version)} is not a usable version`);
  if (platform !== 'linux') throw new InvalidRelease(`manifest platform ${JSON.stringify(platform)} is not linux`);
  if (arch !== 'arm64' && arch !== 'armhf' && arch !== 'x64') throw new InvalidRelease(`manifest arch ${JSON.stringify(arch)} is not arm64, armhf or x64`);
  if (typeof nodeAbi !== 'string' || !/^\d+$/.test(nodeAbi)) throw new InvalidRelease('manifest has no node ABI');
  if (typeof createdAt !== 'string' || Number.isNaN(Date.parse(createdAt))) throw new InvalidRelease('manifest has no creation time');
  if (!Array.isArray(files) || files.length === 0) throw new InvalidRelease('manifest lists no files');
  const parsed = files.map((f, i) => parseFile(f, i));
  const seen = new Set<string>();
  for (const f of parsed) {
    if (seen.has(f.path)) throw new InvalidRelease(`manifest lists ${f.path} twice`);
    seen.add(f.path);
  }
  return { format: MANIFEST_FORMAT, name, version, platform, arch, nodeAbi, createdAt, files: parsed };
}

/** Refuses a manifest built for another machine: its native modules would not load here. */
export function checkTarget(manifest: ReleaseManifest, target: ReleaseTarget = thisMachine()): void {
  if (manifest.platform !== target.platform || manifest.arch !== target.arch) {
    throw new InvalidRelease(`built for ${manifest.platform} ${manifest.arch}, this machine is ${target.platform} ${target.arch}`);
  }
  if (manifest.nodeAbi !== target.nodeAbi) {
    throw new InvalidRelease(`built for Node ABI ${manifest.nodeAbi}, this Node's is ${target.nodeAbi}`);
  }
}
