#!/bin/sh
# check-record.sh OUTPUT -- the record of a check.sh run that is kept in
# the tree (make check-arm's bench/check-arm.txt): when, on which commit,
# each suite's verdict and time, its steps passed and failed, and the
# closing count.  OUTPUT is what check.sh printed.
set -u
out=${1:?usage: check-record.sh OUTPUT}
top=$(cd "$(dirname "$0")/.." && pwd)
echo "# check.sh's verdicts, $(date -u +%Y-%m-%dT%H:%M:%SZ)," \
    "commit $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)$(
    git -C "$top" diff --quiet HEAD 2>/dev/null || echo ' (with changes)')"
echo "# host: $(nproc) cores, $(uname -m); suite (seconds), then its steps"
awk '/^check: [0-9]+ passed/ { print; next }
    /^=== check: .* (passed|FAILED) \([0-9]+ s\)$/ {
	sub(/^=== check: /, ""); print; if (steps != "") print steps; steps = ""
	next
    }
    /^[A-Za-z0-9\/_-]+: [0-9]+ passed, [0-9]+ failed/ { steps = "  " $0 }' "$out"
