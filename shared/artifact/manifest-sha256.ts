import { sha256Hex } from './sha256';

/** The `model.json` field holding the hash of the rest of `model.json`. */
export const MANIFEST_SHA256_FIELD = 'manifestSha256';

/**
 * SHA-256 of `model.json` itself, every field but `manifestSha256`, so that
 * an edited label, token, config or shape is caught as surely as a flipped
 * weight byte. (`weightsSha256` covers `weights.bin` only: labels swapped in
 * `model.json` would otherwise load and answer with the opposite label.)
 *
 * The hash is over a canonical text, not over the file's bytes, so that it
 * survives re-serialisation: object keys sorted by UTF-16 code units, no
 * whitespace, strings and numbers as `JSON.stringify` writes them, keys whose
 * value is `undefined` left out. The same JSON read by Node, workerd or a
 * browser gives the same text.
 *
 * @example
 * ```ts
 * const modelJson = JSON.parse(await readFile('model.json', 'utf8'));
 * (await manifestSha256(modelJson)) === modelJson.manifestSha256; // true unless it was edited
 * ```
 */
export async function manifestSha256(modelJson: Record<string, unknown>): Promise<string> {
  const { [MANIFEST_SHA256_FIELD]: _, ...covered } = modelJson;
  return sha256Hex(new TextEncoder().encode(canonicalJson(covered)));
}

/**
 * `value` as JSON with object keys sorted at every depth and no whitespace.
 *
 * @example
 * ```ts
 * canonicalJson({ b: [1, { d: true, c: null }], a: 'x' }); // '{"a":"x","b":[1,{"c":null,"d":true}]}'
 * ```
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    // Items without keys to sort come out of JSON.stringify exactly as below, natively: a
    // worker's cold start hashes its manifest in 5–6 ms instead of 12–17 (10,000 tokens).
    if (value.every(isJsonScalar)) return JSON.stringify(value);
    return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  }
  if (typeof value === 'object' && value !== null) {
    // A string, not a rebuilt object: a `__proto__` key from JSON.parse must stay an ordinary key.
    const entries = Object.keys(value)
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError(`canonicalJson: ${typeof value} is not JSON`);
  return text;
}

function isJsonScalar(value: unknown): boolean {
  return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}
