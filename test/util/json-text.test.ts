import assert from 'node:assert/strict';
import { iterativeJsonText, jsonByteLength, jsonText } from '../../src/util/json-text.js';

/** `levels` nested arrays and objects, alternating, as JSON text: [{"a":[{"a":...}]}]. */
function nestedText(levels: number): string {
  let open = '';
  let close = '';
  for (let i = 0; i < levels; i++) {
    open += i % 2 === 0 ? '[' : '{"a":';
    close = (i % 2 === 0 ? ']' : '}') + close;
  }
  return `${open}"leaf \\"é\\" \\u0001"${close}`;
}

describe('jsonText: JSON of received values at any depth', () => {
  it('V8 parses 1,000,000 levels of nesting without recursion, and JSON.stringify overflows at 10,000 (the reason jsonText exists)', function () {
    // Seconds of CPU by itself, and a parallel run shares the cores with other files.
    this.timeout(60_000);
    const text = nestedText(1_000_000);
    const value: unknown = JSON.parse(text);
    assert.throws(() => JSON.stringify(JSON.parse(nestedText(10_000))), RangeError);
    assert.equal(jsonText(value), text);
  });

  it('writes 10,000 and 100,000 levels exactly as they were received', () => {
    for (const levels of [10_000, 100_000]) {
      const text = nestedText(levels);
      assert.equal(jsonText(JSON.parse(text)), text);
    }
  });

  it('writes the same text as JSON.stringify: escapes, non-finite numbers, undefined members, empty containers, Dates', () => {
    const samples: unknown[] = [
      null,
      true,
      0,
      -1.5e300,
      'line\nbreak "quoted" \u2028 é 😀',
      [],
      {},
      [undefined, () => 1, Symbol('s'), NaN, Infinity, null],
      { a: undefined, b: () => 1, c: Symbol('s'), d: [{}, []], 'key "quoted"': { '': 1 } },
      { at: new Date('2025-06-01T12:00:00.000Z'), nested: [[[{ x: [1, 'two', false] }]]] },
    ];
    for (const value of samples) assert.equal(iterativeJsonText(value), JSON.stringify(value), String(JSON.stringify(value)));
  });

  it('jsonByteLength counts UTF-8 bytes, as a frame on the wire does', () => {
    assert.equal(jsonByteLength({ s: 'é' }), Buffer.byteLength('{"s":"é"}'));
    assert.equal(jsonByteLength({ s: 'é' }), 10);
    const deep = JSON.parse(nestedText(50_000)) as unknown;
    assert.equal(jsonByteLength(deep), Buffer.byteLength(nestedText(50_000)));
  });

  it('a cycle is still a TypeError, as from JSON.stringify', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    assert.throws(() => jsonText(cyclic), TypeError);
  });
});
