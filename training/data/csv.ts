import { type BadRowOptions, DataFormatError, ExampleCollector, type LoadedExamples } from './examples';
import type { FieldOptions } from './jsonl';
import { readLines } from './read-lines';

export interface CsvOptions extends FieldOptions, BadRowOptions {
  /** `','` for CSV, `'\t'` for TSV. @default ',' */
  delimiter?: string;
}

/** One record of a CSV file: its fields, or why it could not be split into fields. */
export type CsvRecord = { line: number; fields: string[] } | { line: number; problem: string };

/**
 * Reads a CSV or TSV file (plain or gzipped) whose first row names the
 * columns; `textField` and `labelField` pick the two columns by name. Labels
 * are trimmed, texts are kept as they are. Quoting follows RFC 4180.
 *
 * @throws DataFormatError naming the file and 1-based line of the first bad
 *   row (unless `skipBadRows`), or of the header when a column is missing
 *
 * @example
 * ```ts
 * const { examples } = await readCsv('reviews.tsv', { delimiter: '\t', textField: 'review', labelField: 'sentiment' });
 * ```
 */
export async function readCsv(file: string, options: CsvOptions = {}): Promise<LoadedExamples> {
  const textField = options.textField ?? 'text';
  const labelField = options.labelField ?? 'label';
  const collector = new ExampleCollector(options);
  const input = readLines(file);
  let columns: { text: number; label: number; count: number } | undefined;
  for await (const record of csvRecords(input.lines, options.delimiter ?? ',')) {
    const source = `${file}:${record.line}`;
    if (columns === undefined) {
      if ('problem' in record) throw new DataFormatError(`${source}: cannot read the header row (${record.problem})`);
      columns = findColumns(record.fields, textField, labelField, source);
    } else if ('problem' in record) {
      collector.reject(source, record.problem);
    } else if (record.fields.length !== columns.count) {
      collector.reject(source, `expected ${columns.count} fields as in the header, found ${record.fields.length}`);
    } else {
      collector.add(source, record.fields[columns.text], record.fields[columns.label].trim());
    }
  }
  if (columns === undefined) {
    throw new DataFormatError(`${file}: the file is empty; expected a header row naming the columns`);
  }
  return { examples: collector.examples, skipped: collector.skipped, sha256: input.sha256() };
}

function findColumns(header: string[], textField: string, labelField: string, source: string) {
  const names = header.map((name) => name.trim());
  const indexOf = (name: string) => {
    const index = names.indexOf(name);
    if (index === -1) {
      throw new DataFormatError(
        `${source}: no column "${name}" in the header (columns: ${names.map((n) => `"${n}"`).join(', ')})`,
      );
    }
    return index;
  };
  return { text: indexOf(textField), label: indexOf(labelField), count: names.length };
}

/**
 * Splits lines into CSV records (RFC 4180): a field that starts with `"` is
 * quoted and may hold the delimiter, doubled quotes (`""` for `"`) and line
 * breaks (read back as `\n`); a `"` inside an unquoted field is kept as it is.
 * Blank lines between records are skipped. Each record carries the 1-based
 * line it starts on.
 *
 * @example
 * ```ts
 * for await (const record of csvRecords(['a,b', '"x, ""y""",1'], ',')) console.log(record);
 * // { line: 1, fields: ['a', 'b'] }, { line: 2, fields: ['x, "y"', '1'] }
 * ```
 */
export async function* csvRecords(
  lines: AsyncIterable<string> | Iterable<string>,
  delimiter: string,
): AsyncGenerator<CsvRecord> {
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new RangeError(`the CSV delimiter must be one character other than a quote or line break, got ${JSON.stringify(delimiter)}`);
  }
  let lineNumber = 0;
  let fields: string[] = [];
  let field = '';
  let quoted = false; // the current field started with a quote
  let inQuotes = false; // between that quote and its closing quote
  let startLine = 0;
  for await (const line of lines) {
    lineNumber++;
    if (inQuotes) {
      field += '\n';
    } else if (line.trim() === '') {
      continue;
    } else {
      startLine = lineNumber;
    }
    let problem: string | undefined;
    for (let i = 0; i < line.length && problem === undefined; i++) {
      const char = line[i];
      if (inQuotes) {
        if (char !== '"') {
          field += char;
        } else if (line[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          inQuotes = false;
        }
      } else if (char === delimiter) {
        fields.push(field);
        field = '';
        quoted = false;
      } else if (quoted) {
        problem = `unexpected ${JSON.stringify(char)} after the closing quote of field ${fields.length + 1}`;
      } else if (char === '"' && field === '') {
        quoted = inQuotes = true;
      } else {
        field += char;
      }
    }
    if (inQuotes && problem === undefined) continue;
    yield problem === undefined ? { line: startLine, fields: [...fields, field] } : { line: startLine, problem };
    fields = [];
    field = '';
    quoted = inQuotes = false;
  }
  if (inQuotes) {
    yield { line: startLine, problem: `the quoted field ${fields.length + 1} is not closed before the end of the file` };
  }
}
