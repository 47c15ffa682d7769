#!/bin/sh
# run.sh -- run the libOS cmocka test binaries, print one verdict line
# Usage: run.sh TEST...
# Counts test cases from cmocka's summary lines; a binary that dies
# without a summary (a sanitizer abort) counts as one failure.
passed=0
failed=0
for t in "$@"; do
	out=$("$t" 2>&1)
	rc=$?
	p=$(echo "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p')
	f=$(echo "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p')
	p=${p:-0}
	f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
	fi
	if [ "$f" -ne 0 ]; then
		echo "$out"
		echo "unikernels-unit: FAILED: $t" >&2
	fi
	passed=$((passed + p))
	failed=$((failed + f))
done
echo "unikernels-unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
