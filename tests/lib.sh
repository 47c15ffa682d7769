# lib.sh -- helpers for the shell-level test scripts (sourced)
#
# check NAME COMMAND: run COMMAND (a string, eval'd) and count the verdict;
# finish SUITE: print "SUITE: N passed, M failed" and exit accordingly.

T_PASSED=0
T_FAILED=0

check() {
	if eval "$2"; then
		echo "  ok: $1"
		T_PASSED=$((T_PASSED + 1))
	else
		echo "  FAILED: $1" >&2
		echo "    expected: $2" >&2
		T_FAILED=$((T_FAILED + 1))
	fi
}

finish() {
	echo "$1: $T_PASSED passed, $T_FAILED failed"
	[ "$T_FAILED" -eq 0 ]
	exit
}
