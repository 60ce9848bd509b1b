#!/usr/bin/env bash
# session.sh — what a Minerva session with a lent GPU machine does, step by step.
#
# The GPU machine has CUDA, PyTorch and no JDK, and reaches nothing outside itself; the device tool copies
# the working tree there (64 MiB at most, carried ignored folders included). So we carry a jlinked JDK 25
# runtime and only the jars gpu-check needs, in the ignored folder .carry/.
#
#   toolkit/scripts/gpu/session.sh prepare    # here: build, jlink .carry/jdk, slim jars in .carry/lib, models, size check
#   toolkit/scripts/gpu/session.sh selftest   # here: run the carried runtime; without a GPU it must say "no usable GPU", exit 3
#   toolkit/scripts/gpu/session.sh command    # print the device-tool call to make (one call does everything)
#   toolkit/scripts/gpu/session.sh device     # (runs ON the GPU machine, via the call above) gpu-check, memcheck, torch reference -> $OUT
#       knobs (environment): MINERVA_GPU_CHECK_S (330), MINERVA_SANITIZER_S (100; 0 skips), MINERVA_TORCH_S (200),
#       MINERVA_TORCH_ARGS (torch_reference.py's arguments: "--batches 1,8,32,128 --steps 32 --compile")
#   toolkit/scripts/gpu/session.sh collect D  # here: copy the returned run folder(s) from D into datasets/results/gpu-check/
#
# Then commit the collected run: git add datasets/results/gpu-check/<run-id> && git commit -m "gpu-check on <GPU>".
# Run `prepare` in the checkout the session itself was started in: the device tool sends that checkout (and its
# .carry), also when the call is made from a helper's worktree. Budget: 10 minutes per call, 30 per session.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
CARRY="$ROOT/.carry"
JDK_SRC="${MINERVA_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
LIMIT_MIB=64

# jars gpu-check loads (GpuCheckCommand.main: no other sub-command, no Tablesaw): matched against target/classpath.txt
SLIM_JARS='minerva-cuda|picocli-|jackson-databind|jackson-core|jackson-annotations|/jcuda-12'

prepare() {
  (cd "$ROOT" && mvn -q -B -o package -DskipTests)
  ls "$ROOT"/cuda/target/classes/dev/minerva/cuda/ptx/*_sm90.ptx >/dev/null 2>&1 \
    || { echo "session.sh: no PTX was built (nvcc missing?): gpu-check would have no kernels" >&2; exit 1; }
  rm -rf "$CARRY.tmp" && mkdir -p "$CARRY.tmp/lib" "$CARRY.tmp/models"
  "$JDK_SRC/bin/jlink" --add-modules java.base,java.logging,java.management,jdk.incubator.vector,jdk.unsupported \
    --strip-debug --no-man-pages --no-header-files --compress=zip-6 --output "$CARRY.tmp/jdk" 2>&1 | grep -v incubator || true
  cp "$ROOT/toolkit/target/minerva-toolkit.jar" "$CARRY.tmp/lib/"
  tr ':' '\n' < "$ROOT/toolkit/target/classpath.txt" | grep -E "$SLIM_JARS" | while read -r j; do cp "$j" "$CARRY.tmp/lib/"; done
  # the lent machines are Hopper (sm_90, KernelModules picks by the device): the sm_80 PTX, half of the cuda jar
  # (2.9 MiB packed), stays home, which leaves the working tree room under the device tool's limit
  cudajar=$(ls "$CARRY.tmp"/lib/minerva-cuda-*.jar)
  (cd "$CARRY.tmp" && rm -rf c && mkdir c && cd c && unzip -q "$cudajar" 'dev/*' 'META-INF/MANIFEST.MF' \
    && rm -f dev/minerva/cuda/ptx/*_sm80.ptx "$cudajar" \
    && "$JDK_SRC/bin/jar" --create --file "$cudajar" --manifest META-INF/MANIFEST.MF dev && cd .. && rm -rf c)
  [ "$(unzip -l "$cudajar" | grep -c '_sm90\.ptx$')" -eq "$(ls "$ROOT"/cuda/src/*.cu | wc -l)" ] \
    || { echo "session.sh: the slim cuda jar lacks sm_90 PTX for some cuda/src/*.cu" >&2; exit 1; }
  # jcuda-natives holds every JCuda library (26 MB unpacked); the driver API needs only libJCudaDriver
  natives=$(tr ':' '\n' < "$ROOT/toolkit/target/classpath.txt" | grep jcuda-natives)
  (cd "$CARRY.tmp" && rm -rf n && mkdir n && cd n && unzip -q "$natives" 'lib/libJCudaDriver-*' 'META-INF/MANIFEST.MF' \
    && "$JDK_SRC/bin/jar" --create --file ../lib/jcuda-natives-driver-only.jar --manifest META-INF/MANIFEST.MF lib && cd .. && rm -rf n)
  models="$ROOT/../shared/models/stories260K"
  if [ -f "$models/stories260K.bin" ]; then cp "$models/stories260K.bin" "$models/tok512.bin" "$CARRY.tmp/models/"; fi
  rm -rf "$CARRY" && mv "$CARRY.tmp" "$CARRY"
  git -C "$ROOT" rev-parse HEAD > "$CARRY/COMMIT" 2>/dev/null || echo unknown > "$CARRY/COMMIT"
  size
}

size() {
  local carried tree total
  carried=$(du -sb "$CARRY" | cut -f1)
  tree=$(cd "$ROOT" && { git ls-files -z; git ls-files -z --others --exclude-standard; } | xargs -0 -r du -cb 2>/dev/null | tail -1 | cut -f1)
  total=$((carried + tree))
  printf 'carried .carry: %.1f MiB (jdk %.1f, lib %.1f, models %.1f); working tree %.1f MiB; total %.1f MiB of %d MiB\n' \
    "$(echo "$carried/1048576" | bc -l)" "$(echo "$(du -sb "$CARRY/jdk" | cut -f1)/1048576" | bc -l)" \
    "$(echo "$(du -sb "$CARRY/lib" | cut -f1)/1048576" | bc -l)" "$(echo "$(du -sb "$CARRY/models" | cut -f1)/1048576" | bc -l)" \
    "$(echo "$tree/1048576" | bc -l)" "$(echo "$total/1048576" | bc -l)" "$LIMIT_MIB"
  [ "$total" -lt $((LIMIT_MIB * 1048576)) ] || { echo "session.sh: over the device tool's limit" >&2; exit 1; }
}

# Runs the carried gpu-check: the same command the device machine runs. GPU_CHECK_LIMIT_S bounds it (0: no limit);
# GPU_CHECK_PREFIX runs it under another program (compute-sanitizer).
gpu_check() {
  MINERVA_GIT_COMMIT="$(cat "$CARRY/COMMIT" 2>/dev/null || echo unknown)" \
  timeout "${GPU_CHECK_LIMIT_S:-0}" ${GPU_CHECK_PREFIX:-} "$CARRY/jdk/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Djava.awt.headless=true \
    -Dminerva.root="$ROOT" -Djava.io.tmpdir="${TMPDIR:-/tmp}" -cp "$CARRY/lib/*" dev.minerva.cli.GpuCheckCommand \
    --stories "$CARRY/models" "$@"
}

selftest() {
  set +e
  out=$(gpu_check --quick 2>&1); code=$?
  set -e
  echo "$out"
  if [ "$code" = 3 ] && echo "$out" | grep -q "no usable GPU"; then echo "selftest: ok (no GPU here, exit 3)";
  elif [ "$code" = 0 ]; then echo "selftest: ok (a GPU answered and every check passed)";
  else echo "selftest: FAILED with exit $code" >&2; exit 1; fi
}

command_line() {
  cat <<'CALL'
device tool `run` (one call; ~10 min budget; kind: leave default nvidia-h100-x1):
  carry:     [".carry"]
  timeout_s: 600
  command:   bash toolkit/scripts/gpu/session.sh device
CALL
}

# ON the GPU machine: everything in one call, results under $OUT (at most 8 files, 2 folders deep).
device() {
  : "${OUT:?device mode runs on the GPU machine, where \$OUT is set}"
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.mem --format=csv > "$OUT/nvidia-smi.csv" 2>&1 || true
  set +e
  # bounded, so that a hang still leaves time for the torch reference inside the 600 s call; 30 s before the hard
  # timeout gpu-check skips what is left itself, so that it still records its rows
  limit="${MINERVA_GPU_CHECK_S:-330}"
  GPU_CHECK_LIMIT_S="$limit" gpu_check --time-limit $((limit > 60 ? limit - 30 : 0)) --out /tmp/gc 2>&1 | tee "$OUT/gpu-check.log"
  echo "gpu-check exit ${PIPESTATUS[0]}" | tee -a "$OUT/gpu-check.log"
  for d in /tmp/gc/datasets/results/gpu-check/*/; do
    id=$(basename "$d"); mkdir -p "$OUT/gpu-check/$id"; cp "$d"/results.csv "$d"/run.json "$OUT/gpu-check/$id/"
  done
  # conformance alone under compute-sanitizer's memcheck: out-of-bounds and misaligned accesses, leaks, API errors
  if [ "${MINERVA_SANITIZER_S:-100}" -gt 0 ] && command -v compute-sanitizer >/dev/null; then
    GPU_CHECK_LIMIT_S="${MINERVA_SANITIZER_S:-100}" GPU_CHECK_PREFIX="compute-sanitizer --tool memcheck --print-limit 20" \
      gpu_check --quick --out /tmp/gc-sanitizer > "$OUT/sanitizer.log" 2>&1
    echo "compute-sanitizer memcheck, gpu-check --quick: exit $?" >> "$OUT/sanitizer.log"
  fi
  # the torch reference rewrites its JSON after every measurement, so whatever the time limit cuts off is all it loses
  # shellcheck disable=SC2086
  PYTHONUNBUFFERED=1 timeout "${MINERVA_TORCH_S:-200}" python3 "$ROOT/toolkit/scripts/gpu/torch_reference.py" --preset tinyllama-1.1b \
    ${MINERVA_TORCH_ARGS:---batches 1,8,32,128 --steps 32 --compile} --out "$OUT/torch-reference.json" > /dev/null 2> "$OUT/torch-reference.log"
  echo "torch_reference exit $?" >> "$OUT/torch-reference.log"
  set -e
}

collect() {
  local from="${1:?collect needs the folder the device tool returned (files_at)}"
  for d in "$from"/gpu-check/*/; do
    id=$(basename "$d"); dest="$ROOT/datasets/results/gpu-check/$id"
    [ -e "$dest" ] && { echo "exists: $dest"; continue; }
    # the torch reference measured in the same call goes into the run's folder, beside gpu-check's log
    mkdir -p "$dest.tmp" && cp "$d"/* "$dest.tmp/" && cp "$from"/gpu-check.log "$from"/nvidia-smi.csv "$dest.tmp/" 2>/dev/null
    for f in "$from"/torch-reference.json "$from"/torch-reference.log "$from"/sanitizer.log; do [ -s "$f" ] && cp "$f" "$dest.tmp/"; done
    mv "$dest.tmp" "$dest" && echo "collected $dest"
  done
  echo "now: git -C $ROOT add datasets/results/gpu-check && git -C $ROOT commit -m 'gpu-check run on <GPU>'"
}

case "${1:-}" in
  prepare) prepare ;;
  size) size ;;
  selftest) selftest ;;
  command) command_line ;;
  device) device ;;
  collect) shift; collect "$@" ;;
  *) sed -n '2,17p' "$0"; exit 2 ;;
esac
