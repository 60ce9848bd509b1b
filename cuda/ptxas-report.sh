#!/usr/bin/env bash
# ptxas-report.sh — registers, shared memory and spills of every kernel, as ptxas reports them for a target.
#   cuda/ptxas-report.sh [90|80]   (default 90; needs nvcc; prints a Markdown table)
set -euo pipefail
sm="${1:-90}"
src="$(cd "$(dirname "$0")/src" && pwd)"
NVCC="${NVCC:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
echo "| file | kernel | registers | static smem (B) | spill stores/loads (B) |"
echo "|---|---|---|---|---|"
for cu in "$src"/*.cu; do
  f=$(basename "$cu" .cu)
  "$NVCC" -cubin -O3 -arch=sm_$sm -I"$src" -Xptxas -v -o "$tmp/$f.cubin" "$cu" 2>&1 | awk -v f="$f" '
    /Function properties for/ { k=$NF; spill="0/0" }
    /spill stores/ { split($0, a, ","); gsub(/[^0-9]/, "", a[2]); gsub(/[^0-9]/, "", a[3]); spill=a[2] "/" a[3] }
    /Used [0-9]+ registers/ { match($0, /Used [0-9]+ registers/); r=substr($0, RSTART+5, RLENGTH-15);
      s=0; if (match($0, /[0-9]+ bytes smem/)) s=substr($0, RSTART, RLENGTH-11);
      printf "| %s | %s | %s | %s | %s |\n", f, k, r, s, spill }'
done
