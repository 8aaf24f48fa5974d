import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { firstValueFrom, take, toArray } from 'rxjs';
import { HttpError } from '../../src/api/http-util.js';
import { simRoute, type SimulationLevers, type VehicleChangeBody } from '../../src/api/sim-routes.js';
import { Agent } from '../../src/app/agent.js';
import { loadConfig } from '../../src/config/load-config.js';
import type { StationConfig } from '../../src/config/station-config.js';
import { silentLogger } from '../../src/process/logger.js';
import { openStationHardware } from '../../src/hal/station-hardware.js';
import type { IdTokenKind } from '../../src/station/types.js';
import { repoRoot, scratchSimulatorConfig } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { inertLevers } from '../helpers/sim-levers.js';

/**
 * POST /api/sim/evses/{e}/vehicle (the vehicle behind a simulated pilot board) and
 * /api/sim/readers/{name}/card and .../gone (simulated card readers).
 */

const noToken = async (): Promise<never> => {
  throw new Error('not the EVSE token route');
};

/** The status simRoute answers with (200) or throws (an HttpError's), and the message. */
async function answer(p: Promise<unknown>): Promise<{ status: number; body?: unknown; message?: string }> {
  try {
    return { status: 200, body: await p };
  } catch (err) {
    if (err instanceof HttpError) return { status: err.status, message: err.message };
    throw err;
  }
}

type Pulled = Array<[string, ...unknown[]]>;

/** Levers that record what is pulled: EVSE 1 has a simulated pilot, EVSE 2 none; one reader, "front". */
function recordingLevers(pulled: Pulled, withNewLevers = true): SimulationLevers {
  const base = inertLevers({ hasEvse: (e) => e === 1 || e === 2, hasConnector: () => true });
  if (!withNewLevers) return base;
  return {
    ...base,
    setVehicle: (evseId: number, change: VehicleChangeBody) => {
      if (evseId !== 1) throw new Error(`EVSE ${evseId} has no simulated pilot board`);
      pulled.push(['vehicle', evseId, change]);
    },
    presentCard: (name: string, idToken: string, type: IdTokenKind) => {
      pulled.push(['card', name, idToken, type]);
      return true;
    },
    setReaderGone: (name: string, gone: boolean) => void pulled.push(['gone', name, gone]),
    hasReader: (name: string) => name === 'front',
  };
}

describe('simulation API: the vehicle behind a simulated pilot, and simulated card readers', () => {
  it('POST /api/sim/evses/{e}/vehicle passes the change on and answers it; 409 for an EVSE without a simulated pilot', async () => {
    const pulled: Pulled = [];
    const sim = recordingLevers(pulled);
    const body = { needsVentilation: true, fault: 'diode-short', maxCurrentA: 13 };
    assert.deepEqual(await answer(simRoute(['evses', '1', 'vehicle'], body, sim, noToken)), { status: 200, body: { ok: true, evseId: 1, vehicle: body } });
    assert.deepEqual(await answer(simRoute(['evses', '1', 'vehicle'], { fault: 'none' }, sim, noToken)), { status: 200, body: { ok: true, evseId: 1, vehicle: { fault: 'none' } } });
    assert.deepEqual(pulled, [['vehicle', 1, body], ['vehicle', 1, { fault: 'none' }]]);

    const noPilot = await answer(simRoute(['evses', '2', 'vehicle'], { fault: 'none' }, sim, noToken));
    assert.equal(noPilot.status, 409);
    assert.match(noPilot.message!, /EVSE 2 has no simulated pilot board/);
    assert.equal((await answer(simRoute(['evses', '1', 'vehicle'], { fault: 'none' }, recordingLevers([], false), noToken))).status, 409, 'an agent without the lever');
    assert.equal((await answer(simRoute(['evses', '9', 'vehicle'], { fault: 'none' }, sim, noToken))).status, 404);
  });

  it('a bad vehicle body is a 400 that says what was expected', async () => {
    const sim = recordingLevers([]);
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{}, /give a JSON object with needsVentilation \(true or false\), fault \("none", "diode-short" or "state-e"\) and\/or maxCurrentA/],
      [{ needsVentilation: 'yes' }, /needsVentilation must be true or false/],
      [{ fault: 'melted' }, /fault must be one of "none", "diode-short", "state-e"/],
      [{ maxCurrentA: -1 }, /maxCurrentA must be a number of amps from 0 to 1000/],
      [{ maxCurrentA: '16' }, /maxCurrentA must be a number/],
      [{ needVentilation: true }, /unknown field "needVentilation"; expected a JSON object with needsVentilation/],
    ];
    for (const [body, message] of cases) {
      const a = await answer(simRoute(['evses', '1', 'vehicle'], body, sim, noToken));
      assert.equal(a.status, 400, JSON.stringify(body));
      assert.match(a.message!, message);
    }
  });

  it('POST /api/sim/readers/{name}/card and /gone: presented, unplugged; 404 for an unknown reader, 400 for bad bodies', async () => {
    const pulled: Pulled = [];
    const sim = recordingLevers(pulled);
    assert.deepEqual(await answer(simRoute(['readers', 'front', 'card'], { idToken: '04A1B2C3' }, sim, noToken)), {
      status: 200,
      body: { ok: true, reader: 'front', idToken: '04A1B2C3', type: 'ISO14443', read: true },
    });
    assert.deepEqual((await answer(simRoute(['readers', 'front', 'card'], { idToken: 'K1', type: 'KeyCode' }, sim, noToken))).status, 200);
    assert.deepEqual(await answer(simRoute(['readers', 'front', 'gone'], { gone: true }, sim, noToken)), { status: 200, body: { ok: true, reader: 'front', gone: true } });
    assert.deepEqual(pulled, [['card', 'front', '04A1B2C3', 'ISO14443'], ['card', 'front', 'K1', 'KeyCode'], ['gone', 'front', true]]);

    const unknown = await answer(simRoute(['readers', 'back', 'card'], { idToken: '04A1B2C3' }, sim, noToken));
    assert.equal(unknown.status, 404);
    assert.match(unknown.message!, /no simulated card reader named "back"/);
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      ['card', {}, /idToken must be a string of 1 to 36 characters/],
      ['card', { idToken: 'x'.repeat(37) }, /idToken must be a string of 1 to 36/],
      ['card', { idToken: '04A1B2C3', type: 'Passport' }, /type must be one of Central, eMAID, ISO14443/],
      ['gone', {}, /gone must be true \(the reader unplugged\) or false/],
      ['gone', { gone: 'yes' }, /gone must be true/],
    ];
    for (const [what, body, message] of cases) {
      const a = await answer(simRoute(['readers', 'front', what], body, sim, noToken));
      assert.equal(a.status, 400, `${what} ${JSON.stringify(body)}`);
      assert.match(a.message!, message);
    }
    assert.equal((await answer(simRoute(['readers', 'front', 'wave'], {}, sim, noToken))).status, 404);
    assert.equal((await answer(simRoute(['readers', 'front', 'card'], { idToken: 'A' }, recordingLevers([], false), noToken))).status, 409);
    assert.equal(pulled.length, 3, 'nothing pulled by a refused request');
  });

  it('on the simulated world: the vehicle changes behind the pilot, a card reaches the reader, a gone reader takes none', async () => {
    const base = scratchSimulatorConfig('evse-sim-pilot-routes');
    const config: StationConfig = {
      ...base,
      evses: [{ ...base.evses[0]!, pilot: { driver: 'simulated', unitId: 1, timing: base.evses[0]!.meter.timing, pollIntervalMs: 50, failAfterPolls: 3, ventilation: false, releaseTimeoutMs: 3000 } }],
      readers: [{ name: 'front', driver: 'simulated', evseId: 1 }],
    };
    const hw = await openStationHardware(config);
    try {
      const s = hw.simulation;
      const levers: SimulationLevers = {
        ...recordingLevers([], false),
        setVehicle: (e, change) => s.setVehicle(e, change),
        presentCard: (name, idToken, type) => s.presentCard(name, idToken, type),
        setReaderGone: (name, gone) => s.setReaderGone(name, gone),
        hasReader: (name) => s.hasReader(name),
      };
      assert.equal((await answer(simRoute(['evses', '1', 'vehicle'], { needsVentilation: true, maxCurrentA: 10, fault: 'state-e' }, levers, noToken))).status, 200);
      const vehicle = s.vehicle(1);
      assert.deepEqual([vehicle.needsVentilation, vehicle.maxCurrentA, vehicle.fault], [true, 10, 'state-e']);

      const reader = hw.readers[0]!.reader;
      const cards = firstValueFrom(reader.cards$.pipe(take(1), toArray()));
      const presented = await answer(simRoute(['readers', 'front', 'card'], { idToken: '04A1B2C3' }, levers, noToken));
      assert.deepEqual(presented.body, { ok: true, reader: 'front', idToken: '04A1B2C3', type: 'ISO14443', read: true });
      assert.deepEqual(await cards, [{ idToken: '04A1B2C3', type: 'ISO14443' }]);

      assert.equal((await answer(simRoute(['readers', 'front', 'gone'], { gone: true }, levers, noToken))).status, 200);
      const unread = await answer(simRoute(['readers', 'front', 'card'], { idToken: '04FFFFFF' }, levers, noToken));
      assert.equal((unread.body as { read: boolean }).read, false, 'an unplugged reader reads no card');
    } finally {
      await hw.close();
    }
  });
});

describe('simulation API over HTTP: an agent on config/simulator-pilot.json', function () {
  this.timeout(15000);
  let agent: Agent;
  let base: string;
  let dir: string;

  before(async () => {
    dir = makeTempDir('evse-sim-pilot-api');
    const doc = JSON.parse(readFileSync(path.join(repoRoot, 'config', 'simulator-pilot.json'), 'utf8')) as Record<string, unknown>;
    doc['$schema'] = path.join(repoRoot, 'config', 'config.schema.json');
    doc['api'] = { listen: '127.0.0.1:0' };
    // Nothing listens on the discard port: no CSMS, the API works all the same.
    doc['ocpp'] = { ...(doc['ocpp'] as object), url: 'ws://127.0.0.1:9/ocpp' };
    doc['storage'] = { dir: path.join(dir, 'var') };
    const file = path.join(dir, 'config.json');
    writeFileSync(file, JSON.stringify(doc));
    agent = await Agent.start(loadConfig(file).config, { log: silentLogger });
    base = `http://127.0.0.1:${agent.apiPort}`;
  });
  after(async () => {
    await agent.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = async (route: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
    const res = await fetch(`${base}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('the routes reach the simulated world: the vehicle, the reader (read by the agent), unplugging it; 400 and 404 with a message', async () => {
    assert.deepEqual(await post('/api/sim/evses/1/vehicle', { maxCurrentA: 10 }), { status: 200, body: { ok: true, evseId: 1, vehicle: { maxCurrentA: 10 } } });
    assert.deepEqual(await post('/api/sim/readers/front/card', { idToken: '04A1B2C3' }), {
      status: 200,
      body: { ok: true, reader: 'front', idToken: '04A1B2C3', type: 'ISO14443', read: true },
    });
    assert.equal((await post('/api/sim/readers/front/gone', { gone: true })).status, 200);
    assert.equal((await post('/api/sim/readers/front/card', { idToken: '04A1B2C3' })).body['read'], false, 'an unplugged reader reads nothing');
    assert.equal((await post('/api/sim/readers/front/gone', { gone: false })).status, 200);
    assert.equal((await post('/api/sim/readers/front/card', { idToken: '04A1B2C4' })).body['read'], true);

    const bad = await post('/api/sim/evses/1/vehicle', { fault: 'melted' });
    assert.equal(bad.status, 400);
    assert.match(String(bad.body['error']), /fault must be one of "none", "diode-short", "state-e"/);
    const unknown = await post('/api/sim/readers/back/card', { idToken: '04A1B2C3' });
    assert.equal(unknown.status, 404);
    assert.match(String(unknown.body['error']), /no simulated card reader named "back"/);
  });
});
