/**
 * bench/composite-schedule: the time one composite schedule takes (K08, and nextChange, which the
 * smart charging service runs at each profile change and period boundary) with 100 installed
 * profiles: station max and external constraints on EVSE 0, TxDefaultProfiles station-wide and per
 * EVSE, TxProfiles for the running transactions and stale ones; stack levels 0-9; Absolute, Daily
 * and Weekly Recurring, Relative; A and W; 1-12 periods each. Profiles are made by a seeded
 * generator, so every run computes the same schedules.
 *
 *   npm run bench:composite [-- --n 5000]
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import type { ChargingProfile, ChargingProfilePurpose, ChargingSchedulePeriod, InstalledProfile } from '../src/services/smart-charging/charging-profile.js';
import { compositeSchedule, nextChange, type CompositeScheduleRequest } from '../src/services/smart-charging/composite-schedule.js';

const PROFILES = 100;
const EVSES = 4;
const NOW = new Date('2026-03-28T09:30:00Z');
const DAY_S = 86_400;

/** A small linear congruential generator (Numerical Recipes constants): the same profiles every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function makeProfiles(): InstalledProfile[] {
  const random = seeded(13);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const profiles: InstalledProfile[] = [];
  for (let id = 1; id <= PROFILES; id++) {
    const purpose: ChargingProfilePurpose = id <= 5 ? 'ChargingStationMaxProfile' : id <= 10 ? 'ChargingStationExternalConstraints' : id <= 70 ? 'TxDefaultProfile' : 'TxProfile';
    const evseId = purpose === 'ChargingStationMaxProfile' ? 0 : purpose === 'TxProfile' ? 1 + (id % EVSES) : pick([0, 1, 2, 3, 4]);
    const kind = purpose === 'TxProfile' ? pick(['Absolute', 'Relative'] as const) : pick(['Absolute', 'Recurring', 'Recurring', 'Relative'] as const);
    const unit = pick(['A', 'W'] as const);
    const count = 1 + Math.floor(random() * 12);
    const spanS = kind === 'Recurring' ? DAY_S : 12 * 3600;
    const periods: ChargingSchedulePeriod[] = Array.from({ length: count }, (_, i) => ({
      startPeriodS: Math.floor((i * spanS) / count),
      limit: unit === 'A' ? 6 + Math.floor(random() * 27) : 4000 + Math.floor(random() * 18000),
      ...(random() < 0.2 ? { numberPhases: 1 } : {}),
    }));
    const profile: ChargingProfile = {
      id,
      stackLevel: Math.floor(random() * 10),
      purpose,
      kind,
      ...(kind === 'Recurring' ? { recurrency: pick(['Daily', 'Weekly'] as const) } : {}),
      ...(random() < 0.3 ? { validFrom: new Date(NOW.getTime() - random() * 3 * DAY_S * 1000), validTo: new Date(NOW.getTime() + random() * 5 * DAY_S * 1000) } : {}),
      ...(purpose === 'TxProfile' ? { transactionId: random() < 0.5 ? `tx-${evseId}` : `tx-old-${id}` } : {}),
      schedules: [{
        rateUnit: unit,
        periods,
        ...(kind !== 'Relative' ? { startSchedule: new Date(NOW.getTime() - Math.floor(random() * 10 * DAY_S) * 1000) } : {}),
        ...(random() < 0.5 ? { durationS: Math.floor(spanS * (0.5 + random() / 2)) } : {}),
      }],
    };
    profiles.push({ evseId, profile });
  }
  return profiles;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function measure(name: string, n: number, run: (i: number) => unknown): void {
  for (let i = 0; i < Math.min(200, n); i++) run(i);
  const samplesUs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    run(i);
    samplesUs.push((performance.now() - t) * 1000);
  }
  samplesUs.sort((a, b) => a - b);
  console.log(`${name.padEnd(44)} n=${n}  p50 ${percentile(samplesUs, 50).toFixed(1)} µs  p99 ${percentile(samplesUs, 99).toFixed(1)} µs  max ${samplesUs.at(-1)!.toFixed(1)} µs`);
}

function main(): void {
  const { values } = parseArgs({ options: { n: { type: 'string', default: '2000' } } });
  const n = Number(values.n);
  const profiles = makeProfiles();
  const request = (i: number, durationS: number): CompositeScheduleRequest => {
    const evseId = 1 + (i % EVSES);
    return {
      profiles, evseId, durationS, rateUnit: i % 2 ? 'W' : 'A',
      start: new Date(NOW.getTime() + (i % 97) * 60_000),
      transaction: { id: `tx-${evseId}`, startedAt: new Date(NOW.getTime() - 1800_000) },
      electrical: { voltageV: 230, phases: 3 },
    };
  };
  const sample = compositeSchedule(request(0, DAY_S));
  console.log(`bench/composite-schedule: ${PROFILES} installed profiles on ${EVSES} EVSEs and the station; EVSE 1 over 24 h gives ${sample.periods.length} periods`);
  console.log(`Node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'})\n`);
  measure('compositeSchedule, 24 h (GetCompositeSchedule)', n, (i) => compositeSchedule(request(i, DAY_S)));
  measure('compositeSchedule, 7 days', n, (i) => compositeSchedule(request(i, 7 * DAY_S)));
  measure('compositeSchedule, EVSE 0 (station), 24 h', n, (i) => compositeSchedule({ ...request(i, DAY_S), evseId: 0 }));
  measure('nextChange (the service\'s limit and timer)', n, (i) => nextChange(request(i, 0)));
}

main();
