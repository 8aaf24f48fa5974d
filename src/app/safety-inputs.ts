import type { Subscription } from 'rxjs';
import type { SafetyInput } from '../hal/roles/safety-input.js';
import type { Station } from '../station/station.js';

/** Safety inputs raise and clear faults in the core: an emergency stop or RCD trip opens relays at once. */
export function followSafetyInputs(inputs: readonly SafetyInput[], station: Station): Subscription[] {
  return inputs.map((input) =>
    input.active$.subscribe((active) => {
      const fault = input.function === 'emergency-stop' ? 'emergency-stop' : 'rcd-trip';
      const detail = `input ${input.name} ${active ? 'active' : 'released'}`;
      if (active) station.raiseFault(fault, input.evseId, detail);
      else station.clearFault(fault, input.evseId, detail);
    }),
  );
}
