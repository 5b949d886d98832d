import { UserError } from '../io/files.ts';
import { loadModelDir } from '../io/model-dir.ts';
import { MAX_IMAGE_PIXELS } from '../io/png.ts';
import { AffineVAE, type ModelOptions } from '../model/vae.ts';
import type { AlignFrame, ModelConfig } from '../model/config.ts';
import { type EngineChoice, describeEngine } from '../native/select.ts';

/** The model a command reads with: its directory, and how to read it where given (`--angle-search`, `--moment-align`, `--align-frame`). */
export interface ModelChoice {
  model: string;
  angleSearch?: number;
  momentAlign?: boolean;
  alignFrame?: AlignFrame;
}

/** How to read a model other than as its config says: what a command passes to {@link CommandContext.loadModel}. */
export type ReadOptions = Pick<ModelOptions, 'angleSearch' | 'momentAlign' | 'alignFrame'>;

/** The read-out options of a command's model choice. */
export function readOf(o: Omit<ModelChoice, 'model'>): ReadOptions {
  return { angleSearch: o.angleSearch, momentAlign: o.momentAlign, alignFrame: o.alignFrame };
}

/**
 * What every command gets from the global options: where to write messages, the decoder engine,
 * and the image-size cap. Models are built and loaded through it, so each runs on the chosen
 * engine and the CLI names the engine that really runs.
 */
export class CommandContext {
  constructor(
    readonly log: (msg: string) => void,
    readonly engine: EngineChoice,
    /** The most pixels an input PNG or JPEG may declare (`--max-image-pixels`). */
    readonly maxImagePixels = MAX_IMAGE_PIXELS,
  ) {}

  /** `warning: …` on stderr. */
  warn = (msg: string): void => this.log(`warning: ${msg}`);

  /**
   * Loads a model directory onto the chosen engine; `read` (`--angle-search`, `--moment-align`,
   * `--align-frame`) replaces how it reads for this command.
   */
  async loadModel(dir: string, read: ReadOptions = {}): Promise<AffineVAE> {
    try {
      return this.announce(await loadModelDir(dir, { engine: this.engine.engine, warn: () => {}, ...read }));
    } catch (err) {
      // A model that loads (its faults are UserErrors) but refuses the read-out it was given.
      const asked = [
        read.angleSearch !== undefined ? `--angle-search ${read.angleSearch}` : '',
        read.momentAlign ? '--moment-align' : '',
        read.alignFrame !== undefined ? `--align-frame ${read.alignFrame}` : '',
      ].filter(Boolean);
      if (asked.length > 0 && !(err instanceof UserError)) throw new UserError(`${asked.join(' ')} on ${dir}: ${(err as Error).message}`);
      throw err;
    }
  }

  /** A fresh model on the chosen engine. */
  newModel(config: ModelConfig, seed: number): AffineVAE {
    return this.announce(new AffineVAE(config, { seed, engine: this.engine.engine, warn: () => {} }));
  }

  /** One line naming the engine the model runs on, with the reason when it is not the chosen one. */
  private announce(model: AffineVAE): AffineVAE {
    this.log(`decoder engine: ${describeEngine(this.engine, model)}`);
    return model;
  }
}
