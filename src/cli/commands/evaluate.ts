import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { slice } from '../../data/dataset.ts';
import { meanLatentAccuracy } from '../../eval/classifier.ts';
import { evaluateSet } from '../../objective/metrics.ts';
import { EVALUATION_DEFAULTS, evaluationReport, poseAndClusteringSections, reportMarkdown, summaryTable } from '../../eval/report.ts';
import { loadDataset, requireChannels } from '../../io/datasets.ts';
import type { ImageSet } from '../../data/dataset.ts';
import type { AffineVAE } from '../../model/vae.ts';
import { UserError, writeFileAtomic } from '../../io/files.ts';
import { writePng } from '../../io/png.ts';
import type { CommandContext, ModelChoice } from '../context.ts';
import { readOf } from '../context.ts';
import { progressBar } from '../progress.ts';

/**
 * `affine-vae evaluate`: test-set metrics as JSON on stdout; with `--report DIR`, the whole
 * evaluation suite (invariance, pose recovery, 1-NN, baselines) as report.json, report.md and
 * figures, and a summary table on stdout.
 */
export async function evaluateCommand(
  o: ModelChoice & {
    limit?: number;
    batch: number;
    seed: number;
    report?: string;
    dataset: string;
    references: number;
    range: number[][];
    defaults: boolean;
    restarts: number;
    plain?: string;
  },
  ctx: CommandContext,
): Promise<number> {
  const { log } = ctx;
  const model = await ctx.loadModel(o.model, readOf(o));
  try {
    const { warn, maxImagePixels } = ctx;
    const size = model.config.height === model.config.width ? model.config.height : undefined;
    const channels = model.channels;
    let test = loadDataset(o.dataset, 'test', { size, warn, maxImagePixels, channels });
    requireChannels(test, channels, o.dataset);
    if (test.height !== model.config.height || test.width !== model.config.width) {
      throw new UserError(`${o.dataset} holds ${test.height}×${test.width} images, the model takes ${model.config.height}×${model.config.width}`);
    }
    const fullTest = test;
    if (o.limit !== undefined) test = slice(test, 0, o.limit);
    if (o.report) {
      const references = slice(loadDataset(o.dataset, 'train', { size, warn, maxImagePixels, channels }), 0, o.references);
      log(`evaluating ${o.model} on ${test.n} test images against ${references.n} training references…`);
      // A posed set brings its own poses: its digits unposed, and the three sets the anchors cluster.
      const posed = test.poses !== undefined;
      const frame = test.width; // a posed set's frame
      const testPart = (spec: string): ImageSet => slice(loadDataset(spec, 'test'), 0, test.n);
      // Each clustered set's labelled read ("labelled 1-NN") looks up training digits posed as it is.
      const trainPart = (spec: string): ImageSet => slice(loadDataset(spec, 'train'), 0, references.n);
      const posedSet = (name: string, spec: string) => ({ name, set: testPart(spec), references: trainPart(spec) });
      const clusterSets = posed
        ? [
            posedSet('MNIST, upright', `mnist-pose:upright,frame=${frame}`),
            posedSet('MNIST(N)', `mnist-pose:N,frame=${frame}`),
            posedSet('MNIST(U)', `mnist-pose:U,frame=${frame}`),
          ]
        : [{ name: o.dataset, set: test, ...(references.labels ? { references } : {}) }];
      const upright = posed ? clusterSets[0].set : undefined;
      let plain: AffineVAE | undefined;
      if (o.plain) plain = await ctx.loadModel(o.plain);
      const settings = [
        ...(o.defaults && !posed ? EVALUATION_DEFAULTS : []),
        ...o.range.map(([rotation, shear, scale], i) => ({ name: `custom${o.range.length > 1 ? i + 1 : ''}`, ranges: { rotation, shear, scale } })),
      ];
      if (settings.length === 0 && !posed) throw new UserError('no transform settings: --no-defaults needs at least one --range');
      const labelled = clusterSets.every((c) => new Set(c.set.labels ?? []).size > 1);
      let result;
      const progress = progressBar('evaluate', log);
      try {
        result = evaluationReport(model, {
          test,
          likelihoodTest: fullTest,
          references,
          seed: o.seed,
          settings,
          upright,
          testName: posed ? o.dataset : undefined,
          clustering:
            o.restarts > 0 && labelled
              ? { sets: clusterSets, restarts: o.restarts, others: plain ? [{ name: o.plain!, model: plain }] : [], ...(posed ? { reference: 'MNIST, upright' } : {}) }
              : undefined,
          onProgress: (p) => progress.update(p),
        });
      } finally {
        progress.stop();
        plain?.dispose();
      }
      const { report, inferredRotations, figures, charts } = result;
      mkdirSync(o.report, { recursive: true });
      writeFileAtomic(join(o.report, 'report.json'), JSON.stringify({ model: o.model, ...report, inferredRotations }, null, 1));
      const md = reportMarkdown(report, o.model);
      writeFileAtomic(join(o.report, 'report.md'), md);
      for (const [name, img] of Object.entries(figures)) writePng(join(o.report, `${name}.png`), img);
      for (const [name, svg] of Object.entries(charts)) writeFileAtomic(join(o.report, `${name}.svg`), svg);
      process.stdout.write([...summaryTable(report), ...poseAndClusteringSections(report)].join('\n') + '\n');
      log(`wrote ${join(o.report, 'report.md')}, report.json and figures`);
      return 0;
    }
    log(`evaluating ${o.model} on ${test.n} test images…`);
    const m = evaluateSet(model, test, o.batch, o.seed, 64);
    const report = {
      model: o.model,
      images: test.n,
      mse: m.mse,
      kl: m.klNats,
      klTerm: m.kl,
      crossEntropy: m.crossEntropy,
      accuracy: m.accuracy,
      accuracyAtMean: meanLatentAccuracy(model, test),
      loss: m.loss,
    };
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    return 0;
  } finally {
    model.dispose();
  }
}
