import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InvalidRelease, isSafeVersion, MANIFEST_NAME, type ReleaseManifest, type ReleaseTarget } from './manifest.js';
import {
  CURRENT_LINK, currentVersion, DEFAULT_CONFIRM_TIMEOUT_S, DEFAULT_KEEP_RELEASES, DEFAULT_MAX_FAILED_STARTS, linkedVersion, pointLink,
  PREVIOUS_LINK, releaseDir, releaseEntry, releasesDir,
} from './layout.js';
import { writePendingInstall, type PendingInstall } from './pending-install.js';
import { walkRelease, type MemberSink } from './read-release.js';

/** Unpacked here first, renamed into place when whole: releases/ never holds half a release. */
const INCOMING_PREFIX = '.incoming-';
const OUTGOING_PREFIX = '.outgoing-';

async function fileSink(dir: string, member: string, mode: number, made: Set<string>): Promise<MemberSink> {
  const target = path.join(dir, ...member.split('/'));
  const parent = path.dirname(target);
  if (!made.has(parent)) {
    await mkdir(parent, { recursive: true });
    made.add(parent);
  }
  // 'wx': a member the walk has already seen once is refused there; this guards the disk too.
  const handle = await open(target, 'wx', mode);
  return {
    write: async (chunk) => {
      await handle.write(chunk);
    },
    close: () => handle.close(),
  };
}

/**
 * Leftovers of an install that was cut short (power lost, or the agent killed, while unpacking):
 * removed before the next install, and by the agent when it starts (src/app/firmware-parts.ts), so
 * a half-unpacked release does not sit on the SD card until the next update.
 */
export async function removeInstallLeftovers(root: string): Promise<void> {
  const names = await readdir(releasesDir(root)).catch(() => [] as string[]);
  await Promise.all(
    names.filter((n) => n.startsWith(INCOMING_PREFIX) || n.startsWith(OUTGOING_PREFIX)).map((n) => rm(path.join(releasesDir(root), n), { recursive: true, force: true })),
  );
}

export interface InstallOptions {
  /** The machine the release must match; this one by default (tests give another). */
  target?: ReleaseTarget;
}

/**
 * Unpacks a release package next to the others, as `<root>/releases/<version>`, checking every
 * member against the manifest as it is written (the package is read once). It goes to a temporary
 * folder first and is renamed into place when whole; the running release (`current`) is never
 * touched: installing the version that runs is refused. InvalidRelease for a package that is not a
 * valid release for this machine (the caller reports InstallationFailed).
 */
export async function installRelease(file: string, root: string, options: InstallOptions = {}): Promise<{ version: string; dir: string; manifest: ReleaseManifest }> {
  await mkdir(releasesDir(root), { recursive: true });
  await removeInstallLeftovers(root);
  const incoming = path.join(releasesDir(root), `${INCOMING_PREFIX}${randomBytes(6).toString('hex')}`);
  await mkdir(incoming, { mode: 0o755 });
  const made = new Set<string>();
  try {
    const manifest = await walkRelease(file, {
      ...(options.target ? { target: options.target } : {}),
      onManifest: (m) => {
        if (m.version === currentVersion(root)) throw new InvalidRelease(`version ${m.version} is the running release`);
      },
      sink: (member) => fileSink(incoming, member.path, member.mode, made),
    });
    await writeFile(path.join(incoming, MANIFEST_NAME), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o644 });
    const dir = releaseDir(root, manifest.version);
    if (existsSync(dir)) {
      // An earlier copy of this version that does not run (a failed install): replaced.
      const outgoing = path.join(releasesDir(root), `${OUTGOING_PREFIX}${randomBytes(6).toString('hex')}`);
      await rename(dir, outgoing);
      await rm(outgoing, { recursive: true, force: true });
    }
    await rename(incoming, dir);
    return { version: manifest.version, dir, manifest };
  } catch (err) {
    await rm(incoming, { recursive: true, force: true });
    throw err;
  }
}

export interface ActivateOptions {
  requestId?: number;
  now?: Date;
  /** firmware.maxFailedStarts: starts without confirmation before the launcher goes back. */
  maxFailedStarts?: number;
  /** firmware.confirmTimeoutS: seconds the new release has to confirm. */
  confirmTimeoutS?: number;
  /** firmware.keepReleases: releases kept under releases/, the older ones removed. */
  keepReleases?: number;
}

/**
 * Makes an installed release the one the launcher starts next: `previous` pointed at the running
 * one, pending-install.json written, then `current` switched in one rename (pointLink). The caller
 * then restarts the agent (InstallRebooting); the new release confirms, or the launcher goes back.
 * Older releases beyond `keepReleases` are removed (never the current or the previous one).
 */
export async function activateRelease(root: string, version: string, options: ActivateOptions = {}): Promise<PendingInstall> {
  if (!isSafeVersion(version)) throw new Error(`"${version}" is not a release version`);
  const dir = releaseDir(root, version);
  if (!existsSync(releaseEntry(dir))) throw new Error(`release ${version} is not installed in ${releasesDir(root)}`);
  const previous = currentVersion(root) ?? null;
  if (previous === version) throw new Error(`release ${version} is already the current one`);
  pointLink(root, PREVIOUS_LINK, previous ?? undefined);
  const pending: PendingInstall = {
    version,
    previous,
    ...(options.requestId !== undefined ? { requestId: options.requestId } : {}),
    startedAt: (options.now ?? new Date()).toISOString(),
    maxFailedStarts: options.maxFailedStarts ?? DEFAULT_MAX_FAILED_STARTS,
    confirmTimeoutS: options.confirmTimeoutS ?? DEFAULT_CONFIRM_TIMEOUT_S,
    starts: 0,
  };
  // The record first: a launcher that finds `current` switched always finds why.
  writePendingInstall(root, pending);
  pointLink(root, CURRENT_LINK, version);
  await pruneReleases(root, options.keepReleases ?? DEFAULT_KEEP_RELEASES);
  return pending;
}

/** The installed versions, the most recently installed first (by their manifest's time on disk). */
export async function installedReleases(root: string): Promise<string[]> {
  const names = (await readdir(releasesDir(root)).catch(() => [] as string[])).filter((n) => !n.startsWith('.'));
  const dated = await Promise.all(
    names.map(async (name) => {
      const info = await stat(path.join(releasesDir(root), name, MANIFEST_NAME)).catch(() => undefined);
      return { name, time: info?.mtimeMs ?? 0 };
    }),
  );
  return dated.sort((a, b) => b.time - a.time || b.name.localeCompare(a.name)).map((d) => d.name);
}

/** Keeps the `keep` most recently installed releases, and always the current and previous ones; removes the rest. */
export async function pruneReleases(root: string, keep: number = DEFAULT_KEEP_RELEASES): Promise<string[]> {
  const protectedVersions = new Set([currentVersion(root), linkedVersion(root, PREVIOUS_LINK)].filter((v): v is string => v !== undefined));
  const installed = await installedReleases(root);
  const kept = new Set([...protectedVersions, ...installed.filter((v) => !protectedVersions.has(v)).slice(0, Math.max(0, keep - protectedVersions.size))]);
  const removed = installed.filter((v) => !kept.has(v));
  for (const version of removed) await rm(releaseDir(root, version), { recursive: true, force: true });
  return removed;
}
