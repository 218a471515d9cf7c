import { createRandom, shuffleInPlace } from '../../shared/random';
import { compareCodeUnits } from './digest';

export interface ValidationSplitOptions {
  /** Same seed, same examples, same split. */
  seed: number;
  /** Share of the examples set aside for validation, between 0 and 1. @default 0.2 */
  fraction?: number;
  /** Set aside the same share of every label, so both parts keep the label balance. @default true */
  stratify?: boolean;
}

/**
 * Splits examples into training and validation parts at random, repeatably
 * for a given seed. With `stratify`, each label contributes
 * `round(count × fraction)` examples, so the validation size can differ from
 * `round(total × fraction)` by up to half an example per label. Both parts
 * come out shuffled; the input is not changed.
 *
 * @throws RangeError when `fraction` is not strictly between 0 and 1, or
 *   leaves either part empty
 *
 * @example
 * ```ts
 * const { train, validation } = splitValidation(dataset.train, { seed: 42, fraction: 0.2 });
 * ```
 */
export function splitValidation<T extends { label: string }>(
  examples: readonly T[],
  options: ValidationSplitOptions,
): { train: T[]; validation: T[] } {
  const fraction = options.fraction ?? 0.2;
  if (!(fraction > 0 && fraction < 1)) {
    throw new RangeError(`the validation fraction must be between 0 and 1 (exclusive), got ${fraction}`);
  }
  const random = createRandom(options.seed);
  let train: T[] = [];
  let validation: T[] = [];
  for (const group of options.stratify === false ? [[...examples]] : groupByLabel(examples)) {
    shuffleInPlace(group, random);
    const count = Math.round(group.length * fraction);
    validation = validation.concat(group.slice(0, count));
    train = train.concat(group.slice(count));
  }
  if (train.length === 0 || validation.length === 0) {
    throw new RangeError(
      `a validation fraction of ${fraction} of ${examples.length} examples leaves the ${train.length === 0 ? 'training' : 'validation'} set empty`,
    );
  }
  return { train: shuffleInPlace(train, random), validation: shuffleInPlace(validation, random) };
}

/** Groups in a fixed label order, so the random draws do not depend on which label comes first in the file. */
function groupByLabel<T extends { label: string }>(examples: readonly T[]): T[][] {
  const groups = new Map<string, T[]>();
  for (const example of examples) {
    const group = groups.get(example.label);
    if (group) group.push(example);
    else groups.set(example.label, [example]);
  }
  return [...groups.keys()].sort(compareCodeUnits).map((label) => groups.get(label)!);
}
