import { InvalidArgumentError } from 'commander';
import type { Pose } from '../model/transform.ts';

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

/** Commander parser for an integer in `[min, max]`. */
export function intIn(min: number, max: number): (value: string) => number {
  return (value: string) => {
    const n = nonNegativeInt(value);
    if (n < min || n > max) throw new InvalidArgumentError(`'${value}' is outside [${min}, ${max}]`);
    return n;
  };
}

/** Commander parser for an integer that must be one of `allowed`. */
export function intOf<T extends number>(allowed: readonly T[]): (value: string) => T {
  return (value: string) => {
    const n = Number(value);
    if (!allowed.includes(n as T)) throw new InvalidArgumentError(`'${value}' is not one of ${allowed.join(', ')}`);
    return n as T;
  };
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

/**
 * Commander parser for `--pose`: `rotation=30,shear=0.1,scale=1.2,shift=0.1,-0.05` (degrees
 * counter-clockwise; shear; one scale or `scale-x`/`scale-y`; shift x,y in grid units, the
 * image spanning −1..1). Keys left out are the identity's.
 */
export function poseSpec(value: string): Pose {
  const pose: Pose = {};
  const values = new Map<string, number[]>();
  let key: string | null = null;
  for (const token of value.split(',').map((t) => t.trim())) {
    const eq = token.indexOf('=');
    const raw = eq >= 0 ? token.slice(eq + 1) : token;
    if (eq >= 0) key = token.slice(0, eq).trim();
    if (key === null) throw new InvalidArgumentError(`'${value}': expected key=value pairs, e.g. rotation=30,shift=0.1,-0.05`);
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`'${raw}' in --pose is not a number`);
    values.set(key, [...(eq >= 0 ? [] : (values.get(key) ?? [])), n]);
  }
  const one = (k: string, lo: number, hi: number): number | undefined => {
    const v = values.get(k);
    if (v === undefined) return undefined;
    if (v.length !== 1 || v[0] < lo || v[0] > hi) throw new InvalidArgumentError(`--pose ${k} takes one number in [${lo}, ${hi}]`);
    return v[0];
  };
  for (const k of values.keys()) {
    if (!['rotation', 'shear', 'scale', 'scale-x', 'scale-y', 'shift'].includes(k)) throw new InvalidArgumentError(`unknown --pose key '${k}' (rotation, shear, scale, scale-x, scale-y, shift)`);
  }
  pose.rotation = one('rotation', -3600, 3600);
  pose.shear = one('shear', -10, 10);
  const scale = one('scale', 0.01, 100);
  pose.scaleX = one('scale-x', 0.01, 100) ?? scale;
  pose.scaleY = one('scale-y', 0.01, 100) ?? scale;
  const shift = values.get('shift');
  if (shift !== undefined) {
    if (shift.length !== 2 || shift.some((v) => Math.abs(v) > 10)) throw new InvalidArgumentError('--pose shift takes two numbers x,y in [-10, 10] (grid units)');
    [pose.translateX, pose.translateY] = shift;
  }
  return pose;
}
