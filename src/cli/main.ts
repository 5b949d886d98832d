import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { IdxError } from '../data/idx.ts';
import { UserError } from '../io/files.ts';
import { MAX_IMAGE_PIXELS } from '../io/png.ts';
import { shippedModelDir } from '../io/shipped.ts';
import { MAX_MODEL_CHANNELS, POOL_TURNS, PRESETS } from '../model/config.ts';
import { UNWARP_PASSES } from '../model/vae.ts';
import { type EngineChoice, chooseEngine } from '../native/select.ts';
import { CommandContext } from './context.ts';
import { selectBackend } from '../tensors/backend.ts';
import { registerGradients } from '../train/gradients.ts';
import { RECIPES } from '../train/recipes.ts';
import { decodeCommand, figureCommand, renderCommand, transformsCommand } from './commands/decode.ts';
import { evaluateCommand } from './commands/evaluate.ts';
import { interpolateCommand, traverseCommand } from './commands/latent.ts';
import { serveCommand } from './commands/serve.ts';
import { trainCommand } from './commands/train.ts';
import { finiteNumber, intIn, intOf, nonNegativeInt, numberIn, poseSpec, positiveInt } from './options.ts';

const log = (msg: string) => process.stderr.write(msg + '\n');

/** The model that ships with the package, used when `--model` is not given. */
export const SHIPPED_MODEL = shippedModelDir('mnist-seed');

/** `--model`, defaulting to the shipped model. */
const modelOption = () => new Option('--model <dir>', 'model directory').default(SHIPPED_MODEL, 'the shipped models/mnist-seed');
/** `--sample`: decode a posterior sample, as the original did. */
const sampleOption = () => new Option('--sample', 'use a posterior sample instead of the mean (as the original did)');
/** `--angle-search`: a read-out size other than the model's own. */
const angleSearchOption = () =>
  new Option('--angle-search <k>', "read each image's turn among K candidate angles instead of the model's own number (0: no search); more read half turns better, and each costs a decode").argParser(
    intIn(0, 64),
  );
/** `--moment-align` / `--align-frame` on a reading command: read with moment alignment, whatever the model's own config. */
const momentAlignReadOption = () =>
  new Option('--moment-align', "read with moment alignment: each image centred on its ink and turned into the frame --align-frame names, the pose given back (rotation presets; the weights are the model's)");
const alignFrameReadOption = () => new Option('--align-frame <frame>', 'the frame of --moment-align: ink or axis (default: the model\'s, else ink)').choices(['ink', 'axis']);
const sampleSeedOption = () => new Option('--seed <n>', 'seed for --sample').argParser(nonNegativeInt).default(0);

/**
 * A command that reads images with a model: `--model` and how to read it (`--angle-search`,
 * `--moment-align`, `--align-frame`), the options of `ModelChoice`.
 */
function readingCommand(program: Command, spec: string, description: string): Command {
  return program
    .command(spec)
    .description(description)
    .addOption(modelOption())
    .addOption(angleSearchOption())
    .addOption(momentAlignReadOption())
    .addOption(alignFrameReadOption());
}

/** Builds the `affine-vae` command line. `run` receives each command's exit code. */
export function buildProgram(run: (code: Promise<number>) => void): Command {
  const program = new Command('affine-vae')
    .description('Unsupervised normalization of digit images with an affine-warp coordinate VAE')
    .addOption(new Option('--backend <name>', 'force a TF.js backend').choices(['tensorflow', 'wasm', 'cpu']))
    .addOption(new Option('--engine <name>', 'decoder engine (default: native when built, else tfjs)').choices(['native', 'tfjs']))
    .option('--threads <n>', 'threads of the native engine (default: all cores)', positiveInt)
    .option('--max-image-pixels <n>', `the most pixels an input image may declare (default ${MAX_IMAGE_PIXELS}, 4096×4096)`, positiveInt)
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  /** Starts the backend, chooses the engine, and runs a command with the context they make. */
  const withBackend = (f: (ctx: CommandContext) => Promise<number>) => async () => {
    const opts = program.opts();
    const choice = await selectBackend(undefined, opts.backend);
    let engine: EngineChoice;
    try {
      engine = chooseEngine(opts.engine, opts.threads);
    } catch (err) {
      throw new UserError((err as Error).message);
    }
    if (engine.warning) log(`warning: ${engine.warning}`);
    const skipped = choice.skipped.length ? ` (skipped ${choice.skipped.map((s) => s.name).join(', ')})` : '';
    log(`backend: ${choice.name}${skipped}`);
    return f(new CommandContext(log, engine, opts.maxImagePixels));
  };

  program
    .command('train')
    .description('train on MNIST; writes model.json, its weights-HASH.bin, checkpoint.ckpt and training-log.json to --out')
    .requiredOption('--out <dir>', 'output directory')
    .option('--preset <name>', `model preset (${Object.keys(PRESETS).join(', ')})`, 'seed')
    .addOption(
      new Option('--recipe <name>', `how to train: ${Object.entries(RECIPES).map(([k, r]) => `${k} = ${r.description}`).join('; ')}`)
        .choices(Object.keys(RECIPES))
        .default('fast'),
    )
    .option('--minutes <m>', 'train to a time budget: the whole command ends within M minutes (fast: 5)', numberIn(0, 1e5, true))
    .option('--epochs <n>', 'train for N epochs instead of a time budget (seed: 50)', positiveInt)
    .option('--init <dir>', "start from a trained model's weights (same architecture; its preset and widths unless typed)")
    .addOption(new Option('--schedule <kind>', 'learning-rate schedule (fast: cosine; seed: constant)').choices(['constant', 'cosine']))
    .option('--warmup-steps <n>', 'steps of linear learning-rate warm-up (fast: 50)', nonNegativeInt)
    .option('--batch <n>', 'batch size (fast: 100; seed: 1000)', positiveInt)
    .option('--limit <n>', 'use only the first N training images', positiveInt)
    .option('--dataset <spec>', 'mnist | fashion-mnist | mnist-rot:DEG | mnist-pose:U|N|upright | mnist-colour | idx:IMAGES[,LABELS] | dir:PATH', 'mnist')
    .option('--size <n>', 'side that dir: images are resized to', positiveInt, 28)
    .option('--channels <c>', "values per pixel: 1 grey, 3 RGB (default: the data's; dir: folders are read grey unless 3 or 4)", intIn(1, MAX_MODEL_CHANNELS))
    .option('--hidden <n>', 'set every hidden width (fast: 256; seed: 512)', positiveInt)
    .option('--content-dims <n>', 'content latents (seed: 10)', positiveInt)
    .option('--ce-weight <w>', 'cross-entropy weight (seed: 1e-3)', numberIn(0, 1e4))
    .option('--mse-weight <w>', 'MSE weight (seed: 1)', numberIn(0, 1e4))
    .option('--kl-weight <w>', 'KL weight (seed: 5)', numberIn(0, 1e4))
    .option('--kl-warp <w>', 'KL weight of the warp latents alone (default: --kl-weight)', numberIn(0, 1e4))
    .addOption(new Option('--kl-scaling <mode>', 'KL scaling: seed = sum/(batch·latent)², mean, per-image').choices(['seed', 'mean', 'per-image']))
    .addOption(new Option('--likelihood <kind>', 'reconstruction term: mse (seed), bce or gaussian (summed over pixels: with --kl-scaling per-image, a proper ELBO)').choices(['mse', 'bce', 'gaussian']))
    .option('--sigma <s>', 'σ of the gaussian likelihood (default 0.1)', numberIn(0, 10, true))
    .addOption(new Option('--predictor-input <which>', 'classifier input: seed = z[:, :-1], content = content latents').choices(['seed', 'content']))
    .option('--warp-scale <s>', 'warp scale s in M = s·P3 + I (seed, affine: 0.1)', numberIn(0, 10, true))
    .option('--rotation-prior <sigma>', 'σθ of the angle prior N(0, σθ²), radians (rotation presets; default π/4)', numberIn(0, 10, true))
    .option('--translation-prior <sigma>', 'σt of the translation prior, grid units (rotation-translation, rotation-affine; default 0.1)', numberIn(0, 10, true))
    .option('--validation-split <f>', 'fraction held out at the end (seed: 0.02)', numberIn(0, 0.9))
    .option('--learning-rate <lr>', 'Adam learning rate, the peak of a schedule (fast: 2e-3; seed: 1e-3)', numberIn(0, 1, true))
    .option('--seed <n>', 'random seed (seed: 1234)', nonNegativeInt)
    .option('--kl-warmup <epochs>', 'ramp the KL weight up from 0 over this many epochs', numberIn(0, 1e6))
    .option('--rotation-augment <deg>', 'turn encoder inputs by a known angle in ±deg and add it to θ (rotation presets)', numberIn(0, 180))
    .option('--angle-search <k>', 'read each image at k turns (360/k degrees apart) and keep the best reconstruction: full-circle rotations (rotation presets; 0: off)', intIn(0, 64))
    .option('--search-pixels <n>', 'random pixels a training step\'s angle search compares on (default 64)', intIn(1, 1e6))
    .option('--moment-align', "the encoder reads each image turned so that its ink's third moment points up, and the angle gets the turn back: a read that turns with the image (rotation presets)")
    .addOption(new Option('--align-frame <frame>', "with --moment-align, the frame images are turned into: ink (the third moment up) or axis (the principal axis upright, the third moment's end on top)").choices(['ink', 'axis']))
    .option('--mixture <k>', 'a mixture of k Gaussians as the content prior, learned (VaDE), so that the content gathers into k groups; fitted by k-means on the content at the start (0: the normal prior)', intIn(0, 256))
    .option('--cluster-weight <w>', 'weight of a clustering term (with --mixture): minus the mutual information between each image and its mixture component, so the content falls into k even, well-separated groups (default 0)', numberIn(0, 1e4))
    .option('--cluster-balance <m>', "with --cluster-weight, how much the components' evenness weighs against each image's sureness (default 1: the mutual information; IMSAT: 4)", numberIn(0, 100))
    .option('--consistency-weight <w>', "weight of a consistency term (with --mixture): the component each image is read into should not change under the worst small change of the encoder's input (VAT, as IMSAT clusters with it; default 0)", numberIn(0, 1e4))
    .option('--consistency-radius <r>', 'length (L2, pixel values in [0, 1]) of that change per image (default 1)', numberIn(0, 1e3, true))
    .option('--pool-content', 'content = the mean of the readings of the image and its three quarter turns (or, with --pool-turns 2, its half turn), so a turn must go through the angle (rotation presets)')
    .option('--pool-turns <k>', 'with --pool-content, the turns pooled over: 4 (quarter turns, square images) or 2 (the half turn: what the axis frame leaves unknown)', intOf(POOL_TURNS))
    .option('--pixels <n>', 'decode and score only n random pixels per step (an unbiased, cheaper MSE; fast: 196)', positiveInt)
    .option('--micro-batch <n>', 'images per forward/backward chunk (bounds memory; same gradients)', positiveInt)
    .option('--resume', 'continue the run in --out from its checkpoint')
    .option('--force', 'replace a model already in --out (one without a checkpoint)')
    .action((o, command: Command) =>
      run(
        withBackend((ctx) =>
          trainCommand(
            {
              ...o,
              crossEntropy: o.ceWeight,
              mse: o.mseWeight,
              kl: o.klWeight,
              cluster: o.clusterWeight,
              consistency: o.consistencyWeight,
              // What was typed, as against defaults: --resume refuses typed options that contradict the run.
              given: Object.keys(o).filter((k) => command.getOptionValueSource(k) === 'cli'),
            },
            ctx,
          ),
        )(),
      ),
    );

  for (const mode of ['normalize', 'reconstruct'] as const) {
    const command = readingCommand(
      program,
      `${mode} <in> <out>`,
      mode === 'normalize'
        ? 'decode images with the warp switched off (IN, OUT: .idx N×28×28 uint8, or .png)'
        : 'decode images with the warp on (IN, OUT: .idx N×28×28 uint8, or .png)',
    )
      .addOption(sampleOption())
      .addOption(sampleSeedOption())
      .option('--scale <n>', 'PNG upscale factor', positiveInt, 1);
    if (mode === 'normalize') {
      command
        .option('--resample', "output the input's own pixels moved by the inverse of the inferred pose, not the decoder's drawing (keeps their sharpness)")
        .option(
          '--passes <n>',
          `encoder passes, each reading the pose the last one left (default: 1, the original's; with --resample ${UNWARP_PASSES}); before the decoder draws, the input is straightened by all passes but the last`,
          positiveInt,
        );
    }
    command.action((input: string, output: string, o) => run(withBackend((ctx) => decodeCommand(mode, input, output, o, ctx))()));
  }

  readingCommand(program, 'render <in> <out>', 'decode at any resolution: the decoder evaluated on a finer grid, not interpolated (IN: .idx or .png)')
    .option('--size <n>', 'output side in pixels', positiveInt, 112)
    .option('--normalized', 'warp off (the default)')
    .option('--reconstructed', 'warp on')
    .addOption(
      new Option('--pose <spec>', "each input's content drawn at this pose, e.g. rotation=30,shear=0.1,scale=1.2,shift=0.1,-0.05 (degrees counter-clockwise; shift in grid units, the image spans -1..1)")
        .argParser(poseSpec)
        .conflicts('reconstructed'),
    )
    .addOption(sampleOption())
    .addOption(sampleSeedOption())
    .option('--scale <n>', 'PNG upscale factor', positiveInt, 1)
    .action((input: string, output: string, o) => run(withBackend((ctx) => renderCommand(input, output, o, ctx))()));

  readingCommand(program, 'traverse', 'a grid with one row per latent (content, then warp), each swept from −r to r')
    .requiredOption('--out <file.png>', 'output PNG')
    .option('--image <in>', 'sweep around this image\'s latent (.idx: the first image, or .png); default: the prior mean')
    .option('--range <r>', 'sweep from −r to r', finiteNumber, 2)
    .option('--steps <n>', 'images per row', positiveInt, 9)
    .option('--gif <file.gif>', 'also write an animation of the digit turned through each warp latent')
    .option('--scale <n>', 'upscale factor', positiveInt, 2)
    .action((o) => run(withBackend((ctx) => traverseCommand(o, ctx))()));

  readingCommand(program, 'interpolate <a> <b>', 'a row of images whose latents go in a straight line from image A to image B')
    .requiredOption('--out <file.png>', 'output PNG')
    .option('--steps <n>', 'images in the row', positiveInt, 10)
    .option('--scale <n>', 'upscale factor', positiveInt, 2)
    .action((a: string, b: string, o) => run(withBackend((ctx) => interpolateCommand(a, b, o, ctx))()));

  readingCommand(program, 'figure', "the original's figure: the first 12 training images above their normalized versions")
    .requiredOption('--out <file.png>', 'output PNG')
    .addOption(sampleOption())
    .addOption(sampleSeedOption())
    .option('--scale <n>', 'upscale factor (nearest)', positiveInt, 4)
    .action((o) => run(withBackend((ctx) => figureCommand(o, ctx))()));

  readingCommand(program, 'transforms <in> <out>', 'the pose inferred for each image (rotation, scale, shear, translation) as CSV; IN: .idx or .png')
    .addOption(sampleOption())
    .addOption(sampleSeedOption())
    .action((input: string, output: string, o) => run(withBackend((ctx) => transformsCommand(input, output, o, ctx))()));

  readingCommand(program, 'evaluate', 'test-set MSE, KL (nats/image), cross-entropy and accuracy as JSON on stdout; --report: the whole evaluation suite')
    .option('--limit <n>', 'use only the first N test images (with --report: for the normalization measures; the likelihood and accuracy use all)', positiveInt)
    .option('--batch <n>', 'batch size (the KL term depends on it)', positiveInt, 1000)
    .option('--seed <n>', 'seed of the latent samples and the random transforms', nonNegativeInt, 0)
    .option('--report <dir>', 'run the whole evaluation suite; write report.json, report.md and figures to DIR')
    .option('--dataset <spec>', 'test data: mnist | fashion-mnist | mnist-rot:DEG | mnist-pose:U|N | idx:IMAGES[,LABELS] | dir:PATH', 'mnist')
    .option('--references <n>', '1-NN reference images (the first N of the training set)', positiveInt, 10000)
    .option('--range <rot,shear,scale>', 'add a custom transform setting: rotation ±deg, shear ±s, scale ±f (repeatable)', collectRange, [])
    .option('--no-defaults', 'leave out the natural (±20°, shear ±0.2) and hard (±45°) settings (a mnist-pose: set leaves them out anyway)')
    .option('--restarts <n>', 'k-means restarts of the clustering section (0: no clustering)', nonNegativeInt, 10)
    .option('--plain <dir>', 'also cluster this model\'s content latents (e.g. a plain VAE, --preset none)')
    .action((o) => run(withBackend((ctx) => evaluateCommand(o, ctx))()));

  program
    .command('serve')
    .description('serve the web app (draw a digit, watch it normalized) and the models; prints the URL')
    .option('--port <n>', 'port (0: any free one)', nonNegativeInt, 5180)
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--model <dir>', 'a model directory to offer first, beside the shipped models')
    .action((o) => run(serveCommand(o, log)));

  return program;
}

function collectRange(value: string, previous: number[][]): number[][] {
  const parts = value.split(',').map(Number);
  if (parts.length !== 3 || parts.some((v) => !Number.isFinite(v) || v < 0)) {
    throw new InvalidArgumentError(`'${value}' is not ROTATION,SHEAR,SCALE (three non-negative numbers)`);
  }
  return [...previous, parts];
}

/** Turns an error into one line for the user; a bug keeps its stack when DEBUG is set. */
export function describeError(err: unknown): string {
  if (err instanceof UserError || err instanceof IdxError) return `error: ${err.message}`;
  if (err instanceof Error) return `error: ${err.message}${process.env.DEBUG ? `\n${err.stack}` : ''}`;
  return `error: ${String(err)}`;
}

/** Runs the CLI with `argv` (without node and script) and resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  registerGradients();
  let pending: Promise<number> | null = null;
  const program = buildProgram((p) => (pending = p));
  program.exitOverride();
  program.commands.forEach((c) => c.exitOverride());
  try {
    await program.parseAsync(argv, { from: 'user' });
    if (pending === null) {
      program.outputHelp();
      return 1;
    }
    return await pending;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    log(describeError(err));
    return 1;
  }
}
