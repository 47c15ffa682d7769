#!/bin/sh
# run-unit.sh -- run cmocka test binaries, print one verdict line
# Usage: run-unit.sh TEST...
# UNIT_RUNNER, when set, goes before each test: the ARM builds' tests run
# under qemu-user (the Makefile sets it for ARCH=arm64|armhf).
passed=0
failed=0
for t in "$@"; do
	# shellcheck disable=SC2086
	if ${UNIT_RUNNER:-} "$t"; then
		passed=$((passed + 1))
	else
		echo "run-unit: FAILED: $t" >&2
		failed=$((failed + 1))
	fi
done
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
