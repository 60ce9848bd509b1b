#!/usr/bin/env bash
# ./minerva setup — makes a fresh Debian 12 machine (with a JDK 25 and Maven) ready to build Minerva and
# run its notebooks. Idempotent: each step checks first and does nothing when its result is present.
#   1. JDK 25 present (else a clear message)
#   2. Jupyter (nbconvert, nbclient, jupyter_client, ipykernel) and a font from Debian packages (root only;
#      otherwise prints the command to run)
#   3. the toolkit jar (mvn package -DskipTests) when stale
#   4. the rapaio Java kernel jar into .minerva/kernel/ (Maven, toolkit/pom.xml execution fetch-kernel)
#   5. the kernel start-up patch jar (toolkit/src/kernel-patch, javac --release 17)
#   6. the kernelspec .minerva/jupyter/kernels/minerva-java/kernel.json (./minerva notebooks install-kernel)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
. "$ROOT/toolkit/scripts/lib.sh"
say() { echo "setup: $*" >&2; }

# 1. JDK 25
JDK="$(find_jdk25)" || { echo "$NO_JDK25_MESSAGE" >&2; exit 2; }
say "JDK 25: $JDK"

# 2. Jupyter from Debian packages, plus a font: a headless JDK needs fontconfig and one font to draw
#    chart text (XChart), and a bare Debian with a tarball JDK has neither.
DEBIAN_PACKAGES=(jupyter-nbconvert python3-nbclient jupyter-client python3-ipykernel fontconfig fonts-dejavu-core)
missing_packages() {
  local p
  for p in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"
  done
}
if command -v dpkg-query >/dev/null; then
  mapfile -t MISSING < <(missing_packages)
  if [ "${#MISSING[@]}" -eq 0 ]; then
    say "Jupyter and fonts: Debian packages present"
  elif [ "$(id -u)" -ne 0 ]; then
    echo "setup: Debian packages missing: ${MISSING[*]}. Run as root:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${DEBIAN_PACKAGES[*]}" >&2
    exit 3
  else
    say "installing Jupyter: ${MISSING[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >&2
    apt-get install -y -q --no-install-recommends "${DEBIAN_PACKAGES[@]}" </dev/null >&2
  fi
elif command -v jupyter >/dev/null && jupyter nbconvert --version >/dev/null 2>&1; then
  say "Jupyter: $(command -v jupyter) (not a Debian system; using it as it is)"
else
  echo "setup: no Jupyter found and this is not a Debian system: install jupyter nbconvert, nbclient," \
       "jupyter_client and ipykernel (e.g. pip install nbconvert nbclient jupyter_client ipykernel)" >&2
  exit 3
fi

# 3. toolkit jar
if needs_build; then build_toolkit; else say "toolkit jar up to date"; fi

# 4. rapaio Java kernel jar, version from the parent pom
KERNEL_VERSION="$(sed -n 's:.*<rapaio.kernel.version>\(.*\)</rapaio.kernel.version>.*:\1:p' "$ROOT/pom.xml")"
[ -n "$KERNEL_VERSION" ] || { echo "setup: property rapaio.kernel.version not found in $ROOT/pom.xml" >&2; exit 2; }
KERNEL_JAR="$MINERVA_KERNEL_DIR/rapaio-jupyter-kernel-$KERNEL_VERSION.jar"
if [ -s "$KERNEL_JAR" ]; then
  say "kernel jar present: $KERNEL_JAR"
else
  say "resolving io.github.padreati:rapaio-jupyter-kernel:$KERNEL_VERSION through Maven"
  mkdir -p "$MINERVA_KERNEL_DIR"
  find "$MINERVA_KERNEL_DIR" -maxdepth 1 -name 'rapaio-jupyter-kernel-*.jar' -delete   # other versions
  (cd "$ROOT" && mvn -q -B -Dstyle.color=never -f toolkit/pom.xml dependency:copy@fetch-kernel) >&2
  [ -s "$KERNEL_JAR" ] || { echo "setup: Maven did not produce $KERNEL_JAR" >&2; exit 2; }
fi

# 5. start-up patch jar (must stay outside the toolkit jar: it shadows a kernel class)
PATCH_SRC="$ROOT/toolkit/src/kernel-patch/java"
PATCH_JAR="$MINERVA_KERNEL_DIR/minerva-kernel-patch.jar"
if [ -s "$PATCH_JAR" ] && [ -z "$(find "$PATCH_SRC" -type f -newer "$PATCH_JAR" -print -quit)" ]; then
  say "kernel patch jar up to date"
else
  say "building the kernel start-up patch"
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  mapfile -t SOURCES < <(find "$PATCH_SRC" -name '*.java' | sort)
  "$JDK/bin/javac" --release 17 -nowarn -d "$tmp/classes" "${SOURCES[@]}"
  "$JDK/bin/jar" --create --file "$tmp/patch.jar" -C "$tmp/classes" .
  mv -f "$tmp/patch.jar" "$PATCH_JAR"
fi

# 6. kernelspec (cheap; always rewritten so it follows moves of the checkout or the JDK)
MINERVA_NO_BUILD=1 "$ROOT/minerva" notebooks install-kernel
say "ready"
