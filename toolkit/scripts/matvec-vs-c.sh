#!/usr/bin/env bash
# toolkit/scripts/matvec-vs-c.sh [options] — the CPU engine's mat-vec kernels against a native reference, in the
# same run. Compiles toolkit/src/bench/c/matvec.c (F32 / Q8_0 / Q4_0 with AVX2, pmaddubsw and pmaddwd; gcc -O3
# -march=native -fopenmp), then runs it and the engine's kernels (MatvecProbe) alternately, each in a fresh
# process, and prints the median GB/s of weights of each and their ratio (MatvecVsNative).
# Options go to MatvecVsNative: --rounds N (3), --shapes RxC,... (14336x4096, ggml's mat-vec shape),
# --copies C (1), --threads T (all), --dtypes F32,Q8_0,Q4_0, --record (a run under datasets/results/matvec-native).
# Needs gcc and an x86-64 CPU with AVX2, FMA and F16C; it is a benchmark, not part of ./minerva test.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
. "$ROOT/toolkit/scripts/lib.sh"
JDK="$(find_jdk25)" || { echo "$NO_JDK25_MESSAGE" >&2; exit 2; }

BIN="$(build_native_reference matvec)" || exit 2

# the probes live in the test sources: compile them (and the toolkit) when stale
if needs_build || [ -n "$(find "$ROOT/toolkit/src/test/java" -newer "$MINERVA_JAR" -type f -print -quit)" ] \
   || [ ! -f "$ROOT/toolkit/target/test-classes/dev/minerva/bench/MatvecVsNative.class" ]; then
  build_toolkit || exit 2   # package -DskipTests compiles the test sources too
fi

exec "$JDK/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
  -Dminerva.root="$ROOT" \
  -cp "$ROOT/toolkit/target/test-classes:$MINERVA_JAR:$(cat "$MINERVA_CP_FILE")" \
  dev.minerva.bench.MatvecVsNative --native "$BIN" "$@"
