import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HostHealth } from '../../src/process/host-health.js';

describe('host health: what the OS tells of the station (Controller variables)', () => {
  let dir: string;
  const JOURNAL = 'transactions.journal';
  const host = (options: Partial<ConstructorParameters<typeof HostHealth>[0]> = {}): HostHealth =>
    new HostHealth({
      storageDir: dir,
      journalFile: JOURNAL,
      thermalZonePath: path.join(dir, 'temp'),
      meminfoPath: path.join(dir, 'meminfo'),
      ...options,
    });
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'evse-host-health-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('CPU temperature: the thermal zone\'s millidegrees as °C; present only when readable at start; a later read error gives undefined', () => {
    writeFileSync(path.join(dir, 'temp'), '48312\n');
    const h = host();
    assert.equal(h.hasCpuTemperature, true);
    assert.equal(h.cpuTemperatureC(), 48.312);
    writeFileSync(path.join(dir, 'temp'), '-5000\n');
    assert.equal(h.cpuTemperatureC(), -5);
    writeFileSync(path.join(dir, 'temp'), 'garbage\n');
    assert.equal(h.cpuTemperatureC(), undefined);
    rmSync(path.join(dir, 'temp'));
    assert.equal(h.cpuTemperatureC(), undefined);
  });

  it('no thermal zone file: no temperature, from the start', () => {
    const h = host();
    assert.equal(h.hasCpuTemperature, false);
    assert.equal(h.cpuTemperatureC(), undefined);
  });

  it('free storage: statfs of the storage folder, > 0 bytes; a folder that is gone gives undefined', () => {
    const free = host().storageFreeBytes();
    assert.ok(free !== undefined && free > 0 && Number.isSafeInteger(free), `free ${free}`);
    assert.equal(host({ storageDir: path.join(dir, 'missing') }).storageFreeBytes(), undefined);
  });

  it('free memory: MemAvailable (kB) from meminfo; without it, os.freemem()', () => {
    writeFileSync(path.join(dir, 'meminfo'), 'MemTotal:        3884376 kB\nMemFree:          120000 kB\nMemAvailable:    2000000 kB\n');
    assert.equal(host().memoryFreeBytes(), 2000000 * 1024);
    writeFileSync(path.join(dir, 'meminfo'), 'MemTotal:        3884376 kB\nMemFree:          120000 kB\n');
    const fallback = host().memoryFreeBytes();
    assert.ok(fallback > 0 && fallback <= os.totalmem(), `fallback ${fallback}`);
    assert.ok(host({ meminfoPath: path.join(dir, 'none') }).memoryFreeBytes() > 0);
  });

  it('uptime: whole seconds of the process', () => {
    assert.equal(host({ uptimeS: () => 12.9 }).uptimeS(), 12);
    const real = host().uptimeS();
    assert.ok(Number.isInteger(real) && real >= 0 && real <= process.uptime());
  });

  it('journal size: the journal file with its temp file and damaged copies, nothing else; none: 0', () => {
    assert.equal(host().journalBytes(), 0);
    assert.equal(host({ storageDir: path.join(dir, 'missing') }).journalBytes(), 0);
    writeFileSync(path.join(dir, JOURNAL), 'x'.repeat(100));
    writeFileSync(path.join(dir, `${JOURNAL}.damaged-2026-01-01T00-00-00-000Z`), 'y'.repeat(20));
    writeFileSync(path.join(dir, 'security-events.journal'), 'z'.repeat(1000));
    writeFileSync(path.join(dir, `other-${JOURNAL}`), 'z'.repeat(1000));
    mkdirSync(path.join(dir, `${JOURNAL}.d`));
    assert.equal(host().journalBytes(), 120);
  });
});
