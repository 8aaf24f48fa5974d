import { describeKillTest } from './kill-test.js';

// The kill test in OCPP 1.6 (kill-test.ts); 2.0.1 is kill-v201.test.ts, a file of its own so that
// the two run at the same time in a parallel run.
describeKillTest('1.6');
