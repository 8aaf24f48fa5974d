import type { LedColour } from '../../config/station-config.js';

/**
 * The status indicator role: an EVSE's lights. It lights the colours it is told and darkens the
 * rest; what to show and when to blink is decided above it (app/status-leds.ts).
 */
export interface StatusIndicator {
  /** The colours this EVSE has lights for. */
  readonly colours: readonly LedColour[];
  /** Lights exactly these colours (the ones it has), the others dark. */
  light(colours: readonly LedColour[]): void;
  /** The colours lit now. */
  readonly lit: readonly LedColour[];
  close(): Promise<void>;
}
