import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
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
