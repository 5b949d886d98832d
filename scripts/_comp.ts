import { slice } from '../src/data/dataset.ts';
import { toUnit } from '../src/data/pixels.ts';
import { loadDataset } from '../src/io/datasets.ts';
import { loadModelDir } from '../src/io/model-dir.ts';
import { chooseEngine } from '../src/native/select.ts';
import { selectBackend } from '../src/tensors/backend.ts';
await selectBackend();
for (const dir of process.argv.slice(2)) {
  const model = await loadModelDir(dir, { engine: chooseEngine().engine });
  const set = slice(loadDataset('mnist-pose:N', 'test'), 0, 2000);
  const comp = model.components(toUnit(set.images))!;
  const table = Array.from({ length: 10 }, () => new Array(10).fill(0));
  comp.forEach((c, i) => table[c][set.labels![i]]++);
  console.log(dir, 'logits', Array.from(model.prior!.logits.dataSync(), (v) => v.toFixed(2)).join(' '));
  table.forEach((row, c) => console.log(`  comp ${c}: ${row.map((v) => String(v).padStart(4)).join('')}`));
  model.dispose();
}
