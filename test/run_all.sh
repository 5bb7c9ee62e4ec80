#!/bin/bash
# Run every segstore test: pg_regress suites, isolation specs and TAP tests.
#
# Run as root on Debian 12.  Installs missing packages, builds with
# -Wall -Wextra -Werror, installs the extension, then runs the suites as
# the postgres user in a scratch copy of the tree (each suite starts its
# own preloaded server).  Ends with one line "N passed, N failed".
set -uo pipefail

cd "$(dirname "$0")/.."
SRC=$(pwd)
PGBIN=/usr/lib/postgresql/15/bin

bash test/install_deps.sh || exit 1
make clean >/dev/null
make SEGSTORE_WERROR=-Werror >/dev/null || { echo "build failed"; exit 1; }
make install >/dev/null || { echo "install failed"; exit 1; }

WORK=$(mktemp -d /tmp/segstore-test.XXXXXX)
cp -a "$SRC/." "$WORK/"
chown -R postgres "$WORK"
trap 'rm -rf "$WORK"' EXIT

as_postgres() {
    runuser -u postgres -- env PATH="$PGBIN:$PATH" "$@"
}

passed=0
failed=0
count() {    # count ok/failed lines of pg_regress or prove output in $1
    local p f
    p=$(grep -cE '\.\.\. +ok|\.pl \.+ ok' "$1" || true)
    f=$(grep -cE '\.\.\. +FAILED|\.pl \.+ (Failed|Dubious)' "$1" || true)
    passed=$((passed + p))
    failed=$((failed + f))
}

echo "=== pg_regress ==="
as_postgres make -C "$WORK" installcheck ISOLATION= TAP_TESTS= > "$WORK/regress.log" 2>&1
rc_regress=$?
cat "$WORK/regress.log"
count "$WORK/regress.log"
[ $rc_regress -ne 0 ] && [ -f "$WORK/regression.diffs" ] && cat "$WORK/regression.diffs"

echo "=== isolation ==="
as_postgres make -C "$WORK" installcheck REGRESS= TAP_TESTS= > "$WORK/iso.log" 2>&1
rc_iso=$?
cat "$WORK/iso.log"
count "$WORK/iso.log"
[ $rc_iso -ne 0 ] && cat "$WORK"/tmp_check_iso_out/regression.diffs 2>/dev/null

echo "=== TAP ==="
as_postgres make -C "$WORK" installcheck REGRESS= ISOLATION= > "$WORK/tap.log" 2>&1
rc_tap=$?
cat "$WORK/tap.log"
count "$WORK/tap.log"
if [ $rc_tap -ne 0 ]; then
    for f in "$WORK"/tmp_check/log/regress_log_*; do
        [ -f "$f" ] && { echo "--- $f"; tail -50 "$f"; }
    done
fi

# a backend killed by a signal anywhere is a bug, even if the tests passed
if grep -rl "terminated by signal" "$WORK"/tmp_check*/ 2>/dev/null | grep -v regress_log; then
    echo "a server log reports a backend terminated by a signal"
    failed=$((failed + 1))
fi

echo "$passed passed, $failed failed"
[ $rc_regress -eq 0 ] && [ $rc_iso -eq 0 ] && [ $rc_tap -eq 0 ] && [ $failed -eq 0 ]
