#!/usr/bin/env bash
# The GPU check of the `cuda` feature (issue 17, deliverable 5), on a lent GPU machine, in one
# call of the device tool: `bash xtask/gpu/run.sh` with carry [".gpu"] (made by
# xtask/gpu/prepare.sh on the CPU machine: the cuda binary and gowalla). It runs, with a time
# limit each, and writes every output to $OUT:
#   1. nvidia-smi, the binary's version;
#   2. one epoch at the paper's settings (batch 2048, dim 64, 3 layers) on cuda, then on the
#      machine's CPU cores (the same binary, --device cpu) for the ratio in one window;
#   3. the first 3 epochs of the gowalla recipe (recipes/lightgcn-gowalla.toml) on cuda.
# The official LightGCN code reports ~31 s per paper-settings epoch on its GPU.
set -uo pipefail
out=${OUT:-/tmp/gpu-out}
mkdir -p "$out"
bin=.gpu/gnnrec
export GNNREC_DATA=$PWD/.gpu
{ nvidia-smi; "$bin" --version; nproc; } > "$out/machine.txt" 2>&1
step() { # name, limit in seconds, args…
  local name=$1 limit=$2; shift 2
  echo "== $name: $*"
  /usr/bin/time -v timeout "$limit" "$bin" train --dataset gowalla --json --quiet --seed 42 \
    --out "/tmp/run-$name" "$@" > "$out/$name.json" 2> "$out/$name.log"
  echo "exit $? — $(tr -d '\n' < "$out/$name.json" | head -c 400)"
  grep -E "Maximum resident|Elapsed" "$out/$name.log"
}
paper=(--model lightgcn --dim 64 --layers 3 --l2 1e-4 --lr 0.001 --batch 2048 --epochs 1)
step paper-epoch-cuda 180 "${paper[@]}" --device cuda
step paper-epoch-cpu 180 "${paper[@]}" --device cpu
step recipe-3-epochs-cuda 200 --recipe recipes/lightgcn-gowalla.toml --set epochs=3 \
  --monitor none --device cuda
