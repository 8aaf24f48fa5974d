import { webcrypto } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as X509 from '@peculiar/x509';

// @peculiar/x509 (with reflect-metadata and tsyringe, ~100 modules and ~100 ms on a desktop core)
// is loaded the first time a certificate is parsed, not with the agent: a station reaches its
// BootNotification without it. It resolves its parts through tsyringe, which needs the Reflect
// metadata polyfill first; x509.ts (eager, for tests) and this keep that order. Being CommonJS,
// it loads synchronously, so its callers stay synchronous.
const require = createRequire(import.meta.url);
let loaded: typeof X509 | undefined;

/** @peculiar/x509, loaded and set on Node's WebCrypto the first time. */
export function x509(): typeof X509 {
  if (loaded) return loaded;
  require('reflect-metadata');
  const lib = require('@peculiar/x509') as typeof X509;
  lib.cryptoProvider.set(webcrypto as unknown as Parameters<typeof lib.cryptoProvider.set>[0]);
  return (loaded = lib);
}
