/**
 * JSON text of a value received as JSON, at any depth of nesting.
 *
 * JSON.parse reads nesting of any depth without recursion (V8 parses iteratively: 1,000,000 levels
 * parse), but JSON.stringify recurses once per level and throws RangeError at about 10,000 levels
 * (V8's stack on Node 20). OCPP lets a CSMS nest as deep as it likes where a schema allows any
 * members (2.0.1 customData, DataTransfer data), so every path that writes out, measures or stores
 * something received goes through jsonText, which falls back to an iterative writer when the
 * native one runs out of stack.
 */

/** JSON.stringify(value) without its depth limit; for values made by JSON.parse (plain objects, arrays, scalars). */
export function jsonText(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (err) {
    // A cycle is a TypeError and stays one; only a stack overflow is retried without recursion.
    if (!(err instanceof RangeError)) throw err;
  }
  return iterativeJsonText(value);
}

/** The length in UTF-8 bytes of jsonText(value). */
export function jsonByteLength(value: unknown): number {
  return Buffer.byteLength(jsonText(value), 'utf8');
}

type Work = { text: string } | { value: unknown };

/** Values JSON.stringify leaves out of an object (and writes as null in an array). */
function omitted(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

/**
 * The same text as JSON.stringify, written from an explicit stack: memory grows with the depth,
 * the call stack does not. Exported for its tests; use jsonText.
 */
export function iterativeJsonText(root: unknown): string {
  const parts: string[] = [];
  // Last in, first out: each container pushes its closing bracket, then its members in reverse.
  const work: Work[] = [{ value: root }];
  while (work.length > 0) {
    const item = work.pop()!;
    if ('text' in item) {
      parts.push(item.text);
      continue;
    }
    let value = item.value;
    if (typeof value === 'object' && value !== null && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
      value = (value as { toJSON(): unknown }).toJSON();
    }
    if (Array.isArray(value)) {
      work.push({ text: ']' });
      for (let i = value.length - 1; i >= 0; i--) {
        const member: unknown = value[i];
        work.push(omitted(member) ? { text: 'null' } : { value: member });
        if (i > 0) work.push({ text: ',' });
      }
      parts.push('[');
    } else if (typeof value === 'object' && value !== null) {
      const entries = Object.entries(value).filter(([, member]) => !omitted(member));
      work.push({ text: '}' });
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, member] = entries[i]!;
        work.push({ value: member });
        work.push({ text: `${JSON.stringify(key)}:` });
        if (i > 0) work.push({ text: ',' });
      }
      parts.push('{');
    } else {
      // Scalars: JSON.stringify writes them (strings escaped, non-finite numbers as null).
      parts.push(omitted(value) ? 'null' : JSON.stringify(value));
    }
  }
  return parts.join('');
}
