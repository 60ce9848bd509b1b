#!/usr/bin/env bash
# Compile every .cu in $1 to PTX for sm_80 and sm_90 into $2 (name_sm80.ptx, name_sm90.ptx).
# No nvcc: print one line and succeed, so the Java build works on machines without CUDA.
set -euo pipefail
src="$1"; out="$2"
NVCC="${NVCC:-$(command -v nvcc || true)}"
[ -z "$NVCC" ] && [ -x /usr/local/cuda/bin/nvcc ] && NVCC=/usr/local/cuda/bin/nvcc
if [ -z "$NVCC" ]; then
  echo "[minerva-cuda] nvcc not found: skipping PTX compilation (the CUDA backend will be unavailable)"
  exit 0
fi
mkdir -p "$out"
shopt -s nullglob
for cu in "$src"/*.cu; do
  name=$(basename "$cu" .cu)
  for sm in 80 90; do
    ptx="$out/${name}_sm${sm}.ptx"
    stale=0
    [ -f "$ptx" ] || stale=1
    for dep in "$cu" "$src"/*.cuh; do [ "$dep" -nt "$ptx" ] && stale=1; done   # any shared header may be included
    if [ "$stale" = 1 ]; then
      "$NVCC" -ptx -O3 -lineinfo -arch=compute_${sm} -I"$src" -o "$ptx.tmp" "$cu"
      mv "$ptx.tmp" "$ptx"
    fi
  done
done
echo "[minerva-cuda] PTX in $out: $(ls "$out" | wc -l) files"
