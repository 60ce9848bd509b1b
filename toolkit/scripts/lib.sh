# Sourced by ./minerva and the scripts beside this file: where things are, the JDK 25 lookup and the
# "is the toolkit jar stale?" test. Expects ROOT (the repository root) to be set.

MINERVA_JAR="$ROOT/toolkit/target/minerva-toolkit.jar"
MINERVA_CP_FILE="$ROOT/toolkit/target/classpath.txt"
MINERVA_KERNEL_DIR="$ROOT/.minerva/kernel"        # rapaio kernel jar + our start-up patch jar
MINERVA_JUPYTER_DIR="$ROOT/.minerva/jupyter"      # JUPYTER_PATH entry holding kernels/minerva-java

# Prints the home of a JDK 25 or newer, or returns 1.
find_jdk25() {
  local c
  for c in "${MINERVA_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*25* "$ROOT/.carry/jdk"; do
    [ -n "$c" ] && [ -x "$c/bin/java" ] || continue
    if "$c/bin/java" -version 2>&1 | head -1 | grep -Eq 'version "(2[5-9]|[3-9][0-9])'; then echo "$c"; return 0; fi
  done
  return 1
}

NO_JDK25_MESSAGE="minerva: no JDK 25 found (looked at \$MINERVA_JAVA_HOME, \$JAVA_HOME, /usr/lib/jvm/*25*). Install Temurin 25 (https://adoptium.net), e.g. apt-get install temurin-25-jdk from the Adoptium apt repository."

# True when the toolkit jar or its class-path file is missing or older than any source or pom.
needs_build() {
  [ -f "$MINERVA_JAR" ] && [ -f "$MINERVA_CP_FILE" ] || return 0
  [ -n "$(find "$ROOT/toolkit/src/main" "$ROOT/cuda/src" "$ROOT/pom.xml" "$ROOT/toolkit/pom.xml" "$ROOT/cuda/pom.xml" -newer "$MINERVA_JAR" -type f -print -quit 2>/dev/null)" ]
}

# mvn package -DskipTests (quiet), with a clear message when Maven is missing.
build_toolkit() {
  command -v mvn >/dev/null || { echo "minerva: Maven (mvn) is needed to build the toolkit: apt-get install maven" >&2; return 2; }
  echo "minerva: building the toolkit (mvn package -DskipTests)..." >&2
  (cd "$ROOT" && mvn -q -B -Dstyle.color=never package -DskipTests) >&2 || { echo "minerva: build failed" >&2; return 2; }
}

# Compiles the native benchmark reference toolkit/src/bench/c/NAME.c to toolkit/target/NAME-c (gcc -O3 -march=native
# -fopenmp) and prints the binary's path; without gcc, a message and status 2.
build_native_reference() {
  local name="$1" bin="$ROOT/toolkit/target/$1-c"
  command -v gcc >/dev/null || { echo "minerva: gcc is needed for the native reference $name.c (apt-get install gcc)" >&2; return 2; }
  mkdir -p "$ROOT/toolkit/target"
  gcc -O3 -march=native -fopenmp -Wall -o "$bin" "$ROOT/toolkit/src/bench/c/$name.c" -lm >&2 || return 2
  echo "$bin"
}
