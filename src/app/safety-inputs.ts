import type { Subscription } from 'rxjs';
import type { SafetyInput } from '../hal/station-hardware.js';
import type { Station } from '../station/station.js';

/** Safety inputs raise and clear faults in the core: an emergency stop or RCD trip opens relays at once. */
export function followSafetyInputs(inputs: readonly SafetyInput[], station: Station): Subscription[] {
  return inputs.map(({ config, input }) =>
    input.active$.subscribe((active) => {
      const fault = config.function === 'emergency-stop' ? 'emergency-stop' : 'rcd-trip';
      const detail = `input ${config.name} ${active ? 'active' : 'released'}`;
      if (active) station.raiseFault(fault, config.evseId, detail);
      else station.clearFault(fault, config.evseId, detail);
    }),
  );
}
