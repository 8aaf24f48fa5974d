import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { activateRelease, installRelease } from '../../src/release/install.js';
import { CURRENT_LINK, releaseDir, RELEASES_DIR } from '../../src/release/layout.js';
import { InvalidRelease, MANIFEST_NAME, parseManifest, releaseArch, thisMachine, type ReleaseManifest } from '../../src/release/manifest.js';
import { packRelease } from '../../src/release/pack-release.js';
import { readRelease } from '../../src/release/read-release.js';
import { repoRoot, runInProcess } from '../helpers/cli.js';
import { checkoutBuilt, packedCheckout, TEST_RELEASE_VERSION } from '../helpers/release-packs.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/**
 * The release package of this checkout (issue 15, "Firmware"), packed once for the file: what it
 * holds, readRelease accepting it and refusing a tampered, cut, foreign or padded copy, and
 * installRelease unpacking it beside the running release into a folder that runs on its own.
 */

/** Packed once per run, shared with firmware-e2e.test.ts (release-packs.ts). */
const VERSION = TEST_RELEASE_VERSION;

/** A copy of a package with its members changed by `change` (undefined: dropped), and `extra` appended. */
async function repack(from: string, to: string, change: (name: string, body: Buffer) => Buffer | undefined, extra: { name: string; body: Buffer }[] = []): Promise<void> {
  const extract = tar.extract();
  const pack = tar.pack();
  const written = pipeline(pack, createGzip({ level: 1 }), createWriteStream(to));
  const reading = pipeline(createReadStream(from), createGunzip(), extract);
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry as AsyncIterable<Buffer>) chunks.push(chunk);
    const body = change(entry.header.name, Buffer.concat(chunks));
    if (body) pack.entry({ ...entry.header, size: body.length }, body);
  }
  await reading;
  for (const e of extra) pack.entry({ name: e.name, size: e.body.length, mode: 0o644 }, e.body);
  pack.finalize();
  await written;
}

const reasonOf = async (promise: Promise<unknown>): Promise<string> => {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof InvalidRelease, `not InvalidRelease: ${String(err)}`);
    return err.reason;
  }
  assert.fail('accepted');
};

describe('release package (issue 15: evse-agent release pack, readRelease, installRelease)', function () {
  this.timeout(20000);
  let dir: string;
  let file: string;
  let manifest: ReleaseManifest;

  before(async function () {
    if (!checkoutBuilt()) this.skip(); // npm test builds dist/ first
    dir = makeTempDir('evse-release');
    ({ file, manifest } = await packedCheckout(VERSION));
  });

  it('holds the manifest first, the built program, its data and the production dependencies only', async () => {
    assert.equal(manifest.version, VERSION);
    assert.equal(manifest.arch, releaseArch(process.arch));
    assert.equal(manifest.nodeAbi, process.versions.modules);
    const paths = new Set(manifest.files.map((f) => f.path));
    for (const p of ['package.json', 'dist/src/cli/main.js', 'dist/src/release/launcher.js', 'config/config.schema.json', 'systemd/evse-agent.service', 'node_modules/ws/package.json', 'node_modules/tar-stream/package.json']) {
      assert.ok(paths.has(p), p);
    }
    assert.ok([...paths].some((p) => p.startsWith('hardware/meters/')));
    assert.ok([...paths].some((p) => p.startsWith('node_modules/@serialport/bindings-cpp/') && p.endsWith('.node')), 'the native serial module');
    for (const dev of ['mocha', 'tsx', 'typescript', 'eslint', 'sinon']) assert.ok(![...paths].some((p) => p.startsWith(`node_modules/${dev}/`)), dev);
    // Of the sources only the status page's files, served as they are (issue 16).
    assert.ok(paths.has('src/web/index.html'), 'the status page');
    assert.ok(![...paths].some((p) => (p.startsWith('src/') && !p.startsWith('src/web/')) || p.startsWith('test/')));
    // The manifest is the first member, so a package for another machine is refused before the rest is read.
    const extract = tar.extract();
    const reading = pipeline(createReadStream(file), createGunzip(), extract).catch(() => undefined);
    for await (const entry of extract) {
      assert.equal(entry.header.name, MANIFEST_NAME);
      break;
    }
    extract.destroy();
    await reading;
  });

  it('readRelease accepts it, and the CLI check says so', async () => {
    assert.deepEqual(await readRelease(file), manifest);
    const { code, stdout } = await runInProcess(['release', 'check', file]);
    assert.equal(code, 0);
    assert.match(stdout, new RegExp(`evse-agent ${VERSION} for linux ${manifest.arch}.*valid here`));
  });

  it('readRelease refuses the package with a byte changed or cut short', async () => {
    const bytes = readFileSync(file);
    const flipped = path.join(dir, 'flipped.tar.gz');
    const copy = Buffer.from(bytes);
    const middle = Math.floor(copy.length / 2);
    copy.writeUInt8(copy.readUInt8(middle) ^ 0xff, middle);
    writeFileSync(flipped, copy);
    assert.match(await reasonOf(readRelease(flipped)), /not a readable \.tar\.gz|does not match its sha256|the manifest says|not in the manifest/);
    const cut = path.join(dir, 'cut.tar.gz');
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    assert.match(await reasonOf(readRelease(cut)), /not a readable \.tar\.gz/);
  });

  it('readRelease refuses a package for another arch or Node ABI, before reading the rest', async () => {
    const other = thisMachine().arch === 'arm64' ? 'x64' : 'arm64';
    assert.equal(await reasonOf(readRelease(file, { ...thisMachine(), arch: other })), `built for linux ${thisMachine().arch}, this machine is linux ${other}`);
    assert.match(await reasonOf(readRelease(file, { ...thisMachine(), nodeAbi: '1' })), /built for Node ABI \d+, this Node's is 1/);
  });

  it('parseManifest refuses paths that leave the release', () => {
    const base = { ...manifest, files: [{ path: 'x', size: 0, sha256: '0'.repeat(64), mode: 0o644 }] };
    for (const bad of ['../etc/passwd', '/etc/passwd', 'a/../../b', 'a//b', './a']) {
      assert.throws(() => parseManifest(JSON.stringify({ ...base, files: [{ ...base.files[0], path: bad }] })), /unsafe path/, bad);
    }
    assert.throws(() => parseManifest(JSON.stringify({ ...base, version: '../1' })), /not a usable version/);
  });

  it('installRelease unpacks it as releases/<version>, runnable on its own, with modes kept; refuses the running version', async () => {
    const root = makeTempDir('evse-state');
    const { version, dir: installed } = await installRelease(file, root);
    assert.equal(version, VERSION);
    assert.equal(installed, releaseDir(root, VERSION));
    assert.deepEqual(readdirSync(path.join(root, RELEASES_DIR)), [VERSION], 'no temporary folder left');
    assert.equal(statSync(path.join(installed, 'systemd', 'install.sh')).mode & 0o111, 0o111, 'install.sh stays executable');
    // Its own node_modules, package.json and version: it runs outside the checkout.
    const run = spawnSync(process.execPath, [path.join(installed, 'dist', 'src', 'cli', 'main.js'), 'version'], { encoding: 'utf8', cwd: root });
    assert.equal(run.stdout.trim(), `evse-agent ${VERSION}`, run.stderr);

    await activateRelease(root, VERSION);
    assert.ok(existsSync(path.join(root, CURRENT_LINK, 'dist', 'src', 'cli', 'main.js')));
    // The launcher of this checkout (what /usr/local/bin/evse-agent runs) now starts the release.
    const built = process.env['EVSE_AGENT_TEST_BUILT_CLI'];
    const launcher = built ? [path.join(path.dirname(built), '..', 'release', 'launcher.js')] : ['--import', 'tsx', path.join(repoRoot, 'src', 'release', 'launcher.ts')];
    const launched = spawnSync(process.execPath, [...launcher, '--state', root, 'version'], { encoding: 'utf8', cwd: repoRoot });
    assert.equal(launched.stdout.trim(), `evse-agent ${VERSION}`, launched.stderr);
    assert.match(await reasonOf(installRelease(file, root)), /is the running release/);
    assert.ok(existsSync(path.join(installed, 'dist', 'src', 'cli', 'main.js')), 'the running release untouched');
  });

});

describe('release package checks on a small release (issue 15: tampered, padded, short, foreign)', function () {
  this.timeout(20000);
  let dir: string;
  let file: string;
  let manifest: ReleaseManifest;

  before(async () => {
    // A checkout with no dependencies: packs and repacks in milliseconds.
    const checkout = makeTempDir('evse-checkout');
    const put = (p: string, text: string, mode = 0o644): void => {
      mkdirSync(path.dirname(path.join(checkout, p)), { recursive: true });
      writeFileSync(path.join(checkout, p), text, { mode });
    };
    put('package.json', JSON.stringify({ name: 'evse-agent', version: '1.2.3', type: 'module' }));
    put('dist/src/cli/main.js', 'console.log("evse-agent small");\n');
    put('config/config.schema.json', '{}\n');
    put('systemd/install.sh', '#!/bin/sh\n', 0o755);
    dir = makeTempDir('evse-release-small');
    file = path.join(dir, 'small.tar.gz');
    manifest = await packRelease({ from: checkout, out: file });
  });

  it('refuses a file changed after packing (size, or same size and its sha256), naming it', async () => {
    assert.equal(manifest.version, '1.2.3');
    assert.deepEqual(manifest.files.map((f) => f.path).sort(), ['config/config.schema.json', 'dist/src/cli/main.js', 'package.json', 'systemd/install.sh']);
    const grown = path.join(dir, 'grown.tar.gz');
    await repack(file, grown, (name, body) => (name === 'dist/src/cli/main.js' ? Buffer.concat([body, Buffer.from('// x\n')]) : body));
    assert.match(await reasonOf(readRelease(grown)), /dist\/src\/cli\/main\.js is \d+ bytes, the manifest says/);
    const same = path.join(dir, 'same-size.tar.gz');
    await repack(file, same, (name, body) => (name === 'dist/src/cli/main.js' ? Buffer.from(body.toString('utf8').replace('small', 'evil!')) : body));
    assert.match(await reasonOf(readRelease(same)), /dist\/src\/cli\/main\.js does not match its sha256/);
  });

  it('refuses a member not in the manifest, a missing member, a manifest not first, and another arch', async () => {
    const padded = path.join(dir, 'padded.tar.gz');
    await repack(file, padded, (_n, body) => body, [{ name: 'dist/src/extra.js', body: Buffer.from('evil') }]);
    assert.match(await reasonOf(readRelease(padded)), /dist\/src\/extra\.js" is in the package but not in the manifest/);

    const short = path.join(dir, 'short.tar.gz');
    await repack(file, short, (name, body) => (name === 'config/config.schema.json' ? undefined : body));
    assert.match(await reasonOf(readRelease(short)), /config\/config\.schema\.json is in the manifest but not in the package/);

    const headless = path.join(dir, 'headless.tar.gz');
    await repack(file, headless, (name, body) => (name === MANIFEST_NAME ? undefined : body));
    assert.match(await reasonOf(readRelease(headless)), /the first member is .*, not release\.json/);

    const other = thisMachine().arch === 'arm64' ? 'x64' : 'arm64';
    const foreign = path.join(dir, 'foreign.tar.gz');
    await repack(file, foreign, (name, body) => (name === MANIFEST_NAME ? Buffer.from(JSON.stringify({ ...manifest, arch: other })) : body));
    assert.equal(await reasonOf(readRelease(foreign)), `built for linux ${other}, this machine is linux ${thisMachine().arch}`);
    const { code, stderr } = await runInProcess(['release', 'check', foreign]);
    assert.equal(code, 1);
    assert.match(stderr, /built for linux/);
  });

  it('installRelease of an invalid package leaves nothing behind and no file open', async () => {
    const root = makeTempDir('evse-state');
    const tampered = path.join(dir, 'tampered-late.tar.gz');
    // The last member changed: the others have been unpacked when the check fails.
    const last = manifest.files[manifest.files.length - 1]!.path;
    await repack(file, tampered, (name, body) => (name === last ? Buffer.alloc(body.length, 1) : body));
    const before = readdirSync('/proc/self/fd').length;
    assert.match(await reasonOf(installRelease(tampered, root)), /does not match its sha256/);
    assert.deepEqual(readdirSync(path.join(root, RELEASES_DIR)), []);
    assert.equal(readdirSync('/proc/self/fd').length, before);
    // The same package intact installs.
    assert.equal((await installRelease(file, root)).version, '1.2.3');
  });
});
