#!/usr/bin/env bash
# toolkit/scripts/fma-vs-c.sh [ROUNDS] — the Vector API FMA peak probe (dev.minerva.bench.FmaThroughput, the compute
# roof of `minerva bench`, MachineProbe and the roofline study) against a native AVX2 loop with the same chains
# (toolkit/src/bench/c/fmapeak.c, gcc -O3 -march=native -fopenmp), alternately, each in a fresh process, on one
# thread and on all of them, ROUNDS times (default 3). Needs gcc and an x86-64 CPU with AVX2 and FMA; a benchmark,
# not part of ./minerva test.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
. "$ROOT/toolkit/scripts/lib.sh"
JDK="$(find_jdk25)" || { echo "$NO_JDK25_MESSAGE" >&2; exit 2; }
ROUNDS="${1:-3}"
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || { echo "fma-vs-c: ROUNDS must be a positive integer, got '$ROUNDS'" >&2; exit 2; }

BIN="$(build_native_reference fmapeak)" || exit 2
if needs_build; then build_toolkit || exit 2; fi

ALL="$(nproc)"
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $ALL threads; git $(git -C "$ROOT" rev-parse --short HEAD)"
for ((r = 1; r <= ROUNDS; r++)); do
  for t in 1 "$ALL"; do
    "$BIN" "$t"
    "$JDK/bin/java" --add-modules jdk.incubator.vector -cp "$MINERVA_JAR:$(cat "$MINERVA_CP_FILE")" \
      dev.minerva.bench.FmaThroughput "$t" 2>/dev/null
  done
done
