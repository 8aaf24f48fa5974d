/** The history of ended sessions (issues 14, 17): GET /api/sessions, CustomerInformation, the CDR export read it. */
export * from './session-record.js';
export * from './session-history.js';
export * from './session-view.js';
export * from './record-csv.js';
