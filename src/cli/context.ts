import { loadModelDir } from '../io/model-dir.ts';
import { MAX_IMAGE_PIXELS } from '../io/png.ts';
import { AffineVAE } from '../model/vae.ts';
import type { ModelConfig } from '../model/config.ts';
import { type EngineChoice, describeEngine } from '../native/select.ts';

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

  /** Loads a model directory onto the chosen engine. */
  async loadModel(dir: string): Promise<AffineVAE> {
    return this.announce(await loadModelDir(dir, { engine: this.engine.engine, warn: () => {} }));
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
