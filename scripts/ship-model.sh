#!/usr/bin/env bash
# Copies a trained run into models/NAME with its training log, evaluation report and the command
# that made it.   bash scripts/ship-model.sh runs/seed-b100 mnist-seed "affine-vae train --out runs/seed-b100 --batch 100" [NOTES.md]
# NOTES.md, if given, is appended to the model's README (what the command alone does not say).
# EVALUATE_ARGS (environment), if set, is added to the evaluation (e.g. "--dataset mnist-pose:U").
set -euo pipefail
run=${1:?run directory} name=${2:?model name} command=${3:?the training command} notes=${4:-}
[ -z "$notes" ] || notes=$(cat "$notes")
dest=models/$name
mkdir -p "$dest"
weights=$(node -e "console.log(require(require('path').resolve('$run/model.json')).weightsManifest[0].paths[0])")
cp "$run/model.json" "$run/$weights" "$dest/"
cp "$run/training-log.json" "$dest/"
evaluate_args=${EVALUATE_ARGS:-}
# shellcheck disable=SC2086 # EVALUATE_ARGS is a list of options
node bin/affine-vae.js evaluate --model "$dest" --report "$dest/report" --limit 2000 --references 10000 $evaluate_args
epochs=$(node -e "console.log(require('./$dest/training-log.json').length)")
cat > "$dest/README.md" <<EOT
# $name

Trained with:

    $command

for $epochs epochs (stopped there; \`--resume\` on the run continues it). Per-epoch metrics:
\`training-log.json\`. Evaluation (normalization: 2,000 test digits against 10,000 training
references; likelihood and classifier: all 10,000 test digits): \`report/report.md\`, made by

    affine-vae evaluate --model $dest --report $dest/report --limit 2000 --references 10000${evaluate_args:+ $evaluate_args}
EOT
[ -z "$notes" ] || printf '\n%s\n' "$notes" >> "$dest/README.md"
echo "shipped $dest"
