import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../src/paths.js';

/**
 * The benches' station: config/simulator.json pointed at the bench's CSMS, its API on a free
 * loopback port, its storage in the bench's folder, quiet. `D` names the parts a bench changes.
 */
export function benchSimulatorDoc<D extends { ocpp: object }>(csmsUrl: string, dir: string): D & Record<string, unknown> {
  const doc = JSON.parse(readFileSync(path.join(packageRoot, 'config', 'simulator.json'), 'utf8')) as Record<string, unknown> & { ocpp: object };
  doc['$schema'] = path.join(packageRoot, 'config', 'config.schema.json');
  doc['ocpp'] = { ...doc.ocpp, url: csmsUrl };
  doc['api'] = { listen: '127.0.0.1:0' };
  doc['storage'] = { dir: path.join(dir, 'var') };
  doc['log'] = { level: 'error' };
  return doc as D & Record<string, unknown>;
}

