#!/usr/bin/env bash
# The GPU check of the `cuda` feature (issue 17, deliverable 5), on a lent GPU machine, in one
# call of the device tool: `bash xtask/gpu/run.sh` with carry [".gpu"] (made by
# xtask/gpu/prepare.sh on the CPU machine: the cuda binary and gowalla). It runs, with a time
# limit each, and writes every output to $OUT (six files):
#   1. nvidia-smi, the binary's version;
#   2. one epoch at the paper's settings (batch 2048, dim 64, 3 layers) on cuda, then on the
#      machine's CPU cores (the same binary, --device cpu) for the ratio in one window;
#   3. the first 3 epochs of the gowalla recipe (recipes/lightgcn-gowalla.toml) on cuda;
#   4. PyG's LightGCN step at the paper's settings (xtask/pyg/lightgcn_step.py) on the same GPU,
#      with the machine's torch and torch_geometric, CSR and edge_index layouts.
# The official LightGCN code reports ~31 s per paper-settings epoch on its GPU.
set -uo pipefail
out=${OUT:-/tmp/gpu-out}
mkdir -p "$out"
bin=/tmp/gnnrec
gunzip -c .gpu/gnnrec.gz > "$bin" && chmod +x "$bin"
export GNNREC_DATA=$PWD/.gpu
# The binary links cuBLAS, cuRAND and the CUDA runtime: the toolkit's or torch's copies, wherever found.
libs=$(find /usr/local/cuda*/ /opt /usr/lib -name 'libcublas.so*' -printf '%h\n' 2>/dev/null | sort -u | paste -sd:)
for lib in libcurand libcudart; do
  libs=$libs:$(find /usr/local/cuda*/ /opt /usr/lib -name "$lib.so*" -printf '%h\n' 2>/dev/null | sort -u | paste -sd:)
done
export LD_LIBRARY_PATH=$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
{ nvidia-smi; "$bin" --version; nproc; echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"; } > "$out/machine.txt" 2>&1
step() { # name, limit in seconds, args…
  local name=$1 limit=$2; shift 2
  echo "== $name: $*"
  local timer=(/usr/bin/time -v)
  [ -x /usr/bin/time ] || timer=()
  "${timer[@]}" timeout "$limit" "$bin" train --dataset gowalla --json --quiet --seed 42 \
    --out "/tmp/run-$name" "$@" > "$out/$name.json" 2> "$out/$name.log"
  echo "exit $? — $(tr -d '\n' < "$out/$name.json" | head -c 400)"
  grep -E "Maximum resident|Elapsed" "$out/$name.log"
  # One file a step: the device tool brings back at most 8.
  cat "$out/$name.log" >> "$out/$name.json" && rm "$out/$name.log"
}
paper=(--model lightgcn --dim 64 --layers 3 --l2 1e-4 --lr 0.001 --batch 2048 --epochs 1)
step paper-epoch-cuda 150 "${paper[@]}" --device cuda
step paper-epoch-cpu 120 "${paper[@]}" --device cpu
step recipe-3-epochs-cuda 150 --recipe recipes/lightgcn-gowalla.toml --set epochs=3 \
  --monitor none --device cuda
for layout in csr edge_index; do
  echo "== pyg-$layout-cuda"
  timeout 60 python3 xtask/pyg/lightgcn_step.py --data .gpu/gowalla --device cuda \
    --layout "$layout" --steps 50 --threads "$(nproc)" > "$out/pyg-$layout-cuda.json" 2>&1
  echo "exit $? — $(tail -c 600 "$out/pyg-$layout-cuda.json")"
done
