import fc from 'fast-check';
import { anyText } from './text-arbitraries';

/**
 * Request bodies as raw text, for fuzzing a JSON API: what `JSON.stringify`
 * can never produce is exactly what a hostile client sends.
 */

/** Keys that are special to JavaScript objects or to the classify request. */
const INTERESTING_KEYS = ['text', 'texts', 'top_k', 'threshold', 'explain', '__proto__', 'constructor', 'prototype', 'toString',
  'valueOf', 'hasOwnProperty', '__defineGetter__', 'then', 'length', '0', ''];

/** Tokens JavaScript knows and JSON does not. */
const NOT_JSON = ['NaN', '-NaN', 'Infinity', '-Infinity', 'undefined', 'null', '1e999', '-1e999', '0x10', '+1', '.5', '01', "'single'", '"\\x41"', '"\\u00"'];

const text = anyText({ words: ['good', 'bad', 'film'], maxPieces: 12 });

/** Long enough to cross the text limit (20,000 code units), and with a few of them the body limit. */
const longString = fc
  .tuple(fc.constantFrom('a', ' ', 'é', '\uD800', '😀', '<br />'), fc.integer({ min: 1, max: 30_000 }))
  .map(([unit, count]) => JSON.stringify(unit.repeat(count)));

const scalar: fc.Arbitrary<string> = fc.oneof(
  { weight: 10, arbitrary: fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), fc.double(), fc.constant(-0), text).map((value) => JSON.stringify(value) ?? 'null') },
  { weight: 4, arbitrary: fc.constantFrom(...NOT_JSON) },
  { weight: 4, arbitrary: fc.constantFrom(0, 1, 2, 32, 33, 0.5, 1.5, -1, 2 ** 53, 1e300, 5e-324).map(String) },
  // Rare: megabytes of them make every request slow, and dedicated tests cross the limits anyway.
  { weight: 1, arbitrary: longString },
);

const key = fc.oneof(fc.constantFrom(...INTERESTING_KEYS), fc.string({ unit: 'binary', maxLength: 6 }));

/** Arbitrary JSON-like text: nested arrays and objects, duplicate keys, and values JSON has no word for. */
export const jsonishText: fc.Arbitrary<string> = fc.letrec<{ value: string; array: string; object: string }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 5 }).map((items) => `[${items.join(',')}]`),
  object: fc.array(fc.tuple(key, tie('value')), { maxLength: 6 }).map((members) => `{${members.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
})).value;

/** A value of the right type for a classify field, or anything else. */
const fieldValue = (field: string): fc.Arbitrary<string> => {
  const valid: Record<string, fc.Arbitrary<unknown>> = {
    text,
    // Up to MAX_TEXTS + 8, but mostly few: 32 texts with explain cost a forward pass per token.
    texts: fc.oneof({ weight: 5, arbitrary: fc.array(text, { maxLength: 4 }) }, { weight: 1, arbitrary: fc.array(text, { minLength: 30, maxLength: 40 }) }),
    top_k: fc.integer({ min: -1, max: 4 }),
    threshold: fc.double({ min: -0.5, max: 1.5, noNaN: true }),
    explain: fc.constantFrom(false, true, 'occlusion', 'gradient'),
  };
  const right = Object.hasOwn(valid, field) ? valid[field].map((value) => JSON.stringify(value)) : jsonishText;
  return fc.oneof({ weight: 4, arbitrary: right }, { weight: 1, arbitrary: jsonishText });
};

/** An object that looks like a classify request: known fields with right or wrong values, odd extra keys, duplicates. */
export const classifyishText: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom('text', 'texts', 'top_k', 'threshold', 'explain') },
      { weight: 1, arbitrary: key },
    ).chain((field) => fieldValue(field).map((value) => `${JSON.stringify(field)}:${value}`)),
    { maxLength: 5 },
  )
  .map((members) => `{${members.join(',')}}`);

/** `[[[…]]]` or `{"text":{"text":…}}` nested up to 100,000 deep, well within the default body limit. */
export const deeplyNestedText: fc.Arbitrary<string> = fc
  .tuple(fc.integer({ min: 1, max: 100_000 }), fc.constantFrom(['[', ']'], ['{"text":', '}'], ['{"texts":[', ']}']), fc.boolean())
  .map(([depth, [open, close], closed]) => open.repeat(depth) + '"x"' + (closed ? close.repeat(depth) : ''));

/** `text` damaged the way a broken client or a proxy damages bodies. */
export function damaged(base: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.tuple(base, fc.nat(), fc.constantFrom('cut', 'inject', 'bom', 'comment', 'trailing-comma')).chain(([body, at, how]) => {
    const position = body.length === 0 ? 0 : at % body.length;
    switch (how) {
      case 'cut':
        return fc.constant(body.slice(0, position));
      case 'inject':
        return fc.string({ unit: 'binary', maxLength: 3 }).map((junk) => body.slice(0, position) + junk + body.slice(position));
      case 'bom':
        return fc.constant(`\uFEFF${body}`);
      case 'comment':
        return fc.constant(`/* c */${body}`);
      case 'trailing-comma':
        return fc.constant(body.replace(/([}\]])$/, ',$1'));
    }
  });
}
