/**
 * The connector lock role: the actuator that holds a socket's cable in while energy may flow, and,
 * where one is fitted, its feedback contact saying whether it really holds (F05: UnlockConnector).
 */
export interface ConnectorLock {
  /** Drives the actuator to hold the cable (before the contactor closes). */
  lock(): void;
  /**
   * Drives the actuator to release the cable and resolves once the lock reports whether it let
   * go: true when it did, false when its feedback still says locked after the time it is given
   * (F05.FR.05 UnlockFailed). A lock without feedback is taken at its word: true.
   */
  unlock(): Promise<boolean>;
  /** Whether the actuator is driven to hold the cable now. */
  readonly locked: boolean;
  /** Releases the lines (the actuator stays where it is). */
  close(): Promise<void>;
}
