# Sourced by ./doppel and .ci/run: exports JAVA_HOME pointing at a JDK 21 or newer.
# Doppel compiles for Java 21; Lucene 10 and the Apicurio test registry refuse older runtimes.
java_major() { "$1/bin/java" -version 2>&1 | awk -F'"' '/version/ {split($2, v, "."); print v[1]; exit}'; }
pick_jdk() {
  local candidate
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/javac" ] || continue
    if [ "$(java_major "$candidate")" -ge 21 ] 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}
if ! JAVA_HOME=$(pick_jdk); then
  echo "Doppel needs a JDK 21 or newer; none found in JAVA_HOME or /usr/lib/jvm. Install one (e.g. Temurin 21) and set JAVA_HOME." >&2
  exit 1
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
