/**
 * A model's content latents on test sets: the spread of each latent's posterior mean (a latent
 * with a standard deviation under 0.1 is collapsed) and k-means accuracy (10 clusters, 10
 * restarts, Hungarian-matched) on the raw and on the standardized latents, and for a model with a
 * mixture prior on the latents in the prior's units (as the report's row of that name) and the
 * accuracy of the components the digits are read into, 2,000 digits a set:
 *   node --import tsx scripts/content-check.ts MODEL_DIR mnist-pose:upright mnist-pose:U [--search K] [--align ink|axis] [--oracle] [--probe]
 * (`--search K`: read with K candidate angles instead of the model's own; `--align FRAME`: read
 * with moment alignment in that frame, as `--moment-align --align-frame FRAME` does on the CLI.)
 * `--oracle` (with `--search K`, on `mnist-pose:` sets) reads each digit at the candidate turn
 * nearest the one that undoes its applied pose, where the search would decode all K: the
 * clustering the content gives when the search chooses perfectly, which separates what the
 * content knows from what the choice of turn loses.
 * `--probe` adds the 1-NN accuracy of the digits' content against the content of 10,000 labelled
 * training digits of the same set: how much of the class the content holds, labels used only
 * here, beside how much of it k-means' round clusters find.
 * `--centroids` adds two more reads that use the test digits' labels: each digit given the class
 * whose mean content is nearest (`nearestClassMean`), and k-means run to convergence from the
 * classes' means (`kMeansFromClassMeans`, with its inertia beside that of the protocol's k-means).
 * Where both sit at the protocol's figure, no partition into round groups around the classes'
 * centres does better: the classes' means do not separate them.
 */
import { slice } from '../src/data/dataset.ts';
import { toUnit } from '../src/data/pixels.ts';
import { matchedAccuracy } from '../src/eval/cluster.ts';
import { groupMeans, kMeans, kMeansFrom } from '../src/model/kmeans.ts';
import { activeLatents } from '../src/eval/clustering.ts';
import { nearestNeighbourAccuracy } from '../src/eval/suite.ts';
import { loadDataset } from '../src/io/datasets.ts';
import { loadModelDir } from '../src/io/model-dir.ts';
import { Rng } from '../src/model/rng.ts';
import type { AlignFrame } from '../src/model/config.ts';
import { alignImages, inkFrames } from '../src/model/orientation.ts';
import { wrapDegrees } from '../src/model/transform.ts';
import { chooseEngine } from '../src/native/select.ts';
import { selectBackend } from '../src/tensors/backend.ts';

const args = process.argv.slice(2);
const searchAt = args.indexOf('--search');
const angleSearch = searchAt >= 0 ? Number(args.splice(searchAt, 2)[1]) : undefined;
const alignAt = args.indexOf('--align');
const alignFrame = alignAt >= 0 ? (args.splice(alignAt, 2)[1] as AlignFrame) : undefined;
const oracleAt = args.indexOf('--oracle');
const oracle = oracleAt >= 0 && args.splice(oracleAt, 1).length === 1;
const probeAt = args.indexOf('--probe');
const probe = probeAt >= 0 && args.splice(probeAt, 1).length === 1;
const centroidsAt = args.indexOf('--centroids');
const centroids = centroidsAt >= 0 && args.splice(centroidsAt, 1).length === 1;
const [dir, ...specs] = args;
if (oracle && !(angleSearch! > 0)) throw new Error('--oracle needs --search K');
if (!dir || specs.length === 0) throw new Error('usage: content-check.ts MODEL_DIR SPEC... [--search K] [--align ink|axis] [--oracle] [--probe] [--centroids]');
await selectBackend();
// The oracle turns the images itself, so the model reads them as they come.
const read = oracle
  ? { angleSearch: 0, momentAlign: false }
  : { ...(angleSearch === undefined ? {} : { angleSearch }), ...(alignFrame === undefined ? {} : { momentAlign: true, alignFrame }) };
const model = await loadModelDir(dir, { engine: chooseEngine().engine, ...read });

/** Each posed image turned to the K-candidate search's turn nearest the one undoing its pose, on its ink. */
function oracleViews(x: Float32Array, set: ReturnType<typeof loadDataset>, spec: string, k: number): Float32Array {
  if (!set.poses) throw new Error(`--oracle needs a set that keeps its poses (an mnist-pose: set); ${spec} keeps none`);
  const { n, height: h, width: w } = set;
  const { turns, centres } = inkFrames(x, n, h, w, model.channels, alignFrame ?? 'ink');
  const best = Float32Array.from(turns, (beta, i) => {
    // The applied turn is undone by turning by −pose, so candidate α is off by |α + pose|.
    const off = (j: number) => Math.abs(wrapDegrees(beta + (360 * j) / k + set.poses![3 * i]));
    let j = 0;
    for (let c = 1; c < k; c++) if (off(c) < off(j)) j = c;
    return beta + (360 * j) / k;
  });
  return alignImages(x, n, h, w, best, centres, model.channels);
}
const d = model.config.contentDims;
for (const spec of specs) {
  const set = slice(loadDataset(spec, 'test'), 0, 2000);
  const x = oracle ? oracleViews(toUnit(set.images), set, spec, angleSearch!) : toUnit(set.images);
  const c = model.content(x);
  const components = model.components(x);
  const n = set.n;
  const stats = Array.from({ length: d }, (_, k) => {
    let [m, v] = [0, 0];
    for (let i = 0; i < n; i++) m += c[i * d + k] / n;
    for (let i = 0; i < n; i++) v += (c[i * d + k] - m) ** 2 / n;
    return { m, sd: Math.sqrt(v) };
  });
  const standardized = c.map((v, i) => (v - stats[i % d].m) / (stats[i % d].sd + 1e-12));
  const accuracy = (x: Float32Array) => matchedAccuracy(kMeans(x, d, 10, new Rng(0), 10).assignment, set.labels!);
  const plain = kMeans(c, d, 10, new Rng(0), 10);
  const classRead = centroids ? classMeanReads(c, set.labels!, d, plain.inertia) : null;
  const inPriorUnits = model.prior?.inUnits(c);
  const references = probe ? slice(loadDataset(spec, 'train'), 0, 10000) : null;
  const nearest = references ? nearestNeighbourAccuracy(c, set.labels!, model.content(toUnit(references.images)), references.labels!, d) : null;
  console.log(JSON.stringify({ spec, ...(oracle ? { read: 'oracle' } : {}), sd: stats.map((s) => Number(s.sd.toFixed(3))), active: activeLatents(c, d), kMeans: matchedAccuracy(plain.assignment, set.labels!), kMeansStandardized: accuracy(standardized), ...(inPriorUnits ? { kMeansPriorUnits: accuracy(inPriorUnits) } : {}), ...(components ? { mixture: matchedAccuracy(components, set.labels!) } : {}), ...(nearest === null ? {} : { nearestNeighbour: nearest }), ...(classRead ?? {}) }));
}
model.dispose();

/** The two labelled reads of `--centroids` on `n × d` codes, beside the protocol's k-means inertia. */
function classMeanReads(codes: Float32Array, labels: ArrayLike<number>, d: number, inertia: number) {
  const n = labels.length;
  const means = groupMeans(codes, d, labels, new Float32Array(10 * d));
  // One Lloyd iteration is one assignment step: each code to its nearest class mean.
  const nearest = kMeansFrom(codes, d, means, 1).assignment;
  const fromMeans = kMeansFrom(codes, d, means);
  return {
    nearestClassMean: nearest.filter((c, i) => c === labels[i]).length / n,
    kMeansFromClassMeans: matchedAccuracy(fromMeans.assignment, labels),
    inertiaFromClassMeans: Number(fromMeans.inertia.toFixed(1)),
    inertia: Number(inertia.toFixed(1)),
  };
}
