/**
 * Fine-tuning against training from scratch: the same command twice, once with `--init MODEL`,
 * once from fresh weights of the same architecture, and the wall-clock seconds each needs to
 * reach the validation MSE that the scratch run ends with.
 *
 *   npm run build && node --import tsx scripts/init-vs-scratch.ts --init models/mnist-seed \
 *     --train-args "--dataset fashion-mnist --limit 20000 --epochs 4" --json docs/init-vs-scratch.json
 */
import { Command } from 'commander';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { configOf } from '../src/model/serialize.ts';

const o = new Command('init-vs-scratch')
  .requiredOption('--init <dir>', 'the trained model to start from')
  .option('--train-args <args>', 'options for both runs, space-separated', '--dataset fashion-mnist --limit 20000 --epochs 4')
  .option('--json <file>', 'write the result as JSON')
  .parse()
  .opts();

const BIN = resolve('dist/cli/bin.js');
if (!existsSync(BIN)) {
  console.error('this script runs the built CLI: run `npm run build` first');
  process.exit(1);
}
const args = String(o.trainArgs).split(' ').filter(Boolean);
// The scratch run gets the trained model's architecture (its preset and widths).
const modelJson = join(o.init, 'model.json');
const config = configOf(JSON.parse(readFileSync(modelJson, 'utf8')), modelJson);
const architecture = ['--preset', config.preset, '--hidden', String(config.decoderHidden[0])];
const work = mkdtempSync(join(tmpdir(), 'init-vs-scratch-'));

interface EpochLog {
  seconds: number;
  validation: { mse: number } | null;
}

function train(name: string, extra: string[]): { curve: [number, number][]; wall: number } {
  const out = join(work, name);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [BIN, 'train', '--out', out, ...args, ...extra], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${name} failed:\n${r.stderr.slice(-2000)}`);
  const log: EpochLog[] = JSON.parse(readFileSync(join(out, 'training-log.json'), 'utf8'));
  let t = 0;
  // Seconds of training (and validation) at the end of each epoch, and its validation MSE.
  const curve = log.map((e) => [(t += e.seconds), e.validation!.mse] as [number, number]);
  return { curve, wall: (performance.now() - t0) / 1000 };
}

const scratch = train('scratch', architecture);
const tuned = train('init', ['--init', o.init]);
const target = scratch.curve.at(-1)![1];
const secondsTo = (curve: [number, number][]) => curve.find(([, mse]) => mse <= target)?.[0] ?? null;
const result = {
  command: ['node --import tsx scripts/init-vs-scratch.ts', ...process.argv.slice(2).map((a) => (/\s/.test(a) ? `"${a}"` : a))].join(' '),
  init: o.init,
  trainArgs: args,
  targetValidationMse: target,
  scratch: { curve: scratch.curve, secondsToTarget: secondsTo(scratch.curve), wallSeconds: scratch.wall },
  fromInit: { curve: tuned.curve, secondsToTarget: secondsTo(tuned.curve), wallSeconds: tuned.wall },
};
console.log(
  `validation MSE ${target.toFixed(5)} (where scratch ends): scratch after ${result.scratch.secondsToTarget?.toFixed(0)} s, ` +
    `--init after ${result.fromInit.secondsToTarget?.toFixed(0) ?? 'never'} s; per-epoch MSE scratch ${scratch.curve.map(([, m]) => m.toFixed(4)).join(' ')}, init ${tuned.curve.map(([, m]) => m.toFixed(4)).join(' ')}`,
);
if (o.json) writeFileSync(o.json, JSON.stringify(result, null, 1) + '\n');
