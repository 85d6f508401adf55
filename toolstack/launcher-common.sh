# Shared by the launchers at the repository root (./jxen, ./xl); sourced, not run. The caller sets
# ROOT (the repository) and LAUNCHER (its name, which prefixes messages). Finds JDK 25, and builds
# what is missing or stale (Maven, gcc) before the launcher runs a toolstack command.

STAMP="$ROOT/toolstack/target/.jxen-built"
JVM_FLAGS=(-XX:-DontCompileHugeMethods -XX:FreqInlineSize=600 -XX:InlineSmallCode=5000 -XX:MaxInlineSize=100
           --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC)

die() {
    echo "$LAUNCHER: $*" >&2
    exit 1
}

# The JDK's major version: from its release file when it has one (starting a JVM to ask costs tens
# of milliseconds on every xl command), else from java -version.
java_major() {
    local v=""
    if [[ -f "$1/release" ]]; then
        v="$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release" | head -n 1)"
    fi
    if [[ -z "$v" ]]; then
        v="$("$1/bin/java" -version 2>&1 | sed -n 's/.* version "\([0-9]*\).*/\1/p' | head -n 1)"
    fi
    echo "$v"
}

# Prints the home of a JDK 25 or newer: $JAVA_HOME if it is one, else the usual install places.
find_jdk() {
    local d major
    for d in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*25* /usr/lib/jvm/*; do
        [[ -n "$d" && -x "$d/bin/java" && -x "$d/bin/javac" ]] || continue
        major="$(java_major "$d")"
        if [[ -n "$major" ]] && ((major >= 25)); then
            echo "$d"
            return 0
        fi
    done
    return 1
}

JDK="$(find_jdk)" || die "JDK 25 is missing: set JAVA_HOME to a JDK 25 or install one (e.g. temurin-25-jdk in /usr/lib/jvm/temurin-25-jdk-amd64)"
export JAVA_HOME="$JDK"
export PATH="$JDK/bin:$PATH"
# Maven's own libraries use sun.misc.Unsafe, which JDK 25 warns about on every run.
export MAVEN_OPTS="${MAVEN_OPTS:---sun-misc-unsafe-memory-access=allow}"

require_build_tools() {
    command -v mvn >/dev/null 2>&1 || die "Maven is missing: install it (apt-get install maven)"
    command -v gcc >/dev/null 2>&1 || die "gcc is missing: the guest programs are built with it (apt-get install gcc make)"
    command -v make >/dev/null 2>&1 || die "make is missing: the guest programs are built with it (apt-get install make)"
}

# True when the runnable layout is missing or a source it is built from changed since.
needs_build() {
    [[ -f "$STAMP" && -d "$ROOT/toolstack/target/lib" && -x "$ROOT/guests/target/bin/cpu-demo" ]] || return 0
    local newer
    newer="$(find "$ROOT" -path "$ROOT/.git" -prune -o -type f \( -path '*/src/main/*' -o -name pom.xml \
        -o -path "$ROOT/guests/src/*" -o -path "$ROOT/guests/lib/*" -o -path "$ROOT/guests/pv/*" \
        -o -path "$ROOT/guests/libc/*" -o -path "$ROOT/guests/Makefile" \) \
        -newer "$STAMP" -print -quit)"
    [[ -n "$newer" ]]
}

build() {
    require_build_tools
    echo "$LAUNCHER: building (mvn package)..." >&2
    # Maven 3.8 prints stray colour resets even in batch mode; drop them.
    (cd "$ROOT" && mvn -q -B -DskipTests package 2>&1) | sed -u 's/\x1b\[0m//g' >&2 \
        || die "build failed (see the Maven output above)"
    touch "$STAMP"
}

# The xl client only talks to the daemon: a small, quickly started JVM (C1 only, serial GC, and the
# class-data archive below). The daemon it may start gets JVM_FLAGS.
CLIENT_FLAGS=(-Xlog:cds=off -Xlog:cds+dynamic=off -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss512k -XX:-UsePerfData -Xshare:auto)
CDS_ARCHIVE="$ROOT/toolstack/target/xl-client.jsa"

# Runs the xl client (dev.jxen.toolstack.xl.Xl) with the remaining arguments, building first if
# needed. The first run after a build records an AppCDS archive of the client's classes
# (-XX:+AutoCreateSharedArchive), which later runs map instead of loading and verifying the classes.
run_xl_client() {
    if needs_build; then
        build
    fi
    shopt -s nullglob
    local jars=("$ROOT"/toolstack/target/toolstack-*.jar)
    ((${#jars[@]})) || die "the build produced no toolstack jar in $ROOT/toolstack/target"
    exec "$JDK/bin/java" "${CLIENT_FLAGS[@]}" -XX:+AutoCreateSharedArchive -XX:SharedArchiveFile="$CDS_ARCHIVE" \
        -Djxen.guests="$ROOT/guests/target/bin" -Djxen.daemon.jvmflags="${JVM_FLAGS[*]}" \
        -cp "${jars[0]}:$ROOT/toolstack/target/lib/*" dev.jxen.toolstack.xl.Xl "$@"
}

# Builds if needed, then runs the toolstack class $1 with the remaining arguments (replaces the shell).
run_toolstack() {
    local main="$1"
    shift
    if needs_build; then
        build
    fi
    shopt -s nullglob
    local jars=("$ROOT"/toolstack/target/toolstack-*.jar)
    ((${#jars[@]})) || die "the build produced no toolstack jar in $ROOT/toolstack/target"
    exec "$JDK/bin/java" "${JVM_FLAGS[@]}" -Djxen.guests="$ROOT/guests/target/bin" \
        -cp "${jars[0]}:$ROOT/toolstack/target/lib/*" "$main" "$@"
}
