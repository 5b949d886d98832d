import { InvalidArgumentError } from 'commander';

/** Commander parser for a positive integer option. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`'${value}' is not a positive integer`);
  return n;
}

/** Commander parser for a non-negative integer option. */
export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`'${value}' is not a non-negative integer`);
  return n;
}

/** Commander parser for a finite number option. */
export function finiteNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`'${value}' is not a number`);
  return n;
}

/**
 * Commander parser for a number in a sensible range, `[min, max]`, or `(min, max]` with
 * `above`: values that would only blow training up (a learning rate of 1e9, a loss weight of
 * 1e300, a negative KL weight) are refused before anything runs.
 */
export function numberIn(min: number, max: number, above = false): (value: string) => number {
  return (value: string) => {
    const n = finiteNumber(value);
    if ((above ? n <= min : n < min) || n > max) throw new InvalidArgumentError(`'${value}' is outside ${above ? '(' : '['}${min}, ${max}]`);
    return n;
  };
}
