# Sourced by ./kmm and bench/run: sets KMM_JAVA_HOME to a JDK >= 25, or fails with one line.
# Order: KMM_JAVA_HOME, JAVA_HOME, then every JDK under /usr/lib/jvm (read from its `release` file).
kmm_jdk_version() { # prints the feature version of the JDK at $1, or nothing
  local rel="$1/release" v
  [ -x "$1/bin/java" ] && [ -f "$rel" ] || return 0
  v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$rel")
  printf '%s' "$v"
}
kmm_find_jdk() {
  local c v best="" bestv=0
  for c in "${KMM_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/*; do
    [ -n "$c" ] || continue
    v=$(kmm_jdk_version "$c")
    if [ -n "$v" ] && [ "$v" -ge 25 ] && [ "$v" -gt "$bestv" ]; then best=$c; bestv=$v; fi
  done
  if [ -z "$best" ]; then
    echo "kmm: needs a JDK >= 25 (none in KMM_JAVA_HOME, JAVA_HOME or /usr/lib/jvm); install one, e.g. Temurin 25" >&2
    return 1
  fi
  KMM_JAVA_HOME=$best
}
