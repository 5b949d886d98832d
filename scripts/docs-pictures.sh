#!/usr/bin/env bash
# Makes the README's pictures from a trained model directory.
#   bash scripts/docs-pictures.sh runs/seed-b100
set -euo pipefail
model=${1:?model directory}
cli="node bin/affine-vae.js"
tmp=$(mktemp -d)
node --import tsx -e "
import { encodeIdx } from './src/data/idx.ts';
import { loadMnist } from './src/io/mnist.ts';
import { writeFileSync } from 'node:fs';
const t = loadMnist('test');
writeFileSync('$tmp/six.idx', encodeIdx(t.images.subarray(0, 6 * 784), [6, 28, 28]));
writeFileSync('$tmp/one.idx', encodeIdx(t.images.subarray(0, 784), [1, 28, 28]));
writeFileSync('$tmp/two.idx', encodeIdx(t.images.subarray(784, 2 * 784), [1, 28, 28]));
"
$cli figure --model "$model" --out docs/figure.png
$cli render --model "$model" "$tmp/six.idx" docs/render-112.png --size 112
$cli normalize --model "$model" "$tmp/six.idx" docs/normalize-28.png --scale 4
$cli traverse --model "$model" --image "$tmp/one.idx" --out docs/traverse.png --gif docs/warp.gif --steps 9
$cli interpolate --model "$model" "$tmp/one.idx" "$tmp/two.idx" --out docs/interpolate.png --steps 10
