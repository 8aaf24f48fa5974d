/** The history of ended sessions (issue 14): GET /api/sessions and 2.0.1 CustomerInformation read it. */
export * from './session-history.js';
export * from './session-view.js';
