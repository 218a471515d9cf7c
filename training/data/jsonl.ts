import { type BadRowOptions, ExampleCollector, type LoadedExamples } from './examples';
import { readLines } from './read-lines';

/** Where the text and the label are in each record. */
export interface FieldOptions {
  /** @default 'text' */
  textField?: string;
  /** @default 'label' */
  labelField?: string;
}

export interface JsonlOptions extends FieldOptions, BadRowOptions {}

/**
 * Reads a JSON Lines file, plain or gzipped (recognised by its first bytes),
 * with one object per line such as `{"text": "A fine film.", "label": 1}`.
 * Numeric labels become strings (`1` -> `"1"`); blank lines are ignored.
 *
 * @throws DataFormatError naming the file and 1-based line of the first bad row
 *   (unless `skipBadRows`), or the file when its gzip data is corrupt
 *
 * @example
 * ```ts
 * const { examples, sha256 } = await readJsonl('imdb/train.jsonl.gz', { labelField: 'sentiment' });
 * ```
 */
export async function readJsonl(file: string, options: JsonlOptions = {}): Promise<LoadedExamples> {
  const textField = options.textField ?? 'text';
  const labelField = options.labelField ?? 'label';
  const collector = new ExampleCollector(options);
  const input = readLines(file);
  let lineNumber = 0;
  for await (const line of input.lines) {
    lineNumber++;
    if (line.trim() === '') continue;
    const source = `${file}:${lineNumber}`;
    const parsed = parseObject(line);
    if ('problem' in parsed) {
      collector.reject(source, `expected a JSON object with a string field "${textField}" (${parsed.problem})`);
      continue;
    }
    const text = parsed.record[textField];
    const label = parsed.record[labelField];
    if (typeof text !== 'string') {
      collector.reject(
        source,
        `expected a JSON object with a string field "${textField}" (${describeField(parsed.record, textField)})`,
      );
    } else if (typeof label === 'string' || (typeof label === 'number' && Number.isFinite(label))) {
      collector.add(source, text, String(label));
    } else {
      collector.reject(
        source,
        `expected a field "${labelField}" holding a string or a number (${describeField(parsed.record, labelField)})`,
      );
    }
  }
  return { examples: collector.examples, skipped: collector.skipped, sha256: input.sha256() };
}

type Parsed = { record: Record<string, unknown> } | { problem: string };

function parseObject(line: string): Parsed {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return { problem: `not valid JSON: ${(error as Error).message}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { problem: `found ${kindOf(value)}` };
  }
  return { record: value as Record<string, unknown> };
}

/** What the record holds instead, so the user can tell a wrong field name from a wrong value. */
function describeField(record: Record<string, unknown>, field: string): string {
  if (Object.hasOwn(record, field)) {
    return `"${field}" is ${kindOf(record[field])}`;
  }
  const keys = Object.keys(record);
  return keys.length === 0 ? 'the object is empty' : `found fields: ${keys.map((key) => `"${key}"`).join(', ')}`;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
