import { type ImageSet, valuesPerImage } from '../data/dataset.ts';
import { toUnit } from '../data/pixels.ts';
import { Rng } from '../model/rng.ts';
import type { AffineVAE } from '../model/vae.ts';
import type { MixturePrior } from '../model/mixture.ts';
import { type MatchedClustering, matchClusters, matchedAccuracy } from './cluster.ts';
import { kMeans } from '../model/kmeans.ts';
import { momentNormalize } from './moments.ts';
import { nearestNeighbourAccuracy } from './suite.ts';

/**
 * The clustering section of a report: k-means on a model's content latents and on the
 * baselines' features, scored by matched accuracy with 10 classes and with 6 and 9 as one.
 */

/** One row: a feature set's clustering of one image set. */
export interface ClusteringResult {
  /** The image set's name (e.g. `MNIST(U)`). */
  set: string;
  /**
   * What was clustered: `pixels`, `moment-normalized pixels`, `NAME content latents`, and for a
   * model with a mixture prior `NAME content latents, prior's units` (each latent over its scale
   * within the prior's components, {@link MixturePrior.unitScales}) and `NAME mixture components`
   * (no k-means: the component of its mixture prior each digit is read into).
   */
  features: string;
  /** Whether the features' model was trained with labels (a classifier loss); null for pixels. */
  sawLabels: boolean | null;
  /** k-means with 10 clusters, matched accuracy over the 10 digits. */
  accuracy: number;
  /** What the 10 clusters read each digit as: {@link MatchedClustering.readAs}. */
  readAs: number[][];
  /** k-means with 9 clusters, matched accuracy with 6 and 9 as one class. */
  accuracy69: number;
  /**
   * For a model's content latents: how many are active, their posterior means varying over the
   * set with a standard deviation above 0.1 (Burda et al.'s variance above 0.01); null for pixels.
   * A collapsed latent carries nothing for k-means to separate.
   */
  activeLatents: number | null;
  /**
   * How much the features move when the digits are posed: the mean squared distance between
   * each digit's features here and on the reference set (the same digits unposed), over the
   * reference's variance. 0: blind to the pose; about 2: unrelated. Null for the reference set
   * itself, or without one.
   */
  poseShift: number | null;
  /**
   * A labelled read of the same features, where the set came with labelled references: the
   * 1-NN accuracy of each image's features against the references' features (labels used only
   * here). It says how much of the class the features hold; k-means, which sees no labels,
   * rarely beats it. Null without references, and for a mixture's components.
   */
  nearestNeighbour: number | null;
}

/** A labelled image set to cluster, with optional labelled references for {@link ClusteringResult.nearestNeighbour}. */
export interface ClusterSet {
  name: string;
  set: ImageSet;
  /** Labelled images of the same kind (training digits posed as `set` is), never the set's own. */
  references?: ImageSet;
}

/** `mean ||a_i − b_i||² / mean ||b_i − mean b||²` over rows of `d` values. */
export function relativeShift(a: Float32Array, b: Float32Array, d: number): number {
  const n = b.length / d;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) mean[k] += b[i * d + k] / n;
  let [moved, spread] = [0, 0];
  for (let i = 0; i < n * d; i++) {
    moved += (a[i] - b[i]) ** 2;
    spread += (b[i] - mean[i % d]) ** 2;
  }
  return moved / spread;
}

/** Latents (columns of `values`, `d` per row) whose standard deviation over the rows exceeds 0.1. */
export function activeLatents(values: Float32Array, d: number): number {
  const n = values.length / d;
  let active = 0;
  for (let k = 0; k < d; k++) {
    let [sum, sq] = [0, 0];
    for (let i = 0; i < n; i++) {
      sum += values[i * d + k];
      sq += values[i * d + k] ** 2;
    }
    const variance = sq / n - (sum / n) ** 2;
    if (variance > 0.01) active++;
  }
  return active;
}

/** The `features` of the row that clusters a model's content latents, by the model's name. */
export function contentFeatures(name: string): string {
  return `${name} content latents`;
}

/** A model whose content latents are clustered, by name. */
export interface ClusteredModel {
  name: string;
  model: AffineVAE;
}

/**
 * k-means (`restarts` k-means++ restarts each) on pixels, moment-normalized pixels and each
 * model's content latents, for each labelled image set.
 */
export function clusteringResults(
  sets: ClusterSet[],
  models: ClusteredModel[],
  o: {
    seed: number;
    restarts: number;
    /** After each set: its name and the images the models read ((its size + its references') × models). */
    onSet?: (name: string, images: number) => void;
    /** The set (by name) whose digits, unposed, the others hold in the same order: rows then say how far the pose moves each feature. */
    reference?: string;
  },
): ClusteringResult[] {
  const rows: ClusteringResult[] = [];
  const referenceFeatures = new Map<string, Float32Array>();
  for (const { name, set, references } of sets) {
    if (!set.labels) throw new Error(`${name} has no labels to score clusters against`);
    const labels = set.labels;
    const merged = Array.from(labels, (c) => (c === 9 ? 6 : c));
    const [c, dims] = [set.channels ?? 1, valuesPerImage(set)];
    if (references && (!references.labels || valuesPerImage(references) !== dims)) {
      throw new Error(`${name}'s references must be labelled images of ${dims} values, as the set's are`);
    }
    // `prior`: a model's mixture, whose own components are scored beside k-means.
    type Feature = { name: string; values: Float32Array; dims: number; sawLabels: boolean | null; active: number | null; prior?: MixturePrior | null };
    /** Every feature set of `images` (`n` of them), in the order the rows list them. */
    const featuresOf = (images: Uint8Array, n: number): Feature[] => {
      const x = toUnit(images);
      return [
        { name: 'pixels', values: x, dims, sawLabels: null, active: null },
        { name: 'moment-normalized pixels', values: momentNormalize(x, n, set.height, set.width, true, c), dims, sawLabels: null, active: null },
        ...models.flatMap((m): Feature[] => {
          const [values, zc, prior] = [m.model.content(x), m.model.config.contentDims, m.model.prior];
          const content = { name: contentFeatures(m.name), values, dims: zc, sawLabels: m.model.config.loss.crossEntropy > 0, active: activeLatents(values, zc) };
          return prior ? [{ ...content, prior }, { ...content, name: `${content.name}, prior's units`, values: prior.inUnits(values), active: null }] : [content];
        }),
      ];
    };
    const features = featuresOf(set.images, set.n);
    const referenceValues = references ? featuresOf(references.images, references.n).map((f) => f.values) : null;
    const reference = o.reference !== undefined && name !== o.reference ? sets.find((c) => c.name === o.reference) : undefined;
    if (reference && reference.set.n !== set.n) throw new Error(`${name} holds ${set.n} images, its reference ${o.reference} ${reference.set.n}`);
    for (const [k, f] of features.entries()) {
      if (name === o.reference) referenceFeatures.set(f.name, f.values);
      const base = reference ? referenceFeatures.get(f.name) : undefined;
      const ten = kMeans(f.values, f.dims, 10, new Rng(o.seed), o.restarts);
      const nine = kMeans(f.values, f.dims, 9, new Rng(o.seed + 1), o.restarts);
      rows.push({
        set: name,
        features: f.name,
        sawLabels: f.sawLabels,
        ...matchClusters(ten.assignment, labels),
        accuracy69: matchedAccuracy(nine.assignment, merged),
        activeLatents: f.active,
        poseShift: base ? relativeShift(f.values, base, f.dims) : null,
        nearestNeighbour: referenceValues ? nearestNeighbourAccuracy(f.values, labels, referenceValues[k], references!.labels!, f.dims) : null,
      });
    }
    for (const f of features) {
      if (!f.prior) continue;
      const components = f.prior.assign(f.values);
      rows.push({
        set: name,
        features: f.name.replace(/content latents$/, 'mixture components'),
        sawLabels: f.sawLabels,
        ...matchClusters(components, labels),
        accuracy69: matchedAccuracy(components, merged),
        activeLatents: null,
        poseShift: null,
        nearestNeighbour: null,
      });
    }
    o.onSet?.(name, (set.n + (references?.n ?? 0)) * models.length);
  }
  return rows;
}
