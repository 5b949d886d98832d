import type { ImageSet } from '../data/dataset.ts';
import { toUnit } from '../data/pixels.ts';
import { compose } from '../model/transform.ts';
import { poolTurnsOf } from '../model/config.ts';
import { Rng } from '../model/rng.ts';
import { type AffineVAE, UNWARP_PASSES } from '../model/vae.ts';
import { type Picture, stack, tile, upscale } from '../render/figure.ts';
import { evaluateSet } from '../objective/metrics.ts';
import { meanLatentAccuracy } from './classifier.ts';
import { histogramSvg, scatterSvg } from '../render/plots.ts';
import { type Normalizer, type PoseRecovery, baselines, invarianceOf, modelNormalizer, nearestNeighbourAccuracy, poseRecovery, transformSet } from './suite.ts';
import { transformImages } from '../model/transform-images.ts';
import { HARD_RANGES, NATURAL_RANGES, type TransformRanges } from './transforms.ts';
import { type AppliedPoseRecovery, appliedPoseRecovery, momentPoseRecovery } from './pose.ts';
import { type ClusterSet, type ClusteredModel, type ClusteringResult, clusteringResults, contentFeatures } from './clustering.ts';

/** The transform settings the suite measures when none are given: natural and hard. */
export const EVALUATION_DEFAULTS: { name: string; ranges: TransformRanges }[] = [
  { name: 'natural', ranges: NATURAL_RANGES },
  { name: 'hard', ranges: HARD_RANGES },
];

/** What {@link evaluationReport} measures on. */
export interface ReportOptions {
  /** Test images (queries). */
  test: ImageSet;
  /** Test images for the likelihood and classifier figures (default: `test`); they are cheap, so the whole test set can go here. */
  likelihoodTest?: ImageSet;
  /** Training images, the 1-NN references. */
  references: ImageSet;
  seed: number;
  /** Default: {@link EVALUATION_DEFAULTS}. */
  settings?: { name: string; ranges: TransformRanges }[];
  /** What the test images are, where they are not upright digits (named in the report). */
  testName?: string;
  /**
   * Where `test` holds posed images (`test.poses`): the same digits unposed, for scoring the
   * pose read-out against the applied poses.
   */
  upright?: ImageSet;
  /**
   * Clustering: k-means on these labelled sets (default: `test`) with this many restarts, on the
   * model's content latents, the pixel baselines, and the content latents of `others` (e.g. a
   * plain VAE). Off when absent.
   */
  clustering?: { sets?: ClusterSet[]; others?: ClusteredModel[]; restarts: number; /** See {@link clusteringResults}. */ reference?: string };
  /** Called as the work advances (a report on a searching model can take half an hour). */
  onProgress?: EvaluationProgress;
}

/**
 * Where a running evaluation is: `done` of `total` units, in the phase named. A unit is about
 * one searched read of one image (normalizing with 5 passes searches twice), so that a
 * straight-line estimate of the time left roughly holds across phases.
 */
export type EvaluationProgress = (p: { phase: string; done: number; total: number }) => void;

/** Images a model normalizer takes at a time, between progress reports. */
const PROGRESS_CHUNK = 250;

/** One transform setting's results, per normalizer. */
export interface SettingResult {
  name: string;
  ranges: TransformRanges;
  invariance: Record<string, number>;
  nearestNeighbourTransformed: Record<string, number>;
  pose: Omit<PoseRecovery, 'inferredRotation'>;
}

/** The whole report (also written as report.json). */
export interface EvaluationReport {
  images: number;
  references: number;
  seed: number;
  /** Candidate turns of the model's angle search as it read here (0: no search). */
  angleSearch: number;
  /** Whether the model read with moment alignment (`config.momentAlign`). */
  momentAlign: boolean;
  /** The turns the model's content is pooled over (`config.poolTurns`: 4 or 2; 0: not pooled). */
  poolTurns: number;
  /** Over `likelihoodImages` test images. `accuracy` samples z (as Keras' evaluate); `accuracyAtMean` uses the posterior mean. */
  likelihood: { images: number; mse: number; klNats: number; bceNegElbo: number; accuracy: number; accuracyAtMean: number };
  /**
   * 1-NN accuracy of the normalized test images (as given: upright MNIST digits, or a posed
   * set's digits) against the normalized references.
   */
  nearestNeighbourUpright: Record<string, number>;
  /** What the test images are, where they are not upright digits (e.g. `MNIST(U)`). */
  testName?: string;
  settings: SettingResult[];
  /** The applied poses of a posed test set, as the model reads them (see {@link ReportOptions.upright}). */
  appliedPose?: Omit<AppliedPoseRecovery, 'inferredRotation'>;
  /** The same scoring of a reader with no model: the ink's third moment and centroid ({@link momentPoseRecovery}). */
  appliedPoseMoments?: Omit<AppliedPoseRecovery, 'inferredRotation'>;
  /** k-means on content latents and baselines (see {@link ReportOptions.clustering}). */
  clustering?: ClusteringResult[];
  verdicts: string[];
}

/** Bernoulli negative ELBO in nats per image: `Σ_pixels BCE(x, decode(z)) + KL`, one sample of z. */
export function bernoulliNegElbo(model: AffineVAE, x: Float32Array, klNats: number, seed: number): number {
  const y = model.reconstruct(x, { sample: true, rng: new Rng(seed) });
  let bce = 0;
  for (let i = 0; i < x.length; i++) {
    const p = Math.min(1 - 1e-7, Math.max(1e-7, y[i]));
    bce -= x[i] * Math.log(p) + (1 - x[i]) * Math.log(1 - p);
  }
  return bce / (x.length / model.values) + klNats;
}

/** Runs every measurement of the evaluation suite against the baselines. */
export function evaluationReport(
  model: AffineVAE,
  o: ReportOptions,
): { report: EvaluationReport; inferredRotations: Record<string, number[]>; figures: Record<string, Picture>; charts: Record<string, string> } {
  const { test, references } = o;
  const { height: h, width: w } = test;
  const channels = test.channels ?? 1;
  const values = h * w * channels;
  const settingList = o.settings ?? EVALUATION_DEFAULTS;
  const lt = o.likelihoodTest ?? test;
  // Reads per image of each model normalizer, counting the reads that search (the costly ones
  // where a model searches; measured on mnist-pose, each phase then costs about the same per unit).
  const modelPasses: Record<string, number> = { model: 1, [`model ${UNWARP_PASSES + 1} passes`]: 2, 'model resampled': 1 };
  const readsPerNormalizedImage = Object.values(modelPasses).reduce((a, b) => a + b, 0);
  const clusterSets: ClusterSet[] = o.clustering?.sets ?? [{ name: 'test', set: test }];
  const clusterImages = o.clustering ? clusterSets.reduce((a, c) => a + c.set.n + (c.references?.n ?? 0), 0) * (1 + (o.clustering.others?.length ?? 0)) : 0;
  const progress = progressCounter(o.onProgress, {
    likelihood: lt.n,
    normalizing: readsPerNormalizedImage * (references.n + test.n * (1 + settingList.length)),
    pose: 2 * test.n * settingList.length + (o.upright ? 2 * test.n : 0),
    clustering: clusterImages,
  });
  // The model's normalizers go in chunks, so that progress can be told between them.
  const chunked =
    (name: string, f: Normalizer): Normalizer =>
    (x, n) => {
      const out = new Float32Array(x.length);
      const v = x.length / n;
      for (let i = 0; i < n; i += PROGRESS_CHUNK) {
        const m = Math.min(PROGRESS_CHUNK, n - i);
        out.set(f(x.subarray(i * v, (i + m) * v), m), i * v);
        progress.advance(`normalizing (${name})`, m * modelPasses[name]);
      }
      return out;
    };
  const normalizers: Record<string, Normalizer> = {
    model: chunked('model', modelNormalizer(model)),
    [`model ${UNWARP_PASSES + 1} passes`]: chunked(`model ${UNWARP_PASSES + 1} passes`, modelNormalizer(model, 'decoded', UNWARP_PASSES + 1)),
    'model resampled': chunked('model resampled', modelNormalizer(model, 'resampled')),
    ...baselines(h, w, channels),
  };
  const unit = (s: ImageSet) => toUnit(s.images);
  const testX = unit(test);
  const refX = unit(references);

  progress.advance('likelihood', 0);
  const m = evaluateSet(model, lt, 1000, o.seed, 200);
  const likelihood = {
    images: lt.n,
    mse: m.mse,
    klNats: m.klNats,
    bceNegElbo: bernoulliNegElbo(model, lt === test ? testX : unit(lt), m.klNats, o.seed),
    accuracy: m.accuracy,
    accuracyAtMean: meanLatentAccuracy(model, lt),
  };
  progress.advance('likelihood', lt.n);

  // Each normalizer runs once per image set (references, upright test digits, each setting's
  // transformed ones); invariance and 1-NN share the results.
  const normalizeAll = (x: Float32Array, n: number) => Object.fromEntries(Object.entries(normalizers).map(([name, f]) => [name, f(x, n)]));
  const refsBy = normalizeAll(refX, references.n);
  const uprightBy = normalizeAll(testX, test.n);
  const knn = (name: string, normalized: Float32Array) => nearestNeighbourAccuracy(normalized, test.labels!, refsBy[name], references.labels!, values);
  const nearestNeighbourUpright = Object.fromEntries(Object.keys(normalizers).map((name) => [name, knn(name, uprightBy[name])]));

  const settings: SettingResult[] = [];
  const inferredRotations: Record<string, number[]> = {};
  const charts: Record<string, string> = {};
  for (const [k, s] of settingList.entries()) {
    const t = transformSet(test, s.ranges, o.seed + 17 * (k + 1)); // t.original holds testX's values
    const transformedBy = normalizeAll(t.transformed, t.n);
    const inv = Object.fromEntries(Object.keys(normalizers).map((name) => [name, invarianceOf(uprightBy[name], transformedBy[name], t)]));
    const nn = Object.fromEntries(Object.keys(normalizers).map((name) => [name, knn(name, transformedBy[name])]));
    const { inferredRotation, ...pose } = poseRecovery(model, t);
    progress.advance(`pose read-out (${s.name})`, 2 * t.n);
    inferredRotations[s.name] = inferredRotation;
    const r = Math.max(10, 1.5 * s.ranges.rotation);
    charts[`angles-${s.name}`] = histogramSvg(inferredRotation, [-r, r], 36, `Inferred rotation, ${s.name} setting`, 'inferred rotation of Tx relative to x (degrees)');
    charts[`angle-scatter-${s.name}`] = scatterSvg(
      t.applied.map((a) => a.rotation),
      inferredRotation,
      [-r, r],
      `Inferred against applied rotation, ${s.name} setting`,
      'applied rotation (degrees)',
      'inferred rotation (degrees)',
    );
    settings.push({ name: s.name, ranges: s.ranges, invariance: inv, nearestNeighbourTransformed: nn, pose });
  }

  let appliedPose: EvaluationReport['appliedPose'];
  let appliedPoseMoments: EvaluationReport['appliedPoseMoments'];
  if (o.upright) {
    const { inferredRotation: _, ...moments } = momentPoseRecovery(test, o.upright);
    appliedPoseMoments = moments;
    progress.advance('pose read-out (applied poses)', 0);
    const { inferredRotation, ...rest } = appliedPoseRecovery(model, test, o.upright);
    progress.advance('pose read-out (applied poses)', 2 * test.n);
    appliedPose = rest;
    inferredRotations.applied = inferredRotation;
    charts['angle-scatter-applied'] = scatterSvg(
      Array.from({ length: test.n }, (_, i) => test.poses![3 * i]),
      inferredRotation,
      [-180, 180],
      'Read against applied rotation, posed test set',
      'applied rotation (degrees)',
      'read rotation, posed minus upright (degrees)',
    );
  }
  const clustering = o.clustering
    ? clusteringResults(clusterSets, [{ name: 'model', model }, ...(o.clustering.others ?? [])], {
        seed: o.seed,
        restarts: o.clustering.restarts,
        reference: o.clustering.reference,
        onSet: (name, images) => progress.advance(`clustering (${name})`, images),
      })
    : undefined;
  progress.finish();

  const verdicts: string[] = [];
  for (const s of settings) {
    const best = (r: Record<string, number>, lower: boolean) =>
      Object.entries(r).filter(([n]) => !n.startsWith('model')).reduce((a, b) => ((lower ? b[1] < a[1] : b[1] > a[1]) ? b : a));
    const [bi, biv] = best(s.invariance, true);
    const [bn, bnv] = best(s.nearestNeighbourTransformed, false);
    const says = (v: number, base: number, lower: boolean) => ((lower ? v < base : v > base) ? 'beats' : 'does not beat');
    const all = (r: Record<string, number>, base: number, lower: boolean) =>
      Object.keys(r)
        .filter((n) => n.startsWith('model'))
        .map((n) => `${n} ${fmt(r[n])} ${says(r[n], base, lower)} it`)
        .join(', ');
    verdicts.push(
      `${s.name}: invariance vs best baseline ${bi} ${fmt(biv)}: ${all(s.invariance, biv, true)}; ` +
        `1-NN of transformed digits vs ${bn} ${fmt(bnv)}: ${all(s.nearestNeighbourTransformed, bnv, false)}.`,
    );
  }
  return {
    report: {
      images: test.n,
      references: references.n,
      seed: o.seed,
      angleSearch: model.config.angleSearch ?? 0,
      momentAlign: model.config.momentAlign === true,
      poolTurns: poolTurnsOf(model.config),
      likelihood,
      nearestNeighbourUpright,
      ...(o.testName ? { testName: o.testName } : {}),
      settings,
      ...(appliedPose ? { appliedPose, appliedPoseMoments } : {}),
      ...(clustering ? { clustering } : {}),
      verdicts,
    },
    inferredRotations,
    charts,
    figures: { 'rotation-grid': rotationGrid(model, testX.subarray(0, 6 * values), h, w, channels) },
  };
}

/**
 * Six digits turned from −60° to 60° (rows; the full circle for a model that searches or aligns), above the model's normalized versions (decoded),
 * above the turned digits straightened by the model ({@link AffineVAE.unwarp}).
 */
function rotationGrid(model: AffineVAE, digits: Float32Array, h: number, w: number, channels: number): Picture {
  // A model that searches angles reads the full circle: show it all.
  const angles = model.searches ? [-135, -90, -45, 0, 45, 90, 135, 180] : [-60, -40, -20, 0, 20, 40, 60];
  const v = h * w * channels;
  const n = digits.length / v;
  const T = [];
  const src = new Float32Array(n * angles.length * v);
  for (let d = 0; d < n; d++) {
    for (const [k, a] of angles.entries()) {
      src.set(digits.subarray(d * v, (d + 1) * v), (d * angles.length + k) * v);
      T.push(compose(a, 1, 1, 0));
    }
  }
  const turned = transformImages(src, n * angles.length, h, w, T, undefined, channels);
  const grid = (images: Float32Array) => tile(images, n * angles.length, h, w, angles.length, 1, 0, channels);
  return upscale(stack([grid(turned), grid(model.normalize(turned)), grid(model.unwarp(turned))], 4), 2);
}

/** Counts units of work against a plan of phases, and tells `report` (if any) at each step. */
function progressCounter(report: EvaluationProgress | undefined, plan: Record<string, number>) {
  const total = Object.values(plan).reduce((a, b) => a + b, 0);
  let done = 0;
  return {
    advance(phase: string, units: number) {
      done = Math.min(total, done + units);
      report?.({ phase, done, total });
    },
    finish() {
      report?.({ phase: 'done', done: total, total });
    },
  };
}

const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : 'n/a');

/**
 * The normalization table: 1-NN accuracy and invariance per setting, one column per normalizer
 * (Markdown; `evaluate --report` prints it on stdout).
 */
export function summaryTable(r: EvaluationReport): string[] {
  const names = Object.keys(r.nearestNeighbourUpright);
  const row = (label: string, values: Record<string, number>) => `| ${label} | ${names.map((n) => fmt(values[n])).join(' | ')} |`;
  const lines = [`| measure | ${names.join(' | ')} |`, `|---|${names.map(() => '---').join('|')}|`, row(`1-NN accuracy, ${r.testName ? `${r.testName} test digits` : 'upright digits'}`, r.nearestNeighbourUpright)];
  for (const s of r.settings) {
    const range = `rotation ±${s.ranges.rotation}°, shear ±${s.ranges.shear}, scale ±${s.ranges.scale}`;
    lines.push(row(`invariance, ${s.name} (${range}); lower is better`, s.invariance));
    lines.push(row(`1-NN accuracy, transformed, ${s.name}`, s.nearestNeighbourTransformed));
  }
  return lines;
}

/** The report as Markdown tables. */
export function reportMarkdown(r: EvaluationReport, model: string): string {
  const lines = [
    `# Evaluation of ${model}`,
    '',
    `${r.images} test digits${r.testName ? ` (${r.testName})` : ''}, ${r.references} training digits as 1-NN references, seed ${r.seed}.` +
      (r.angleSearch ? ` The model reads each image's turn among ${r.angleSearch} candidates (its angle search).` : '') +
      (r.momentAlign ? " It reads each image turned and centred by its ink's moments (moment alignment)." : '') +
      (r.poolTurns ? ` Its content is the mean of its readings of the image and of its ${r.poolTurns === 2 ? 'half turn' : 'three quarter turns'} (pooled content).` : ''),
    '',
    '## Likelihood and reconstruction',
    '',
    `On ${r.likelihood.images} test digits. The classifier reads a sampled z (as the original's Keras evaluate) or the posterior mean.`,
    '',
    '| test MSE (per pixel) | KL (nats/image) | Bernoulli −ELBO (nats/image) | classifier accuracy, sampled z | classifier accuracy, posterior mean |',
    '|---|---|---|---|---|',
    `| ${r.likelihood.mse.toFixed(5)} | ${r.likelihood.klNats.toFixed(2)} | ${r.likelihood.bceNegElbo.toFixed(2)} | ${fmt(r.likelihood.accuracy)} | ${fmt(r.likelihood.accuracyAtMean)} |`,
    '',
    '## Normalization against baselines',
    '',
    `\`model\`: the decoder draws the posterior mean with the warp off, as the original (\`normalize\`). \`model ${UNWARP_PASSES + 1} passes\`: the same, ` +
      `from the latent of the input first straightened in ${UNWARP_PASSES} encoder passes (\`normalize --passes ${UNWARP_PASSES + 1}\`). ` +
      `\`model resampled\`: the input's own pixels moved by the inverse of the pose read in ${UNWARP_PASSES} passes (\`normalize --resample\`).`,
    '',
    ...summaryTable(r),
  ];
  // A posed set brings its own poses and has no transform settings: its read-out is the applied-pose section.
  if (r.settings.length) {
    lines.push('', '## Pose recovery (the model)', '', '| setting | rotation error (°) | rotation circular corr. | shear error | shear corr. | scale error | scale corr. |', '|---|---|---|---|---|---|---|');
  }
  for (const s of r.settings) {
    const p = s.pose;
    lines.push(`| ${s.name} | ${p.rotationErrorDeg.toFixed(2)} | ${fmt(p.rotationCorrelation)} | ${fmt(p.shearError)} | ${fmt(p.shearCorrelation)} | ${fmt(p.scaleError)} | ${fmt(p.scaleCorrelation)} |`);
  }
  lines.push(...poseAndClusteringSections(r));
  if (r.verdicts.length) lines.push('', '## Verdict', '', ...r.verdicts.map((v) => `- ${v}`));
  lines.push('');
  return lines.join('\n');
}

/** The applied-pose and clustering sections of a report (Markdown; empty where it has neither). */
export function poseAndClusteringSections(r: EvaluationReport): string[] {
  const lines: string[] = [];
  if (r.appliedPose) {
    const p = r.appliedPose;
    const row = (reader: string, q: typeof p) =>
      `| ${reader} | ${fmt(q.rotationCorrelation)} | ${q.rotationErrorDeg.toFixed(2)} | ${q.rotationErrorDegNo69.toFixed(2)} | ${q.rotationErrorDegModHalfTurn.toFixed(2)} | ${fmt(q.flipped)} | ${fmt(q.translationCorrelationX)} | ${fmt(q.translationCorrelationY)} | ${q.translationErrorPx.toFixed(2)} |`;
    lines.push(
      '',
      '## Applied poses',
      '',
      `The pose read on each posed test image minus the pose read on the same digit upright, against the pose the data set applied (${p.images} images). ` +
        'The shift read is the posed digit\'s centre less the upright digit\'s centre turned by the read rotation. ' +
        '`ink moments`: no model, the direction of the ink\'s third moment and its centroid. They turn and move with the image, so this protocol, which asks whether a read turns with the image, scores them near perfectly.',
      '',
      '| reader | rotation circular corr. | rotation error (°) | error, no 6 or 9 (°) | error modulo a half turn (°) | read over 90° off | translation corr. x | translation corr. y | translation error (px) |',
      '|---|---|---|---|---|---|---|---|---|',
      row('model', p),
      ...(r.appliedPoseMoments ? [row('ink moments (no model)', r.appliedPoseMoments)] : []),
    );
    if (p.rotationErrorByDigit.length) {
      lines.push(
        '',
        'Mean rotation error by digit (°):',
        '',
        `| ${p.rotationErrorByDigit.map((_, c) => c).join(' | ')} |`,
        `|${p.rotationErrorByDigit.map(() => '---').join('|')}|`,
        `| ${p.rotationErrorByDigit.map((e) => (Number.isFinite(e) ? e.toFixed(1) : 'n/a')).join(' | ')} |`,
      );
    }
  }
  if (r.clustering) {
    lines.push(
      '',
      '## Clustering',
      '',
      'k-means (k-means++ seeding, the best of several restarts by inertia), scored by the accuracy of the best one-to-one matching of clusters to digits (Hungarian). ' +
        'The 6 = 9 column runs k-means with 9 clusters and counts 6 and 9 as one class. `saw labels`: whether the model that made the features was trained with a classifier loss. ' +
        '`active latents`: content latents whose posterior mean varies over the images (standard deviation above 0.1); a collapsed one separates nothing. ' +
        '`moved by the pose`: the mean squared distance between each digit\'s features posed and upright, over the features\' variance on upright digits (0: blind to the pose; about 2: unrelated). ' +
        '`prior\'s units` (models with a mixture prior): the same k-means on the content with each latent divided by its scale within the prior\'s components (root mean square over them); a learned mixture leaves the latents\' units free, and k-means, which assumes round clusters, reads them best where each spreads about 1 within a component. ' +
        '`mixture components` (models with a mixture prior): no k-means; each digit counts in the component of the prior its content is read into. ' +
        '`labelled 1-NN` (where the set came with labelled training digits): not a clustering; each digit takes the label of the training digit whose features are nearest, so it says how much of the class the features hold, and k-means, which sees no labels, rarely beats it. ' +
        'k-means itself varies by a few hundredths between sets of features that barely differ.',
      '',
      '| images | features | saw labels | active latents | moved by the pose | accuracy, 10 clusters | accuracy, 6 = 9 | labelled 1-NN |',
      '|---|---|---|---|---|---|---|---|',
      ...r.clustering.map(
        (c) =>
          `| ${c.set} | ${c.features} | ${c.sawLabels === null ? '—' : c.sawLabels ? 'yes' : 'no'} | ${c.activeLatents ?? '—'} | ${c.poseShift === null ? '—' : fmt(c.poseShift)} | ${fmt(c.accuracy)} | ${fmt(c.accuracy69)} | ${c.nearestNeighbour === null || c.nearestNeighbour === undefined ? '—' : fmt(c.nearestNeighbour)} |`,
      ),
    );
    const reads = r.clustering.filter((c) => c.features === contentFeatures('model'));
    if (reads.length) {
      lines.push(
        '',
        "Where the model's content clusters go wrong (k-means, 10 clusters): for each digit, the share of it in the cluster matched to it, then the commonest other cluster it falls in, by the digit that cluster is matched to (`spare`: matched to none).",
        '',
        `| digit | ${reads.map((c) => c.set).join(' | ')} |`,
        `|---|${reads.map(() => '---').join('|')}|`,
        ...reads[0].readAs.map((_, digit) => `| ${digit} | ${reads.map((c) => readAsCell(c.readAs, digit)).join(' | ')} |`),
      );
    }
  }
  return lines;
}

/** `right% · other: share%` for one digit's row of {@link ClusteringResult.readAs}. */
function readAsCell(readAs: number[][], digit: number): string {
  const row = readAs[digit];
  const total = row.reduce((a, b) => a + b, 0);
  if (total === 0) return 'n/a';
  const pct = (v: number) => `${Math.round((100 * v) / total)}%`;
  let other = -1;
  for (let d = 0; d < row.length; d++) if (d !== digit && row[d] > 0 && (other < 0 || row[d] > row[other])) other = d;
  return other < 0 ? pct(row[digit]) : `${pct(row[digit])} · ${other === row.length - 1 ? 'spare' : other}: ${pct(row[other])}`;
}
