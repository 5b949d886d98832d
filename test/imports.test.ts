import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';

/** Every project file the module reaches through relative imports. */
function reachable(entry: string, seen = new Set<string>()): Set<string> {
  if (seen.has(entry)) return seen;
  seen.add(entry);
  const source = readFileSync(entry, 'utf8');
  for (const m of source.matchAll(/(?:import|export)[^'"]*?from\s+'(\.[^']+)'|import\s+'(\.[^']+)'/g)) {
    reachable(resolve(dirname(entry), m[1] ?? m[2]), seen);
  }
  return seen;
}

test('the main entry (shared with the browser) reaches no node: module', () => {
  const files = reachable(new URL('../src/index.ts', import.meta.url).pathname);
  assert.ok(files.size > 10, `only ${files.size} files reached`);
  for (const f of files) {
    assert.doesNotMatch(readFileSync(f, 'utf8'), /from\s+'node:|import\s+'node:/, `${f} imports a node: module`);
  }
});

test('imports flow one way: model/ reaches only model/ and tensors/', () => {
  const files = reachable(new URL('../src/model/vae.ts', import.meta.url).pathname);
  for (const f of files) assert.match(f, /\/src\/(model|tensors)\//, `model code reaches ${f}`);
});

/**
 * The layers, lowest first: a file may import only from its own folder and the folders before
 * it. This is the flow docs/architecture.md describes (data → model → objective → training →
 * rendering and evaluation → files, the native engine and the interfaces).
 */
const LAYERS = ['tensors', 'data', 'model', 'objective', 'train', 'render', 'eval', 'io', 'native', 'web', 'cli'];

test('imports flow one way through the layers: no folder reaches a later one', () => {
  const src = new URL('../src/', import.meta.url).pathname;
  const folders = readdirSync(src, { withFileTypes: true }).filter((d) => d.isDirectory() && d.name !== 'types').map((d) => d.name);
  assert.deepEqual([...folders].sort(), [...LAYERS].sort(), 'every source folder has its place in LAYERS');
  let checked = 0;
  for (const folder of folders) {
    for (const file of readdirSync(join(src, folder), { recursive: true }) as string[]) {
      if (!file.endsWith('.ts')) continue;
      const path = join(src, folder, file);
      for (const m of readFileSync(path, 'utf8').matchAll(/(?:import|export)[^'"]*?from\s+'(\.[^']+)'/g)) {
        const target = relative(src, resolve(dirname(path), m[1])).split(sep)[0];
        assert.ok(LAYERS.indexOf(target) <= LAYERS.indexOf(folder), `${folder}/${file} imports ${m[1]}, from the later layer ${target}/`);
        checked++;
      }
    }
  }
  assert.ok(checked > 100, `only ${checked} imports checked`);
});
