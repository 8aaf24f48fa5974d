import { describeKillTest } from './kill-test.js';

// The kill test in OCPP 2.0.1 (kill-test.ts); 1.6 is kill-v16.test.ts, a file of its own so that
// the two run at the same time in a parallel run.
describeKillTest('2.0.1');
