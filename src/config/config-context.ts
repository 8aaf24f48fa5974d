import { statSync } from 'node:fs';
import path from 'node:path';
import type { Problem } from '../util/json-schema.js';
import type { ApiConfigContext } from './api-config.js';

/** A problem that does not stop the agent, e.g. a password file others can read. */
export interface Warning {
  path: string;
  message: string;
}

/**
 * What each section's resolver reports to and reads paths through: problems are collected, not
 * thrown, so that check-config can print every one at once.
 */
export interface ConfigContext extends ApiConfigContext {
  warn(path: string, message: string): void;
}

/** The context of one config file: its problems and warnings, paths taken from its folder. */
export class ConfigReport implements ConfigContext {
  readonly problems: Problem[] = [];
  readonly warnings: Warning[] = [];

  constructor(readonly file: string) {}

  problem(p: string, expected: string, found: string): void {
    this.problems.push({ path: p, expected, found });
  }

  warn(p: string, message: string): void {
    this.warnings.push({ path: p, message });
  }

  resolvePath(p: string): string {
    return path.resolve(path.dirname(this.file), p);
  }

  /** Warns when a file holding a secret can be read by users other than its owner and group. */
  checkSecretFileMode(p: string, file: string): void {
    try {
      const mode = statSync(file).mode;
      if (mode & 0o004) {
        this.warn(p, `${file} holds a secret and is readable by every user (mode ${(mode & 0o777).toString(8)}); chmod o-r it`);
      }
    } catch {
      // Unreadable files are reported where they are read.
    }
  }
}
