#!/bin/sh
# scale.sh -- 10 000 bound names: jitsud -n loads them in under a second,
# and a jitsud serving them (process backend, nothing summoned) keeps its
# RSS under 16 MiB and answers (issue 11).  The numbers come from
# scripts/bench/scale.sh, which make bench runs for 1 000 to 10 000.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib.sh"
out=$(mktemp /tmp/jitsud-scale.XXXXXX)
trap 'rm -f "$out"' EXIT

SCALE_NAMES=10000 SCALE_OUT=$out sh "$top/scripts/bench/scale.sh"
line=$(awk '$1 == 10000' "$out")
set -- $line
check_eq "the zone of 10 000 names loads and is served" "10000 yes" "$1 ${6:-}"
check "jitsud -n loads it in under a second (${2:-?} ms)" \
    test "${2:-99999}" -lt 1000
check "serving it takes under 16 MiB of RSS (${4:-?} KiB)" \
    test "${4:-99999}" -lt 16384
finish scale
