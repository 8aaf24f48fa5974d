/** Which way an OCPP-J frame went: 'in' from the CSMS, 'out' to it. */
export type FrameDirection = 'in' | 'out';

/** One OCPP-J frame as kept for diagnostics: when, which way, its text with secrets masked. */
export interface FrameRecord {
  /** RFC 3339. */
  time: string;
  direction: FrameDirection;
  text: string;
}
