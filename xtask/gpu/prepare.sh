#!/usr/bin/env bash
# Prepares a GPU check of the `cuda` feature (issue 17, deliverable 5), here on the CPU machine:
# builds the CUDA binary with nvcc from PyPI's NVIDIA wheels (this machine has no CUDA toolkit)
# and stages what the GPU machine needs in `.gpu/` (ignored by git; the device tool's `carry`):
#   .gpu/gnnrec     the release binary with --features cuda (x86-64, links libcuda at run time)
#   .gpu/gowalla/   gowalla's train.txt and test.txt (6.6 MB; not redistributable: never commit)
# Then, on a lent GPU machine, one call runs xtask/gpu/run.sh (see its header).
# The build takes about an hour on 2 cores (candle-kernels' PTX for sm_90 is most of it).
set -euo pipefail
root=$(git rev-parse --show-toplevel)
cd "$root"
data=${GNNREC_DATA:-../shared/data}
venv=target/cuda-toolkit
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet nvidia-cuda-nvcc nvidia-cuda-runtime nvidia-cuda-crt \
    nvidia-nvvm nvidia-cuda-cccl
fi
cuda_home=$("$venv/bin/python" -c 'import nvidia, os; print(os.path.join(nvidia.__path__[0], "cu13"))')
[ -d "$cuda_home" ] || cuda_home=$("$venv/bin/python" -c 'import nvidia, os; print(nvidia.__path__[0])')
export CUDA_HOME="$cuda_home" PATH="$cuda_home/bin:$PATH"
export CUDA_COMPUTE_CAP=90 CUDARC_CUDA_VERSION=13040
# A separate target dir, so the CPU build's artifacts stay as they are.
cargo build --release -p gnnrec --features cuda --target-dir target/cuda
mkdir -p .gpu/gowalla
cp target/cuda/release/gnnrec .gpu/gnnrec
cp "$data/gowalla/train.txt" "$data/gowalla/test.txt" .gpu/gowalla/
grep -qx '/.gpu/' .git/info/exclude || echo '/.gpu/' >> .git/info/exclude
du -sh .gpu
echo "ready: on a lent GPU machine, run 'bash xtask/gpu/run.sh' with carry [\".gpu\"] and timeout_s 540"
