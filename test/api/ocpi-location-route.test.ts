import assert from 'node:assert/strict';
import { OCPI_TEST_LOCATION } from '../helpers/signed-session.js';
import { afterEachTest, startRig, type Rig } from '../integration/v201/rig.js';

/**
 * GET /api/ocpi/location on a running agent (issue 17): the OCPI 2.2.1 Location, EVSE and Connector
 * objects (mod_locations.asciidoc) of the config's `ocpi` section with each EVSE's status live
 * ("Status enum": a plugged connector is Occupied, CHARGING; a free one AVAILABLE), behind the
 * API's token; without the `ocpi` keys a 409 naming them.
 */

const TOKEN = 'ocpi-token-0123456789abcdef';
const apiBase = (rig: Rig): string => `http://127.0.0.1:${rig.agent.apiPort}`;
const authorized = { authorization: `Bearer ${TOKEN}` };

interface LocationBody {
  country_code: string;
  party_id: string;
  id: string;
  coordinates: { latitude: string; longitude: string };
  time_zone: string;
  evses: Array<{ uid: string; evse_id: string; status: string; connectors: Array<{ id: string; standard: string; power_type: string }> }>;
}

async function location(rig: Rig): Promise<LocationBody> {
  const res = await fetch(`${apiBase(rig)}/api/ocpi/location`, { headers: authorized });
  assert.equal(res.status, 200);
  return (await res.json()) as LocationBody;
}

/** Asks again every 50 ms until the EVSE's status is `status`. */
async function untilStatus(rig: Rig, status: string, what: string): Promise<void> {
  const deadline = Date.now() + 2000;
  let last = '';
  while (Date.now() < deadline) {
    last = (await location(rig)).evses[0]!.status;
    if (last === status) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`${what}: still ${last}`);
}

describe('local HTTP API: GET /api/ocpi/location (issue 17)', function () {
  this.timeout(15000);
  afterEach(afterEachTest);

  it('the OCPI Location of the config with live EVSE statuses: AVAILABLE, CHARGING once plugged, AVAILABLE again; only with the API token', async () => {
    const rig = await startRig({
      config: (d) => {
        d['ocpi'] = OCPI_TEST_LOCATION;
        d['api'] = { listen: '127.0.0.1:0', token: TOKEN };
      },
    });
    const refused = await fetch(`${apiBase(rig)}/api/ocpi/location`);
    assert.equal(refused.status, 401);
    assert.match(refused.headers.get('www-authenticate') ?? '', /^Bearer/);
    const free = await location(rig);
    assert.deepEqual([free.country_code, free.party_id, free.id, free.time_zone], ['DE', 'EAG', 'HOME-1', 'Europe/Berlin']);
    assert.deepEqual(free.coordinates, OCPI_TEST_LOCATION.coordinates);
    assert.equal(free.evses.length, rig.agent.config.evses.length);
    assert.equal(free.evses[0]!.status, 'AVAILABLE');
    assert.deepEqual(
      free.evses[0]!.connectors.map((c) => c.id),
      rig.agent.config.evses[0]!.connectors.map((c) => String(c.id)),
    );
    const plug = await fetch(`${apiBase(rig)}/api/sim/evses/1/connectors/1/plug`, { method: 'POST', headers: { ...authorized, 'content-type': 'application/json' }, body: '{}' });
    assert.equal(plug.status, 200);
    await untilStatus(rig, 'CHARGING', 'CHARGING (Occupied) once plugged');
    const unplug = await fetch(`${apiBase(rig)}/api/sim/evses/1/connectors/1/unplug`, { method: 'POST', headers: { ...authorized, 'content-type': 'application/json' }, body: '{}' });
    assert.equal(unplug.status, 200);
    await untilStatus(rig, 'AVAILABLE', 'AVAILABLE once unplugged');
  });

  it('without the config\'s ocpi keys: 409 naming the missing ones', async () => {
    const rig = await startRig();
    const res = await fetch(`${apiBase(rig)}/api/ocpi/location`);
    assert.equal(res.status, 409);
    const body = (await res.json()) as { error: string };
    assert.match(body.error, /countryCode/);
    assert.match(body.error, /timeZone/);
  });
});
