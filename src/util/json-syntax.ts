import { readFileSync } from 'node:fs';
import type { Problem } from './json-schema.js';

/**
 * Where JSON text goes wrong, for the errors V8 reports without a position ("Unexpected token"):
 * the last character of the shortest prefix that is wrong before its end. Past the end when the text is cut short.
 */
function syntaxErrorPosition(text: string): number {
  const wrong = (n: number): boolean => {
    try {
      JSON.parse(text.slice(0, n));
      return false;
    } catch (err) {
      const m = /position (\d+)/.exec((err as Error).message);
      // An error at the very end of a prefix only says that it is cut short.
      return m ? Number(m[1]) < n : !/end of JSON input/.test((err as Error).message);
    }
  };
  if (!wrong(text.length)) return text.length;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (wrong(mid)) hi = mid;
    else lo = mid + 1;
  }
  return hi - 1;
}

/** Reads and parses a JSON file; the problem when it cannot be read (`expected`: what it should have been) or is not JSON. */
export function readJsonFile(file: string, expected: string): { ok: true; value: unknown } | { ok: false; problem: Problem } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return { ok: false, problem: { path: '', expected, found: (err as NodeJS.ErrnoException).code ?? String(err) } };
  }
  return parseJsonText(text);
}

/** Parses JSON text, turning a syntax error into a problem with its line and column. */
export function parseJsonText(text: string): { ok: true; value: unknown } | { ok: false; problem: Problem } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    const message = (err as Error).message;
    const m = /position (\d+)/.exec(message);
    const pos = m ? Number(m[1]) : syntaxErrorPosition(text);
    const before = text.slice(0, pos);
    const line = before.split('\n').length;
    const column = pos - before.lastIndexOf('\n');
    // V8 quotes the text around an unexpected token ('Unexpected token 'x', ..."text"... is not valid JSON'): it may be a password.
    const reason = message.replace(/, (?:\.\.\.)?"[\s\S]*"(?:\.\.\.)? is not valid JSON$/, '').replace(/ (?:in JSON )?at position \d+[\s\S]*$/, '');
    return {
      ok: false,
      problem: { path: '', expected: 'valid JSON', found: `a syntax error at line ${line}, column ${column} (${reason})` },
    };
  }
}
