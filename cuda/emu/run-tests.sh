#!/usr/bin/env bash
# Builds the CUDA kernels for the CPU emulator and runs every cuda/emu/test_*.cpp against its float64 reference.
# Usage: cuda/emu/run-tests.sh [build-dir] [test-name ...]   (names without test_ / .cpp; default: all)
# No g++: one notice, success (the Java build does not need this). -fno-strict-aliasing: kernels read a uint4 through
# __half2 / int8 pointers, as CUDA code does; g++ at -O2 would otherwise drop the stores those reads depend on.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="$here/../src"
build="${1:-$here/../target/emu}"; shift || true
CXX="${CXX:-g++}"
if ! command -v "$CXX" >/dev/null; then
  echo "[minerva-cuda-emu] $CXX not found: skipping the kernel emulator tests"
  exit 0
fi
mkdir -p "$build/src"
# extern __shared__ (dynamic shared memory) becomes a pointer to the emulator's per-block buffer
for cu in "$src"/*.cu "$src"/*.cuh; do
  sed -E 's/extern __shared__ ([A-Za-z0-9_]+) ([A-Za-z0-9_]+)\[\];/\1* \2 = reinterpret_cast<\1*>(emu::dynamic_smem());/' \
    "$cu" > "$build/src/$(basename "$cu")"
done
flags=(-std=c++20 -O2 -g -fno-strict-aliasing -Wall -Wno-sign-compare -Wno-unknown-pragmas -Wno-unused-function -Wno-unused-variable -I"$here/include" -I"$here" -I"$build/src")
[ "$here/emu.cpp" -nt "$build/emu.o" ] || [ "$here/minerva_emu.h" -nt "$build/emu.o" ] || [ ! -f "$build/emu.o" ] \
  && "$CXX" "${flags[@]}" -c "$here/emu.cpp" -o "$build/emu.o"
names=("$@")
if [ ${#names[@]} -eq 0 ]; then for t in "$here"/test_*.cpp; do n=$(basename "$t" .cpp); names+=("${n#test_}"); done; fi
failed=()
for n in "${names[@]}"; do
  t="$here/test_$n.cpp"
  [ -f "$t" ] || { echo "[minerva-cuda-emu] no test named '$n' (no $t)" >&2; exit 2; }
  "$CXX" "${flags[@]}" -x c++ "$t" -x none "$build/emu.o" -o "$build/test_$n"
  echo "== $n"
  if ! "$build/test_$n"; then failed+=("$n"); fi
done
if [ ${#failed[@]} -gt 0 ]; then echo "[minerva-cuda-emu] FAILED: ${failed[*]}"; exit 1; fi
echo "[minerva-cuda-emu] all kernel tests passed (${#names[@]} files)"
