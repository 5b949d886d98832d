import type { ConfigOverrides, TrainConfig } from '../model/config.ts';

/**
 * A recipe: how to train, as against a preset, which says what the model is. A recipe's values
 * sit between the preset's and the options a user types: typed options win.
 */
export interface Recipe {
  /** One line for `--help` and the start of a run. */
  description: string;
  /** Model changes, applied only when a model is built from a preset (not with `--init`). */
  model: ConfigOverrides;
  train: Partial<TrainConfig>;
}

/**
 * The recipes. `fast` is what `train` does unless told otherwise: a good model within a
 * time budget (docs/time-to-quality.md has the measurements behind each number). `seed` is the
 * preset's own schedule, which for the `seed` preset is the original's, number for number.
 */
export const RECIPES: Readonly<Record<string, Recipe>> = Object.freeze({
  fast: {
    description: '5 minutes: widths 256, batch 100, 196 pixels a step, Adam 2e-3 with a cosine decay, cross-entropy weight 1e-2',
    model: { hidden: 256, crossEntropy: 1e-2 },
    train: { batch: 100, pixels: 196, learningRate: 2e-3, schedule: 'cosine', warmupSteps: 50, minutes: 5 },
  },
  seed: {
    description: "the preset's own schedule (seed: the original's 50 epochs of batch 1000 at a constant 1e-3)",
    model: {},
    train: {},
  },
});

/** The recipe called `name`, or an error that lists the known ones. */
export function recipe(name: string): Recipe {
  const r = RECIPES[name];
  if (!r) throw new Error(`unknown recipe '${name}' (known: ${Object.keys(RECIPES).join(', ')})`);
  return r;
}
