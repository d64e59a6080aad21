#!/usr/bin/env bash
# Prepares a GPU check of the `cuda` feature (issue 17, deliverable 5), here on the CPU machine:
# builds the CUDA binary with nvcc from PyPI's NVIDIA wheels (this machine has no CUDA toolkit)
# and stages what the GPU machine needs in `.gpu/` (ignored by git; the device tool's `carry`):
#   .gpu/gnnrec.gz  the release binary with --features cuda (x86-64, links libcuda at run time),
#                   stripped and gzipped
#   .gpu/gowalla/   gowalla's train.txt and test.txt (6.6 MB; not redistributable: never commit)
# Then, on a lent GPU machine, one call runs xtask/gpu/run.sh (see its header).
# The build takes about an hour on 2 cores (candle-kernels' PTX and quantized kernels for
# sm_90 are most of it).
set -euo pipefail
root=$(git rev-parse --show-toplevel)
cd "$root"
data=${GNNREC_DATA:-../shared/data}
venv=target/cuda-toolkit
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  # CUDA 13.0, the version of the lent machines' driver (580): the PTX of a newer nvcc
  # carries a PTX ISA that driver's JIT refuses.
  "$venv/bin/pip" install --quiet nvidia-cuda-nvcc==13.0.88 nvidia-cuda-runtime==13.0.96 \
    nvidia-cuda-crt==13.0.88 nvidia-nvvm==13.0.88 nvidia-cuda-cccl==13.0.85
fi
cuda_home=$("$venv/bin/python" -c 'import nvidia, os; print(os.path.join(nvidia.__path__[0], "cu13"))')
[ -d "$cuda_home" ] || cuda_home=$("$venv/bin/python" -c 'import nvidia, os; print(nvidia.__path__[0])')
export CUDA_HOME="$cuda_home" PATH="$cuda_home/bin:$PATH"
export CUDA_COMPUTE_CAP=90 CUDARC_CUDA_VERSION=13000
# candle-core turns on cudarc's `dynamic-linking`: the binary links libcuda, libcudart,
# libcublas(Lt), libcurand and libnvrtc by name. The runtime libraries come from NVIDIA's
# wheels; the driver's libcuda does not (it comes with the GPU's driver), so the link uses a
# stub: every driver symbol the objects ask for, in a library named as the driver's
# (libcuda.so.1), which the real driver replaces at run time, as the toolkit's own stub does.
lib=$cuda_home/lib
if [ ! -e "$lib/libcublas.so.13" ]; then
  "$venv/bin/pip" install --quiet "nvidia-cublas>=13.0,<13.1" nvidia-curand==10.4.0.35 \
    nvidia-cuda-nvrtc==13.0.88
fi
for x in cublas cublasLt cudart nvrtc; do ln -sf "lib$x.so.13" "$lib/lib$x.so"; done
ln -sf libcurand.so.10 "$lib/libcurand.so"
# A separate target dir, so the CPU build's artifacts stay as they are.
build() { cargo build --release -p gnnrec --features cuda --target-dir target/cuda; }
if ! build; then
  echo "== the first link needs the driver stub: making it from the objects' undefined symbols"
  for f in target/cuda/release/deps/*.rlib target/cuda/release/build/candle-kernels-*/out/*.a; do
    nm -u "$f" 2>/dev/null
  done | awk '{print $NF}' | grep -E '^cu[A-Z]' | sort -u |
    awk '{print "void " $1 "(void) {}"}' > target/cuda/cuda_stub.c
  gcc -shared -fPIC -o "$lib/libcuda.so" -Wl,-soname,libcuda.so.1 target/cuda/cuda_stub.c
  build
fi
mkdir -p .gpu/gowalla
# Stripped and gzipped: the working tree and what it carries travel within 64 MiB.
strip -o .gpu/gnnrec target/cuda/release/gnnrec
gzip -9f .gpu/gnnrec
cp "$data/gowalla/train.txt" "$data/gowalla/test.txt" .gpu/gowalla/
# (In a worktree `.git` is a file: ask git where its exclude file is.)
exclude=$(git rev-parse --git-path info/exclude)
mkdir -p "$(dirname "$exclude")"
grep -qx '/.gpu/' "$exclude" 2>/dev/null || echo '/.gpu/' >> "$exclude"
du -sh .gpu
echo "ready: on a lent GPU machine, run 'bash xtask/gpu/run.sh' with carry [\".gpu\"] and timeout_s 590"
