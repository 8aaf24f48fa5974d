// @peculiar/x509 resolves its parts through tsyringe, which needs the Reflect metadata polyfill
// loaded first; import x509 from here, never directly, so the order always holds. Loaded with the
// importing module: for tests and tools. The agent loads it on first use (lazy-x509.ts).
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { x509 };
