#!/usr/bin/env bash
# ./minerva test — the project's test command (README, .ci/run):
#   ./minerva setup; mvn -B verify (every unit test of every module); every notebook at CI budget into a
#   fresh temporary folder. Fails when any step fails or when a tracked file changed during the run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
say() { echo "test: $*" >&2; }

tracked_state() { git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null || true; }
IN_GIT=0; git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1 && IN_GIT=1
BEFORE="$(tracked_state)"
START=$SECONDS

say "1/3 ./minerva setup"
"$ROOT/minerva" setup

say "2/3 mvn -B verify"
mvn -B verify

OUT="$(mktemp -d "${TMPDIR:-/tmp}/minerva-test.XXXXXX")"
say "3/3 notebooks at CI budget into $OUT"
nb_rc=0
MINERVA_OUT="$OUT" "$ROOT/minerva" notebooks run --budget ci --out "$OUT/notebooks-executed" || nb_rc=$?

if [ "$IN_GIT" = 1 ]; then
  AFTER="$(tracked_state)"
  if [ "$BEFORE" != "$AFTER" ]; then
    echo "test: FAILED: tracked files changed during the test run:" >&2
    diff <(echo "$BEFORE") <(echo "$AFTER") >&2 || true
    exit 1
  fi
else
  say "not a git checkout: skipped the tracked-files check"
fi
[ "$nb_rc" -eq 0 ] || { echo "test: FAILED: notebooks (outputs kept in $OUT)" >&2; exit "$nb_rc"; }
rm -rf "$OUT"
say "all passed in $((SECONDS - START)) s"
