// scratch: does comparing on every pixel settle the half turn better than ~256 lattice points?
import { slice } from '../src/data/dataset.ts';
import { appliedPoseRecovery } from '../src/eval/pose.ts';
import { loadDataset } from '../src/io/datasets.ts';
import { loadModelDir } from '../src/io/model-dir.ts';
import { chooseEngine } from '../src/native/select.ts';
import { selectBackend } from '../src/tensors/backend.ts';
await selectBackend();
const model = await loadModelDir(process.argv[2], { engine: chooseEngine().engine });
const posed = slice(loadDataset('mnist-pose:U', 'test'), 0, Number(process.argv[3] ?? 500));
const upright = slice(loadDataset('mnist-pose:upright,frame=50', 'test'), 0, Number(process.argv[3] ?? 500));
for (const stride of (process.argv[4] ?? "3,2,1").split(",").map(Number)) {
  (model as any).scorePoints = () => { const p: number[] = []; for (let y = 0; y < 50; y += stride) for (let x = 0; x < 50; x += stride) p.push(y * 50 + x); return Int32Array.from(p); };
  const { rotationCorrelation, rotationErrorDeg, rotationErrorDegModHalfTurn, flipped } = appliedPoseRecovery(model, posed, upright) as any;
  console.log(JSON.stringify({ stride, rotationCorrelation, rotationErrorDeg, rotationErrorDegModHalfTurn, flipped }));
}
