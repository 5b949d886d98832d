/**
 * Time to quality: trains from scratch to a series of time budgets, as a user would
 * (`affine-vae train --minutes B`, the whole command timed), evaluates each model with the
 * suite's natural-range protocol, and writes the curve, the minutes to each target and a plot.
 *
 *   npm run build && npm run ttq -- --minutes 5 --repeat 3 --json docs/ttq.json --svg docs/ttq.svg
 *
 * Each budget is its own run, because a time-budget run plans its learning-rate decay for its
 * budget: the curve is what a user gets for each budget, not snapshots of one long run.
 */
import { Command } from 'commander';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { type LineSeries, lineChartSvg, sideBySideSvg } from '../src/render/plots.ts';

const o = new Command('ttq')
  .option('--minutes <m>', 'the largest budget', Number, 5)
  .option('--points <list>', 'budgets in minutes (default: a fifth, two fifths, three fifths and all of --minutes)')
  .option('--repeat <n>', 'runs at the largest budget, for the range', Number, 1)
  .option('--train-args <args>', 'more options for train, space-separated (e.g. "--preset rotation --rotation-augment 45")', '')
  .option('--setting <name>', "the evaluation setting the targets read ('natural'; 'hard' for ±45°)", 'natural')
  .option('--json <file>', 'write the curve as JSON')
  .option('--svg <file>', 'write the plot as SVG')
  .option('--keep <dir>', 'keep the trained models here (default: a temporary directory)')
  .option('--plot-from <json>', 'train nothing: draw --svg from the points of an earlier --json')
  .parse()
  .opts();

const BIN = resolve('dist/cli/bin.js');
if (!o.plotFrom && !existsSync(BIN)) {
  console.error('ttq runs the built CLI, as a user would: run `npm run build` first');
  process.exit(1);
}

/** The targets (issue 16), on the resampling normalizer; `hard1nn` is the rotation model's. */
const TARGETS = { invariance: 0.25, nearestNeighbourTransformed: 0.95, nearestNeighbourUpright: 0.95, accuracy: 0.97 };
type Measures = Record<keyof typeof TARGETS, number>;
const met = (m: Measures) => ({
  invariance: m.invariance <= TARGETS.invariance,
  nearestNeighbourTransformed: m.nearestNeighbourTransformed >= TARGETS.nearestNeighbourTransformed,
  nearestNeighbourUpright: m.nearestNeighbourUpright >= TARGETS.nearestNeighbourUpright,
  accuracy: m.accuracy >= TARGETS.accuracy,
});

const budgets: number[] = o.points ? String(o.points).split(',').map(Number) : [1, 2, 3, 5].map((k) => (o.minutes * k) / 5);
if (budgets.some((b) => !(b > 0))) throw new Error(`bad --points ${o.points}`);
const work = o.keep ?? mkdtempSync(join(tmpdir(), 'ttq-'));
mkdirSync(work, { recursive: true });
const extra = String(o.trainArgs).split(' ').filter(Boolean);

function run(args: string[]): { seconds: number; stderr: string } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`affine-vae ${args.join(' ')} failed (${r.status}):\n${r.stderr.slice(-2000)}`);
  return { seconds, stderr: r.stderr };
}

interface Point {
  minutes: number;
  run: number;
  /** The whole `train` command, start to exit. */
  trainSeconds: number;
  epochs: number;
  resampled: Measures;
  /** The original's redrawn normalizer, on the same model. */
  redrawn: Measures;
  met: ReturnType<typeof met>;
  hardNearestNeighbour: { resampled: number; redrawn: number };
}

const points: Point[] = o.plotFrom ? JSON.parse(readFileSync(o.plotFrom, 'utf8')).points : [];
const schedule = o.plotFrom ? [] : [...budgets.map((b) => ({ minutes: b, run: 0 })), ...Array.from({ length: Math.max(0, o.repeat - 1) }, (_, i) => ({ minutes: budgets.at(-1)!, run: i + 1 }))];
for (const { minutes, run: k } of schedule) {
  const out = join(work, `m${minutes}-r${k}`);
  rmSync(out, { recursive: true, force: true }); // a fresh run, not the last one's checkpoint
  const train = run(['train', '--out', out, '--minutes', String(minutes), '--seed', String(1234 + k), ...extra]);
  run(['evaluate', '--model', out, '--report', join(out, 'report'), '--limit', '2000', '--references', '10000']);
  const report = JSON.parse(readFileSync(join(out, 'report', 'report.json'), 'utf8'));
  const setting = report.settings.find((s: { name: string }) => s.name === o.setting);
  const hard = report.settings.find((s: { name: string }) => s.name === 'hard');
  const measures = (normalizer: string): Measures => ({
    invariance: setting.invariance[normalizer],
    nearestNeighbourTransformed: setting.nearestNeighbourTransformed[normalizer],
    nearestNeighbourUpright: report.nearestNeighbourUpright[normalizer],
    accuracy: report.likelihood.accuracy,
  });
  const resampled = measures('model resampled');
  const p: Point = {
    minutes,
    run: k,
    trainSeconds: train.seconds,
    epochs: JSON.parse(readFileSync(join(out, 'training-log.json'), 'utf8')).length,
    resampled,
    redrawn: measures('model'),
    met: met(resampled),
    hardNearestNeighbour: { resampled: hard?.nearestNeighbourTransformed['model resampled'], redrawn: hard?.nearestNeighbourTransformed.model },
  };
  points.push(p);
  const f = (v: number) => v.toFixed(3);
  console.log(
    `${minutes} min (run ${k}): train ${train.seconds.toFixed(1)} s, ${p.epochs} epochs | resampled: invariance ${f(resampled.invariance)}, ` +
      `1-NN transformed ${f(resampled.nearestNeighbourTransformed)}, upright ${f(resampled.nearestNeighbourUpright)} | accuracy ${f(resampled.accuracy)} | ` +
      `redrawn: ${f(p.redrawn.invariance)}, ${f(p.redrawn.nearestNeighbourTransformed)}, ${f(p.redrawn.nearestNeighbourUpright)} | ±45° 1-NN ${f(p.hardNearestNeighbour.resampled)}`,
  );
}

// Minutes to each target: the smallest budget whose (first) run meets it.
const curve = points.filter((p) => p.run === 0);
const minutesTo = Object.fromEntries(
  [...Object.keys(TARGETS), 'all'].map((k) => {
    const hit = curve.find((p) => (k === 'all' ? Object.values(p.met).every(Boolean) : p.met[k as keyof Measures]));
    return [k, hit ? hit.minutes : null];
  }),
);
const largest = Math.max(...points.map((p) => p.minutes));
const finals = points.filter((p) => p.minutes === largest);
const range = Object.fromEntries(
  (Object.keys(TARGETS) as (keyof Measures)[]).map((k) => [k, [Math.min(...finals.map((p) => p.resampled[k])), Math.max(...finals.map((p) => p.resampled[k]))]]),
);
const result = {
  command: ['npm run ttq --', ...process.argv.slice(2).map((a) => (/\s/.test(a) ? `"${a}"` : a))].join(' '),
  machine: { cpus: cpus().length, model: cpus()[0]?.model },
  protocol: `evaluate --report --limit 2000 --references 10000, setting ${o.setting}, resampling normalizer`,
  targets: TARGETS,
  trainArgs: extra,
  points,
  minutesTo,
  finalRuns: finals.length,
  finalRange: range,
  finalTrainSeconds: [Math.min(...finals.map((p) => p.trainSeconds)), Math.max(...finals.map((p) => p.trainSeconds))],
};
console.log(`minutes to each target: ${JSON.stringify(minutesTo)}; at ${largest} min over ${finals.length} runs: ${JSON.stringify(range)}`);
if (o.json && !o.plotFrom) {
  mkdirSync(dirname(resolve(o.json)), { recursive: true });
  writeFileSync(o.json, JSON.stringify(result, null, 1) + '\n');
}
if (o.svg) {
  const xs = (p: Point) => p.trainSeconds / 60;
  const line = (name: string, color: string, get: (p: Point) => number, guide?: number): LineSeries => ({ name, color, guide, points: curve.map((p) => [xs(p), get(p)]) });
  const xRange: [number, number] = [0, Math.ceil(Math.max(...curve.map(xs)))];
  const chart = (series: LineSeries[], y: [number, number], title: string, measure: string, legend?: 'bottom') =>
    lineChartSvg(series, xRange, y, title, 'minutes of the whole train command', `${measure} (${o.setting})`, legend);
  const accuracies = chart(
    [
      line('1-NN transformed', '#1f77b4', (p) => p.resampled.nearestNeighbourTransformed, TARGETS.nearestNeighbourTransformed),
      line('1-NN upright', '#2ca02c', (p) => p.resampled.nearestNeighbourUpright),
      line('classifier accuracy', '#9467bd', (p) => p.resampled.accuracy, TARGETS.accuracy),
      line('1-NN transformed, redrawn', '#7f7f7f', (p) => p.redrawn.nearestNeighbourTransformed),
    ],
    [0.8, 1],
    'accuracy against minutes (dashed: targets)',
    'accuracy',
    'bottom',
  );
  const invariance = chart(
    [line('invariance, resampled', '#d62728', (p) => p.resampled.invariance, TARGETS.invariance), line('invariance, redrawn', '#7f7f7f', (p) => p.redrawn.invariance)],
    [0, 0.8],
    'invariance against minutes (lower: better)',
    'invariance',
  );
  const svg = sideBySideSvg([accuracies, invariance]);
  mkdirSync(dirname(resolve(o.svg)), { recursive: true });
  writeFileSync(o.svg, svg);
}
