import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { test } from 'node:test';

/** The names a module re-exports, each with the file it comes from (`export { a, type B } from './x.ts'`). */
function reExports(file: string): { name: string; from: string }[] {
  const source = readFileSync(file, 'utf8');
  const out: { name: string; from: string }[] = [];
  for (const m of source.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}\s+from\s+'(\.[^']+)'/g)) {
    for (const part of m[1].split(',')) {
      const name = part.trim().replace(/^type\s+/, '').split(/\s+as\s+/).at(-1)!;
      if (name) out.push({ name, from: resolve(dirname(file), m[2]) });
    }
  }
  return out;
}

/** Whether `name` is declared in `file` with a TSDoc comment right above it (following re-exports). */
function documented(name: string, file: string, depth = 0): boolean {
  const source = readFileSync(file, 'utf8');
  const declaration = new RegExp(`\\*/\\s*\\nexport\\s+(?:declare\\s+)?(?:async\\s+)?(?:function|class|interface|type|const|let|enum)\\s+${name}\\b`);
  if (declaration.test(source)) return true;
  const onward = reExports(file).find((e) => e.name === name);
  return depth < 3 && onward !== undefined && documented(name, onward.from, depth + 1);
}

test('every export of the public entries carries TSDoc', () => {
  const entries = ['../src/index.ts', '../src/node.ts'].map((p) => new URL(p, import.meta.url).pathname);
  const exported = entries.flatMap(reExports);
  assert.ok(exported.length > 60, `only ${exported.length} exports found`);
  const bare = exported.filter((e) => !documented(e.name, e.from)).map((e) => e.name);
  assert.deepEqual(bare, [], `exports without TSDoc: ${bare.join(', ')}`);
});

test('the public API leaves the internals out', () => {
  const names = new Set(['../src/index.ts', '../src/node.ts'].flatMap((p) => reExports(new URL(p, import.meta.url).pathname)).map((e) => e.name));
  for (const internal of ['klElements', 'klDivisor', 'lossParts', 'engineFor', 'setDecoderEngine', 'IDX_IMAGES_MAGIC', 'warpGrid', 'marshal', 'gatherPixels']) {
    assert.ok(!names.has(internal), `${internal} is exported`);
  }
});
