/**
 * The learning-rate schedule and the plan of a run trained to a time budget.
 *
 * A cosine schedule needs the run's length before its first decaying step. A run with a fixed
 * length knows it. A run with a time budget warms up, then holds the full rate while it measures
 * its step time (a quarter of the budget: step times wander from epoch to epoch), plans its
 * length once, decays from there to the end, and
 * keeps the plan in its checkpoint, so that a resumed run follows the same schedule as an
 * uninterrupted one. No step's rate depends on a plan made after it.
 */

import type { ScheduleKind } from '../model/config.ts';

/** The fraction of the full learning rate left at the last step of a cosine schedule. */
export const COSINE_FINAL_FRACTION = 0.02;

/**
 * The factor on the learning rate at `step` (0-based) of a run of `total` steps.
 *
 * @param warmup - steps of the linear ramp from `1/warmup` to 1 (0: none).
 * @param total - the run's length in steps, or `null` while it is not planned yet: then the rate
 *   is the warm-up's, and the full rate after it.
 * @param decayFrom - the step where the cosine starts (default: the end of the warm-up); a
 *   time-budget run holds the full rate until its plan.
 */
export function learningRateFactor(kind: ScheduleKind, step: number, warmup: number, total: number | null, decayFrom = warmup): number {
  if (warmup > 0 && step < warmup) return (step + 1) / warmup;
  if (kind === 'constant' || total === null || step < decayFrom) return 1;
  // The last step (total − 1) is where the decay ends.
  const span = Math.max(1, total - 1 - decayFrom);
  const progress = Math.min(1, (step - decayFrom) / span);
  return COSINE_FINAL_FRACTION + (1 - COSINE_FINAL_FRACTION) * 0.5 * (1 + Math.cos(Math.PI * progress));
}

/** What a time-budget plan is made from. All times are seconds. */
export interface PlanInput {
  /** Seconds left of the budget when the plan is made. */
  remaining: number;
  /** Measured seconds per training step. */
  stepSeconds: number;
  /** Steps already taken. */
  done: number;
  stepsPerEpoch: number;
  /** Seconds of one validation pass (run after each whole epoch and after the last step). */
  validationSeconds: number;
  /** Seconds kept back for what runs after the loop (the final evaluation, saving). */
  after: number;
}

/**
 * The total number of steps that fits the budget: the most steps `S ≥ done` whose training time
 * plus one validation pass per epoch boundary crossed plus the final pass fits in what is left.
 * At least `done + 1`, so a run always takes a step past its calibration.
 */
export function planSteps(p: PlanInput): number {
  const fits = (total: number) => {
    const steps = total - p.done;
    const validations = Math.floor((total - 1) / p.stepsPerEpoch) - Math.floor(Math.max(0, p.done - 1) / p.stepsPerEpoch) + 1;
    return steps * p.stepSeconds + validations * p.validationSeconds + p.after <= p.remaining;
  };
  // Training time alone bounds the answer; step down past the validations it does not count.
  let total = p.done + Math.max(1, Math.floor((p.remaining - p.after) / p.stepSeconds));
  while (total > p.done + 1 && !fits(total)) total--;
  return total;
}
