/**
 * One labelled text, as every loader returns it.
 *
 * `source` says where the example came from (`reviews.csv:17`,
 * `aclImdb_v1.tar.gz:aclImdb/train/pos/0_9.txt`) so that a later step that
 * rejects the example can point the user at the exact row.
 */
export interface Example {
  text: string;
  label: string;
  source: string;
}

/** Rows left out because `skipBadRows` was set: how many, and why (the first few). */
export interface SkippedRows {
  count: number;
  reasons: string[];
}

/** What a loader read from one input: its examples, the rows it skipped and the sha256 of its bytes. */
export interface LoadedExamples {
  examples: Example[];
  skipped: SkippedRows;
  sha256: string;
}

/** Options shared by every loader. */
export interface BadRowOptions {
  /**
   * Leave malformed rows out and count them, instead of stopping at the first
   * one. Damage to a whole file (corrupt gzip, truncated tarball) still stops.
   * @default false
   */
  skipBadRows?: boolean;
}

/** A problem with the content of an input file; the message names the file (and line). */
export class DataFormatError extends Error {
  override name = 'DataFormatError';
}

/** Enough reasons to see a pattern without flooding the terminal. */
const MAX_REASONS = 5;

/**
 * Gathers examples row by row and applies the `skipBadRows` rule in one place,
 * so every format rejects rows with the same wording and counting.
 *
 * @example
 * ```ts
 * const collector = new ExampleCollector({ skipBadRows: true });
 * collector.add('a.csv:2', 'great film', 'pos');
 * collector.reject('a.csv:3', 'expected 2 fields, found 3');
 * collector.skipped; // { count: 1, reasons: ['a.csv:3: expected 2 fields, found 3'] }
 * ```
 */
export class ExampleCollector {
  readonly examples: Example[] = [];
  readonly skipped: SkippedRows = { count: 0, reasons: [] };
  readonly #skipBadRows: boolean;

  constructor(options: BadRowOptions = {}) {
    this.#skipBadRows = options.skipBadRows ?? false;
  }

  /** Adds an example, or rejects it when its text or label is blank. */
  add(source: string, text: string, label: string): void {
    if (text.trim() === '') {
      this.reject(source, 'the text is empty');
    } else if (label.trim() === '') {
      this.reject(source, 'the label is empty');
    } else {
      this.examples.push({ text, label, source });
    }
  }

  /** Throws a {@link DataFormatError}, or counts the row when bad rows are skipped. */
  reject(source: string, reason: string): void {
    const message = `${source}: ${reason}`;
    if (!this.#skipBadRows) {
      throw new DataFormatError(message);
    }
    this.skipped.count++;
    if (this.skipped.reasons.length < MAX_REASONS) {
      this.skipped.reasons.push(message);
    }
  }
}

/**
 * Adds up the skipped rows of several inputs, keeping the first few reasons overall.
 *
 * @example
 * ```ts
 * mergeSkipped([train.skipped, test.skipped]).count;
 * ```
 */
export function mergeSkipped(parts: readonly SkippedRows[]): SkippedRows {
  return {
    count: parts.reduce((sum, part) => sum + part.count, 0),
    reasons: parts.flatMap((part) => part.reasons).slice(0, MAX_REASONS),
  };
}
