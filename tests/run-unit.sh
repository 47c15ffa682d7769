#!/bin/sh
# run-unit.sh -- run cmocka test binaries, print one verdict line
# Usage: run-unit.sh TEST...
passed=0
failed=0
for t in "$@"; do
	if "$t"; then
		passed=$((passed + 1))
	else
		echo "run-unit: FAILED: $t" >&2
		failed=$((failed + 1))
	fi
done
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
